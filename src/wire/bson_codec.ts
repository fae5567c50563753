import { serializeAnySize } from '../bson/index.js';
/**
 * The wire layer's only contact with the `bson` package: decode a command document exactly as the command
 * layer expects it (numeric wrappers kept, UTF-8 validated) and encode a reply.
 */
import { isUtf8 } from 'node:buffer';
import { BSON, type Document } from 'bson';
import { ErrorCodes } from '../errors/codes.js';
import { MongoServerError } from '../errors/command_error.js';
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
export function decodeDocument(buf: Buffer, offset: number, size: number, maxBsonObjectSize: number): Document {
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

/** Encodes a reply document. Throws whatever the serializer throws (the caller turns it into an error reply). */
export function encodeDocument(doc: Document): Buffer {
  const bytes = serializeAnySize(doc);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Fixed value sizes by BSON element type (the rest are length-prefixed or cstrings, handled below). */
const FIXED_SIZE: Record<number, number> = { 0x01: 8, 0x06: 0, 0x07: 12, 0x08: 1, 0x09: 8, 0x0a: 0, 0x10: 4, 0x11: 8, 0x12: 8, 0x13: 16, 0xff: 0, 0x7f: 0 };

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
    const fixed = FIXED_SIZE[type];
    if (fixed !== undefined) pos += fixed;
    else if (type === 0x03 || type === 0x04) pos = checkCStrings(bytes, pos);
    else if (type === 0x02 || type === 0x0d || type === 0x0e) pos += 4 + bytes.readInt32LE(pos);
    else if (type === 0x05) pos += 5 + bytes.readInt32LE(pos);
    else if (type === 0x0b) pos = checkCString(bytes, checkCString(bytes, pos, 'regex'), 'regex');
    else if (type === 0x0c) pos += 4 + bytes.readInt32LE(pos) + 12;
    else if (type === 0x0f) pos += bytes.readInt32LE(pos);
    else throw new Error(`unknown BSON element type 0x${type.toString(16)}`);
  }
  return docEnd;
}

function checkCString(bytes: Buffer, start: number, what: string): number {
  const end = bytes.indexOf(0, start);
  if (end < 0) throw new Error(`unterminated ${what}`);
  if (!isUtf8(bytes.subarray(start, end))) throw new Error(`Invalid UTF-8 in a ${what}`);
  return end + 1;
}
