import type { Document } from '../../bson/types.js';
import type { BatchOutcome } from '../../engine/write_ops.js';

/**
 * The reply of insert/update/delete: `{n, writeErrors?, retriedStmtIds?}` plus what the caller adds.
 * `retriedStmtIds` lists the statements of a retried write that were answered from the session's record.
 */
export function writeReply(n: number, outcome: BatchOutcome, extra: Document = {}): Document {
  const reply: Document = { n, ...extra };
  if (outcome.writeErrors.length > 0) {
    reply.writeErrors = outcome.writeErrors.map(({ index, code, codeName: _codeName, errmsg, ...rest }) => ({ index, code, errmsg, ...rest }));
  }
  if (outcome.retriedStmtIds.length > 0) reply.retriedStmtIds = outcome.retriedStmtIds;
  return reply;
}
