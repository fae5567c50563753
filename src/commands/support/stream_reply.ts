import type { Document } from '../../bson/types.js';
import { ArrayCursor } from '../../engine/array_cursor.js';
import type { OperationSlot } from '../../engine/stream_control.js';
import { StreamCursor } from '../../engine/stream_cursor.js';
import { collectChunks, type Chunks } from '../../query/pipeline/index.js';
import type { CommandContext } from './context.js';
import { cursorReply } from './reply.js';

/**
 * The reply to a find or aggregate: its first batch, pulled from the stream, and a cursor holding the stream's
 * position when more is left. Inside a transaction or a snapshot read the result is read whole at once: the view
 * it reads through ends with the transaction, while the client may page through the cursor after that.
 */
export async function firstBatchReply(
  ctx: CommandContext,
  ns: string,
  chunks: Chunks,
  slot: OperationSlot,
  originatingCommand: 'find' | 'aggregate',
  batchSize: number,
  singleBatch = false,
): Promise<Document> {
  // batchSize 0 opens the cursor and returns nothing yet, as mongod (which has not run the plan at that point).
  const opensOnly = batchSize === 0 && !singleBatch;
  if (ctx.engine !== ctx.server.engine) {
    const cursor = new ArrayCursor(ns, await collectChunks(chunks), originatingCommand, ctx.lsid);
    if (opensOnly) return cursorReply(ns, ctx.engine.cursors.register(cursor), [], 'firstBatch');
    const first = cursor.first(batchSize);
    if (first.exhausted || singleBatch) return cursorReply(ns, 0n, first.docs, 'firstBatch');
    return cursorReply(ns, ctx.engine.cursors.register(cursor), first.docs, 'firstBatch');
  }
  const cursor = new StreamCursor(ns, chunks, slot, originatingCommand, ctx.lsid);
  if (opensOnly) return cursorReply(ns, ctx.engine.cursors.register(cursor), [], 'firstBatch');
  const first = await cursor.batch(batchSize, ctx.op);
  if (first.exhausted || singleBatch) {
    if (!first.exhausted) await cursor.close();
    return cursorReply(ns, 0n, first.docs, 'firstBatch');
  }
  return cursorReply(ns, ctx.engine.cursors.register(cursor), first.docs, 'firstBatch');
}
