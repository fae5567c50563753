/**
 * MongoDB's size limits (https://www.mongodb.com/docs/manual/reference/limits/), in one place: the engine enforces
 * them, the wire layer frames by them and the handshake announces them, and drivers split their batches by what it
 * announces, so the three must never disagree.
 */

/** The largest document (BSONObjMaxUserSize): 16 MiB. */
export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;

/** The largest wire message (MaxMessageSizeBytes). */
export const MAX_MESSAGE_SIZE_BYTES = 48_000_000;

/** The most statements one write command may carry (write_ops::kMaxWriteBatchSize). */
export const MAX_WRITE_BATCH_SIZE = 100_000;
