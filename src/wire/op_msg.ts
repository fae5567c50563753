/**
 * OP_MSG (opcode 2013) parsing and reply encoding, following mongod's OpMsg::parse
 * (https://github.com/mongodb/specifications/blob/master/source/message/OP_MSG.md).
 */
import { ErrorCodes } from '../errors/codes.js';
import { MongoServerError } from '../errors/command_error.js';
import { wrongTypeError } from '../errors/idl.js';
import { decodeRequestDocument, documentSizeAt, type Document } from './bson_codec.js';
import { crc32c } from './crc32c.js';
import { HEADER_SIZE, OP_MSG_KNOWN_REQUIRED_FLAGS, OP_MSG_REQUIRED_FLAGS_MASK, OpCode, OpMsgFlag } from './constants.js';
import { ConnectionFatalError } from './wire_errors.js';

/** mongod accepts at most two document sequences (bulkWrite's `ops` and `nsInfo`). */
const MAX_DOCUMENT_SEQUENCES = 2;

/** The flag bits of an OP_MSG, readable before the sections are parsed (so a moreToCome request that fails to parse gets no reply). */
export function readOpMsgFlags(message: Buffer): number | undefined {
  return message.length >= HEADER_SIZE + 4 ? message.readUInt32LE(HEADER_SIZE) : undefined;
}

/**
 * Parses a whole OP_MSG message (header included) into its command: the kind-0 body with every kind-1 document
 * sequence added as an array under its identifier.
 *
 * Throws ConnectionFatalError (close the socket) for an illegal required flag bit (IllegalOpMsgFlag 223),
 * a checksum that does not match (ChecksumMismatch 288) and too many document sequences
 * (TooManyDocumentSequences 233): mongod's ConnectionFatalMessageParseError category.
 * Throws MongoServerError (reply with it) for everything else: Overflow (15) for sections running past the end,
 * InvalidBSON (22), BSONObjectTooLarge (10334), 40430 two bodies, 40431 duplicate sequence, 40432 unknown
 * section kind, 40433 sequence duplicating a body field, 40587 no body, 40571 no `$db`.
 */
export function parseOpMsg(message: Buffer, maxBsonObjectSize: number): Document {
  const flags = readOpMsgFlags(message);
  if (flags === undefined) {
    throw new MongoServerError(ErrorCodes.Overflow, 'Invalid OP_MSG: the message ends before its flagBits');
  }
  if ((flags & ~OP_MSG_KNOWN_REQUIRED_FLAGS & OP_MSG_REQUIRED_FLAGS_MASK) !== 0) {
    throw new ConnectionFatalError(
      `Message contains illegal flags value: Ob${flags.toString(2).padStart(32, '0')}`,
      ErrorCodes.IllegalOpMsgFlag,
    );
  }
  let end = message.length;
  if (flags & OpMsgFlag.checksumPresent) {
    if (end < HEADER_SIZE + 8) throw new ConnectionFatalError('OP_MSG checksum does not match contents', ErrorCodes.ChecksumMismatch);
    end -= 4;
    if (message.readUInt32LE(end) !== crc32c(message, 0, end)) {
      throw new ConnectionFatalError('OP_MSG checksum does not match contents', ErrorCodes.ChecksumMismatch);
    }
  }

  let body: Document | undefined;
  const sequences = new Map<string, Document[]>();
  let pos = HEADER_SIZE + 4;
  while (pos < end) {
    const kind = message[pos]!;
    pos += 1;
    if (kind === 0) {
      if (body !== undefined) throw new MongoServerError(40430, 'Multiple body sections in message');
      const size = documentSizeAt(message, pos, end);
      body = decodeRequestDocument(message, pos, size, maxBsonObjectSize);
      pos += size;
    } else if (kind === 1) {
      if (sequences.size >= MAX_DOCUMENT_SEQUENCES) {
        throw new ConnectionFatalError('Too many document sequences in OP_MSG', ErrorCodes.TooManyDocumentSequences);
      }
      pos = readDocumentSequence(message, pos, end, maxBsonObjectSize, sequences);
    } else {
      throw new MongoServerError(40432, `Unknown section kind ${kind}`);
    }
  }
  if (body === undefined) throw new MongoServerError(40587, 'OP_MSG messages must have a body');

  for (const [name, docs] of sequences) {
    if (hasPath(body, name)) throw new MongoServerError(40433, `Duplicate field between body and document sequence ${name}`);
    body[name] = docs;
  }
  if (!('$db' in body)) throw new MongoServerError(40571, 'OP_MSG requests require a $db argument');
  if (typeof body.$db !== 'string') {
    throw wrongTypeError('$db', bsonTypeName(body.$db), 'string');
  }
  return body;
}

