import { Binary, bsonTypeOf, documentToString, isDocument, type Document } from '../../bson/index.js';
import { mongoError, missingFieldError, unknownFieldError, wrongBinDataTypeError, wrongTypeError } from '../../errors/index.js';
import { NO_AUTH_UID, type LogicalSessionId } from '../../engine/session_cache.js';

/**
 * Session ids as commands carry them, read with mongod's IDL errors: the `lsid` of any command
 * (OperationSessionInfo), the arrays of endSessions, refreshSessions and killSessions (LogicalSessionFromClient:
 * `{id, uid?}`), and the `lsid` of a killAllSessionsByPattern pattern (LogicalSessionId: `{id, uid}`).
 */

/** A session id from a client; a child session (`txnUUID`, mongod's internal sessions) belongs to its parent. */
export interface SessionIdArg {
  lsid: LogicalSessionId;
  isChild: boolean;
  /** The whole id as mongod prints one in errors: `{ id: UUID("…"), uid: BinData(0, …), txnNumber: …, txnUUID: … }`. */
  text(): string;
}

/** A `uuid` field: BinData of subtype 4 and 16 bytes. */
function uuidField(value: unknown, path: string): Binary {
  if (!(value instanceof Binary)) throw wrongTypeError(path, bsonTypeOf(value), 'binData');
  if (value.sub_type !== Binary.SUBTYPE_UUID) throw wrongBinDataTypeError(path, value.sub_type, Binary.SUBTYPE_UUID);
  if (value.length() !== 16) throw mongoError('InvalidUUID', 'uuid must be a 16-byte binary field with UUID (4) subtype');
  return value;
}

/** A `sha256Block` field (a user digest): generic BinData of 32 bytes (UnsupportedFormat, 12, for another length). */
export function sha256Field(value: unknown, path: string): Binary {
  if (!(value instanceof Binary)) throw wrongTypeError(path, bsonTypeOf(value), 'binData');
  if (value.sub_type !== Binary.SUBTYPE_DEFAULT) throw wrongBinDataTypeError(path, value.sub_type, Binary.SUBTYPE_DEFAULT);
  if (value.length() !== 32) throw mongoError('UnsupportedFormat', `Unsupported SHA256Block hash length: ${value.length()}`);
  return value;
}

/**
 * `{id, uid, txnNumber, txnUUID}` read at `path`: a strict struct whose `uid` is optional from a client
 * (LogicalSessionFromClient; the nameless user owns it then) and required in a kill pattern (LogicalSessionId).
 * Without access control any `uid` may be given.
 *
 * @throws MongoServerError 40415, 40414, TypeMismatch (14), InvalidUUID (207) or UnsupportedFormat (12) as IDL
 *   reports them; InvalidOptions (72) for a txnNumber without txnUUID.
 */
function sessionId(doc: Document, path: string, uidRequired: boolean): SessionIdArg {
  let id: Binary | undefined;
  let uid: Binary | undefined;
  let txnNumber: unknown;
  let txnUUID: Binary | undefined;
  for (const key in doc) {
    const value = doc[key];
    if (value === null || value === undefined) continue;
    if (key === 'id') id = uuidField(value, `${path}.id`);
    else if (key === 'uid') uid = sha256Field(value, `${path}.uid`);
    else if (key === 'txnUUID') txnUUID = uuidField(value, `${path}.txnUUID`);
    else if (key === 'txnNumber') {
      if (bsonTypeOf(value) !== 'long') throw wrongTypeError(`${path}.txnNumber`, bsonTypeOf(value), 'long');
      txnNumber = value;
    } else throw unknownFieldError(`${path}.${key}`);
  }
  if (id === undefined) throw missingFieldError(`${path}.id`);
  if (uid === undefined && uidRequired) throw missingFieldError(`${path}.uid`);
  if (txnNumber !== undefined && txnUUID === undefined) {
    throw mongoError('InvalidOptions', 'Cannot specify txnNumber in lsid without specifying txnUUID');
  }
  const lsid = { id, uid: uid ?? NO_AUTH_UID };
  const printed: Document = { ...lsid };
  if (txnNumber !== undefined) printed.txnNumber = txnNumber;
  if (txnUUID !== undefined) printed.txnUUID = txnUUID;
  return { lsid, isChild: txnUUID !== undefined, text: () => documentToString(printed) };
}

/** A session id from a client (LogicalSessionFromClient) at `path`. */
export function sessionFromClient(doc: Document, path: string): SessionIdArg {
  return sessionId(doc, path, false);
}

/** A full session id (LogicalSessionId, `uid` required), as a killAllSessionsByPattern pattern names one. */
export function fullSessionId(doc: Document, path: string): SessionIdArg {
  return sessionId(doc, path, true);
}

/**
 * The session a command runs in: its `lsid` generic argument, or undefined without one. Every command's lsid is
 * checked, whether or not the command then uses it.
 *
 * @throws MongoServerError TypeMismatch (14) for a non-document lsid; the errors of {@link sessionFromClient}.
 */
export function sessionOfCommand(cmd: Document): LogicalSessionId | undefined {
  const lsid = cmd.lsid;
  if (lsid === undefined || lsid === null) return undefined;
  if (!isDocument(lsid)) throw wrongTypeError('OperationSessionInfo.lsid', bsonTypeOf(lsid), 'object');
  return sessionFromClient(lsid, 'OperationSessionInfo.lsid').lsid;
}
