import type { Document } from '../../bson/types.js';
import type { WriteError } from '../../engine/write_ops.js';

/** The reply of insert/update/delete: `{n, writeErrors?}` plus what the caller adds. */
export function writeReply(n: number, writeErrors: WriteError[], extra: Document = {}): Document {
  const reply: Document = { n, ...extra };
  if (writeErrors.length > 0) {
    reply.writeErrors = writeErrors.map(({ index, code, codeName: _codeName, errmsg, ...rest }) => ({ index, code, errmsg, ...rest }));
  }
  return reply;
}
