/** Building reply documents that can always be sent, whatever the handler produced. */
import { ErrorCodes } from '../errors/codes.js';
import { MongoServerError } from '../errors/command_error.js';
import { encodeReplyDocument, type Document } from './bson_codec.js';
import { BSON_INTERNAL_SLACK } from './constants.js';
import { encodeReplyBytes, type ReplyBytes } from './reply_bytes.js';

export type { ReplyBytes };

/** `{ok: 0, errmsg, code: 1, codeName: 'InternalError'}`. */
export function internalErrorReply(errmsg: string): Document {
  return { ok: 0, errmsg, code: ErrorCodes.InternalError, codeName: 'InternalError' };
}

/**
 * BSON for a reply. A reply that cannot be encoded becomes InternalError; one above maxBsonObjectSize + 16 KiB
 * becomes BSONObjectTooLarge (10334), as mongod refuses to build it. Never throws.
 */
export function encodeReply(doc: Document, maxBsonObjectSize: number): ReplyBytes {
  let bytes: ReplyBytes;
  try {
    bytes = encodeReplyBytes(doc);
  } catch (err) {
    return whole(encodeReplyDocument(internalErrorReply(`cannot encode reply: ${err instanceof Error ? err.message : String(err)}`)));
  }
  const limit = maxBsonObjectSize + BSON_INTERNAL_SLACK;
  if (bytes.size <= limit) return bytes;
  return whole(encodeReplyDocument(new MongoServerError(
    ErrorCodes.BSONObjectTooLarge,
    `BSONObj size: ${bytes.size} (0x${bytes.size.toString(16).toUpperCase()}) is invalid. Size must be between 0 and ${limit}(${Math.floor(limit / (1024 * 1024))}MB)`,
  ).toReply()));
}

function whole(bytes: Uint8Array): ReplyBytes {
  return { chunks: [bytes], size: bytes.byteLength };
}

/**
 * The reply for a handler rejection: the object's own `toReply()` when it has one (MongoServerError),
 * else InternalError with the error's message.
 */
export function replyForRejection(err: unknown): Document {
  const toReply = (err as { toReply?: unknown } | null)?.toReply;
  if (typeof toReply === 'function') {
    try {
      const reply: unknown = toReply.call(err);
      if (isReplyDocument(reply)) return reply;
    } catch {
      // fall through to InternalError
    }
  }
  return internalErrorReply(err instanceof Error ? err.message : String(err));
}

export function isReplyDocument(v: unknown): v is Document {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
