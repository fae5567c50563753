import { serializeAnySize } from '../bson/index.js';
/**
 * The wire layer's only contact with the `bson` package: decode a command document exactly as the command
 * layer expects it (numeric wrappers kept, UTF-8 validated) and encode a reply.
 */
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
    return BSON.deserialize(buf.subarray(offset, offset + size), { promoteValues: false, validation: { utf8: true } });
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