function readDocumentSequence(
  message: Buffer, start: number, end: number, maxBsonObjectSize: number, sequences: Map<string, Document[]>,
): number {
  if (end - start < 4) throw new MongoServerError(ErrorCodes.Overflow, 'Invalid OP_MSG: document sequence size runs past the end of the message');
  const size = message.readInt32LE(start);
  if (size < 5 || size > end - start) {
    throw new MongoServerError(ErrorCodes.Overflow, `Invalid OP_MSG: document sequence of ${size} bytes runs past the end of the message`);
  }
  const seqEnd = start + size;
  const nameEnd = message.indexOf(0, start + 4);
  if (nameEnd < 0 || nameEnd >= seqEnd) {
    throw new MongoServerError(ErrorCodes.Overflow, 'Invalid OP_MSG: document sequence identifier is not terminated');
  }
  const name = message.toString('utf8', start + 4, nameEnd);
  if (sequences.has(name)) throw new MongoServerError(40431, `Duplicate document sequence: ${name}`);
  const docs: Document[] = [];
  let pos = nameEnd + 1;
  while (pos < seqEnd) {
    const docSize = documentSizeAt(message, pos, seqEnd);
    docs.push(decodeRequestDocument(message, pos, docSize, maxBsonObjectSize));
    pos += docSize;
  }
  sequences.set(name, docs);
  return seqEnd;
}

/** MongoDB's alias of a decoded value's BSON type, for the `$db` type error only. */
function bsonTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  if (v instanceof RegExp) return 'regex';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'object') {
    const t = (v as { _bsontype?: string })._bsontype;
    const aliases: Record<string, string> = {
      Int32: 'int', Double: 'double', Long: 'long', Decimal128: 'decimal', ObjectId: 'objectId', Binary: 'binData',
      Timestamp: 'timestamp', MinKey: 'minKey', MaxKey: 'maxKey', Code: 'javascript', BSONSymbol: 'symbol',
      DBPointer: 'dbPointer', BSONRegExp: 'regex',
    };
    return t === undefined ? 'object' : aliases[t] ?? t;
  }
  return typeof v;
}

/** Whether a dotted path names an existing field, walking plain sub-documents (as mongod checks a sequence name). */
function hasPath(doc: Document, path: string): boolean {
  let current: unknown = doc;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, part)) return false;
    current = (current as Record<string, unknown>)[part];
  }
  return true;
}

/** Bytes an OP_MSG reply puts before its body: the header, flagBits 0 and the kind-0 section byte. */
export const OP_MSG_REPLY_PREFIX = HEADER_SIZE + 5;

/** The prefix of an OP_MSG reply whose kind-0 body is `bodySize` bytes of BSON (sent right after it). */
export function opMsgReplyPrefix(requestId: number, responseTo: number, bodySize: number, flags = 0): Buffer {
  const out = Buffer.allocUnsafe(OP_MSG_REPLY_PREFIX);
  out.writeInt32LE(OP_MSG_REPLY_PREFIX + bodySize, 0);
  out.writeInt32LE(requestId, 4);
  out.writeInt32LE(responseTo, 8);
  out.writeInt32LE(OpCode.OP_MSG, 12);
  out.writeUInt32LE(flags, HEADER_SIZE);
  out.writeUInt8(0, HEADER_SIZE + 4);
  return out;
}
