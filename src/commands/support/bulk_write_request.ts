import { bsonTypeOf, documentToString, isDocument, isNumeric, toNumber, MAX_WRITE_BATCH_SIZE, type Document } from '../../bson/index.js';
import { missingFieldError, mongoError, unknownFieldError, validatorError, wrongTypeError } from '../../errors/index.js';
import { GENERIC_ARGUMENTS } from './generic_arguments.js';

/**
 * Parsing of the MongoDB 8.0 client-level `bulkWrite` command, with the errors mongod's IDL parser and
 * `bulk_write_common::validateRequest` give. Everything here fails the whole command (no write has happened yet);
 * what mongod reports per operation (bad namespace names, bad collations, bad filters) is left to execution.
 * https://www.mongodb.com/docs/manual/reference/command/bulkWrite/
 */

export interface BulkWriteNamespace {
  /** `db.coll` as given. */
  ns: string;
  db: string;
  coll: string;
}

interface OpBase {
  /** Index into `nsInfo`. */
  nsIndex: number;
}

export interface BulkWriteInsertOp extends OpBase {
  kind: 'insert';
  document: Document;
}

export interface BulkWriteUpdateOp extends OpBase {
  kind: 'update';
  filter: Document;
  updateMods: Document | Document[];
  multi: boolean;
  upsert: boolean;
  arrayFilters?: Document[];
  /** Unparsed: a bad collation fails only its own operation, as in mongod. */
  collation?: Document;
  sort?: Document;
  /** Per-statement constants for a pipeline update (`$$name`). */
  constants?: Document;
}

export interface BulkWriteDeleteOp extends OpBase {
  kind: 'delete';
  filter: Document;
  multi: boolean;
  collation?: Document;
}

export type BulkWriteOp = BulkWriteInsertOp | BulkWriteUpdateOp | BulkWriteDeleteOp;

export interface BulkWriteRequest {
  ops: BulkWriteOp[];
  nsInfo: BulkWriteNamespace[];
  ordered: boolean;
  errorsOnly: boolean;
  bypassDocumentValidation: boolean;
  let?: Document;
  /** `cursor.batchSize`; undefined means every result in the first batch (up to 16 MiB). */
  batchSize?: number;
}

const COMMAND_FIELDS = new Set([
  'bulkWrite', 'ops', 'nsInfo', 'cursor', 'bypassDocumentValidation', 'ordered', 'stmtId', 'stmtIds', 'let',
  'errorsOnly', 'bypassEmptyTsReplacement', '$_originalQuery', '$_originalCollation',
]);
const INSERT_FIELDS = new Set(['insert', 'document']);
const UPDATE_FIELDS = new Set([
  'update', 'filter', 'sort', 'multi', 'updateMods', 'upsert', 'upsertSupplied', 'arrayFilters', 'hint', 'constants',
  'collation', 'sampleId', '$_allowShardKeyUpdatesWithoutFullShardKeyInQuery',
]);
const DELETE_FIELDS = new Set(['delete', 'filter', 'multi', 'hint', 'collation', 'sampleId']);
const NS_INFO_FIELDS = new Set(['ns', 'collectionUUID', 'encryptionInformation', 'isTimeseriesNamespace', 'shardVersion', 'databaseVersion']);


function checkFields(doc: Document, allowed: ReadonlySet<string>, prefix: string): void {
  for (const key of Object.keys(doc)) if (!allowed.has(key)) throw unknownFieldError(`${prefix}.${key}`);
}

/** IDL `bool`: only a BSON boolean. */
function strictBool(doc: Document, field: string, path: string, fallback: boolean): boolean {
  const v = doc[field];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw wrongTypeError(`${path}.${field}`, bsonTypeOf(v), 'bool');
  return v;
}

/** IDL `safeBool`: a boolean or any number. */
function safeBool(doc: Document, field: string, path: string): boolean {
  const v = doc[field];
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (isNumeric(v)) return toNumber(v) !== 0;
  throw wrongTypeError(`${path}.${field}`, bsonTypeOf(v), 'bool');
}

function optionalObject(doc: Document, field: string, path: string): Document | undefined {
  const v = doc[field];
  if (v === undefined) return undefined;
  if (!isDocument(v)) throw wrongTypeError(`${path}.${field}`, bsonTypeOf(v), 'object');
  return v;
}

