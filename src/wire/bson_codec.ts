import { serializeAnySize } from '../bson/index.js';
/**
 * The wire layer's only contact with the `bson` package: decode a command document exactly as the command
 * layer expects it (numeric wrappers kept, UTF-8 validated) and encode a reply.
 */
import { isUtf8 } from 'node:buffer';
import { BSON, type Document } from '../bson/index.js';
import { ErrorCodes } from '../errors/codes.js';
import { MongoServerError } from '../errors/command_error.js';
import { valueEnd } from './bson_walk.js';
import { BSON_INTERNAL_SLACK } from './constants.js';

export type { Document };

/**
 * Reads the int32 size of the BSON document at `offset` and checks that it fits inside `[offset, end)`.
 * Throws InvalidBSON (22) when it does not, as mongod's validated read of a BSONObj does.
 */
export function documentSizeAt(buf: Buffer, offset: number, end: number): number {
  if (end - offset < 5) {
    throw new MongoServerError(ErrorCodes.InvalidBSON, `Invalid BSON: ${end - offset} bytes left, a document needs at least 5`);
  }
  const size = buf.readInt32LE(offset);
  if (size < 5 || size > end - offset) {
    throw new MongoServerError(ErrorCodes.InvalidBSON, `Invalid BSON: document size ${size} does not fit the ${end - offset} bytes left in the message`);
  }
  return size;
}

/**
 * Decodes the document at `buf[offset, offset+size)`. Documents above `maxBsonObjectSize` + 16 KiB are
 * BSONObjectTooLarge (10334); malformed bytes are InvalidBSON (22).
 */
export function decodeRequestDocument(buf: Buffer, offset: number, size: number, maxBsonObjectSize: number): Document {
  const limit = maxBsonObjectSize + BSON_INTERNAL_SLACK;
  if (size > limit) {
    throw new MongoServerError(
      ErrorCodes.BSONObjectTooLarge,
      `BSONObj size: ${size} (0x${size.toString(16).toUpperCase()}) is invalid. Size must be between 0 and ${limit}(${Math.floor(limit / (1024 * 1024))}MB)`,
    );
  }
  try {
    const bytes = buf.subarray(offset, offset + size);
    const doc = BSON.deserialize(bytes, { promoteValues: false, validation: { utf8: true } });
    // The decoder validates string values only; field names (and regex cstrings) must be UTF-8 too.
    checkCStrings(bytes, 0);
    return doc;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new MongoServerError(ErrorCodes.InvalidBSON, `Invalid BSON: ${message}`, { cause: err });
  }
}

/**
 * Encodes a reply document (undefined fields left out). Throws whatever the serializer throws (the caller turns
 * it into an error reply).
 */
export function encodeReplyDocument(doc: Document): Buffer {
  let bytes = serializeAnySize(doc);
  // The bson serializer writes into a 17 MiB scratch buffer and, past its end, drops bytes without an error; so does
  // serializeAnySize when its first attempt does not throw. A result that reaches that size is checked and redone.
  if (bytes.byteLength >= SCRATCH_BYTES) {
    const size = BSON.calculateObjectSize(doc, { ignoreUndefined: true });
    if (size !== bytes.byteLength) {
      BSON.setInternalBufferSize(size + 1024);
      try {
        bytes = BSON.serialize(doc, { ignoreUndefined: true });
      } finally {
        BSON.setInternalBufferSize(SCRATCH_BYTES);
      }
    }
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The bson package's default scratch buffer (17 MiB). */
const SCRATCH_BYTES = 17 * 1024 * 1024;

/**
 * Walks an already-decoded (so structurally valid) BSON document and throws when a field name or a regex's
 * pattern or options are not valid UTF-8. Returns the offset just past the document.
 */
function checkCStrings(bytes: Buffer, start: number): number {
  const docEnd = start + bytes.readInt32LE(start);
  let pos = start + 4;
  while (pos < docEnd - 1) {
    const type = bytes[pos]!;
    pos = checkCString(bytes, pos + 1, 'field name');
    if (type === 0x03 || type === 0x04) pos = checkCStrings(bytes, pos);
    else if (type === 0x0b) pos = checkCString(bytes, checkCString(bytes, pos, 'regex'), 'regex');
    else pos = valueEnd(bytes, pos, type);
  }
  return docEnd;
}

function checkCString(bytes: Buffer, start: number, what: string): number {
  // Field names are nearly always ASCII, which is valid UTF-8: scan for the terminator and hand anything else to isUtf8.
  let pos = start;
  let ascii = true;
  for (; pos < bytes.length; pos++) {
    const b = bytes[pos]!;
    if (b === 0) break;
    if (b >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    if (pos >= bytes.length) throw new Error(`unterminated ${what}`);
    return pos + 1;
  }
  const end = bytes.indexOf(0, pos);
  if (end < 0) throw new Error(`unterminated ${what}`);
  if (!isUtf8(bytes.subarray(start, end))) throw new Error(`Invalid UTF-8 in a ${what}`);
  return end + 1;
}