function requiredObject(doc: Document, field: string, path: string): Document {
  const v = optionalObject(doc, field, path);
  if (v === undefined) throw missingFieldError(`${path}.${field}`);
  return v;
}

/** An array of documents; element type errors name the element's index, as mongod's IDL does. */
function objectArray(v: unknown, path: string): Document[] {
  if (!Array.isArray(v)) throw wrongTypeError(path, bsonTypeOf(v), 'array');
  v.forEach((d, i) => {
    if (!isDocument(d)) throw wrongTypeError(`${path}.${i}`, bsonTypeOf(d), 'object');
  });
  return v as Document[];
}

/** IDL `safeInt` with `validator: {gte: 0}`: the nsInfo index an op names. */
function nsIndexArg(op: Document, field: string): number {
  const v = op[field];
  if (!isNumeric(v)) {
    throw wrongTypeError(`bulkWrite.ops.${field}`, bsonTypeOf(v), ['long', 'int', 'decimal', 'double']);
  }
  const n = Math.trunc(toNumber(v));
  if (!(n >= 0)) throw validatorError(field, '>= 0', n);
  return n;
}

function hintArg(op: Document): void {
  const v = op.hint;
  // Checked for form only: bulkWrite's statements are planned without their hint.
  if (v !== undefined && typeof v !== 'string' && !isDocument(v)) throw wrongTypeError('bulkWrite.ops.hint', bsonTypeOf(v), 'indexHint');
}

function parseOp(raw: Document): BulkWriteOp {
  const kind = Object.keys(raw)[0];
  const path = 'bulkWrite.ops';
  switch (kind) {
    case 'insert': {
      checkFields(raw, INSERT_FIELDS, path);
      return { kind, nsIndex: nsIndexArg(raw, kind), document: requiredObject(raw, 'document', path) };
    }
    case 'update': {
      checkFields(raw, UPDATE_FIELDS, path);
      const nsIndex = nsIndexArg(raw, kind);
      const filter = requiredObject(raw, 'filter', path);
      const updateMods = raw.updateMods;
      if (updateMods === undefined) throw missingFieldError(`${path}.updateMods`);
      if (!isDocument(updateMods) && !Array.isArray(updateMods)) {
        throw mongoError('FailedToParse', `BSON field '${path}.updateMods' is the wrong type '${bsonTypeOf(updateMods)}', expected type 'object' or 'array'`);
      }
      if (Array.isArray(updateMods)) objectArray(updateMods, `${path}.updateMods`);
      hintArg(raw);
      const op: BulkWriteUpdateOp = {
        kind, nsIndex, filter, updateMods: updateMods as Document | Document[],
        multi: strictBool(raw, 'multi', path, false),
        upsert: strictBool(raw, 'upsert', path, false),
      };
      if (raw.arrayFilters !== undefined) op.arrayFilters = objectArray(raw.arrayFilters, `${path}.arrayFilters`);
      op.collation = optionalObject(raw, 'collation', path);
      op.sort = optionalObject(raw, 'sort', path);
      op.constants = optionalObject(raw, 'constants', path);
      return op;
    }
    case 'delete': {
      checkFields(raw, DELETE_FIELDS, path);
      const nsIndex = nsIndexArg(raw, kind);
      const filter = requiredObject(raw, 'filter', path);
      hintArg(raw);
      return { kind, nsIndex, filter, multi: strictBool(raw, 'multi', path, false), collation: optionalObject(raw, 'collation', path) };
    }
    default:
      throw mongoError('FailedToParse', `BulkWrite ops entry ${documentToString(raw)} must start with 'insert', 'update' or 'delete'`);
  }
}

function parseNamespace(raw: Document): BulkWriteNamespace {
  checkFields(raw, NS_INFO_FIELDS, 'bulkWrite.nsInfo');
  const ns = raw.ns;
  if (ns === undefined) throw missingFieldError('bulkWrite.nsInfo.ns');
  if (typeof ns !== 'string') throw wrongTypeError('bulkWrite.nsInfo.ns', bsonTypeOf(ns), 'string');
  const dot = ns.indexOf('.');
  // NamespaceString::isValid: a database and a collection part. The names' own rules are checked per operation.
  if (dot <= 0 || dot === ns.length - 1) throw mongoError('InvalidNamespace', `Invalid namespace specified for bulkWrite: '${ns}'`);
  return { ns, db: ns.slice(0, dot), coll: ns.slice(dot + 1) };
}

/**
 * Parses and validates a `bulkWrite` command document.
 *
 * @throws MongoServerError, failing the command before any write: 40415 for an unknown field, 40414 for a missing
 *   `ops`/`nsInfo`/required op field, TypeMismatch (14) for a wrongly typed field, InvalidLength (16) for zero or more
 *   than 100,000 ops, InvalidOptions (72) for both `stmtId` and `stmtIds`, InvalidNamespace (73) for an `nsInfo.ns`
 *   without a database and a collection part, BadValue (2) for an op whose nsInfo index is out of range, 51024 for a
 *   negative index, FailedToParse (9) for an op that is not insert, update or delete.
 */
export function parseBulkWrite(cmd: Document): BulkWriteRequest {
  for (const key of Object.keys(cmd)) {
    if (!COMMAND_FIELDS.has(key) && !GENERIC_ARGUMENTS.has(key)) throw unknownFieldError(`bulkWrite.${key}`);
  }
  if (cmd.ops === undefined) throw missingFieldError('bulkWrite.ops');
  if (cmd.nsInfo === undefined) throw missingFieldError('bulkWrite.nsInfo');
  const rawOps = objectArray(cmd.ops, 'bulkWrite.ops');
  const rawNsInfo = objectArray(cmd.nsInfo, 'bulkWrite.nsInfo');
  const ops = rawOps.map(parseOp);
  const nsInfo = rawNsInfo.map(parseNamespace);
  const cursor = optionalObject(cmd, 'cursor', 'bulkWrite');
  let batchSize: number | undefined;
  if (cursor) {
    checkFields(cursor, new Set(['batchSize']), 'bulkWrite.cursor');
    if (cursor.batchSize !== undefined) {
      if (!isNumeric(cursor.batchSize)) throw wrongTypeError('bulkWrite.cursor.batchSize', bsonTypeOf(cursor.batchSize), 'long');
      batchSize = Math.trunc(toNumber(cursor.batchSize));
      if (batchSize < 0) throw validatorError('batchSize', '>= 0', batchSize);
    }
  }
  const request: BulkWriteRequest = {
    ops,
    nsInfo,
    ordered: strictBool(cmd, 'ordered', 'bulkWrite', true),
    errorsOnly: strictBool(cmd, 'errorsOnly', 'bulkWrite', false),
    bypassDocumentValidation: safeBool(cmd, 'bypassDocumentValidation', 'bulkWrite'),
    let: optionalObject(cmd, 'let', 'bulkWrite'),
    batchSize,
  };
  if (cmd.stmtId !== undefined && !isNumeric(cmd.stmtId)) throw wrongTypeError('bulkWrite.stmtId', bsonTypeOf(cmd.stmtId), 'int');
  if (cmd.stmtIds !== undefined && !Array.isArray(cmd.stmtIds)) throw wrongTypeError('bulkWrite.stmtIds', bsonTypeOf(cmd.stmtIds), 'array');

  // bulk_write_common::validateRequest, in mongod's order.
  if (ops.length === 0 || ops.length > MAX_WRITE_BATCH_SIZE) {
    throw mongoError('InvalidLength', `Write batch sizes must be between 1 and ${MAX_WRITE_BATCH_SIZE}. Got ${ops.length} operations.`);
  }
  if (cmd.stmtId !== undefined && cmd.stmtIds !== undefined) {
    throw mongoError('InvalidOptions', 'May not specify both stmtId and stmtIds in bulkWrite command.');
  }
  if (Array.isArray(cmd.stmtIds) && cmd.stmtIds.length !== ops.length) {
    throw mongoError('InvalidLength', `Number of statement ids must match the number of batch entries. Got ${cmd.stmtIds.length} statement ids but ${ops.length} operations.`);
  }
  ops.forEach((op, i) => {
    if (op.nsIndex >= nsInfo.length) {
      throw mongoError('BadValue', `BulkWrite ops entry ${documentToString(rawOps[i]!)} has an invalid nsInfo index.`);
    }
  });
  return request;
}
