import type { Document } from '../../bson/types.js';
import type { OperationSlot } from '../../engine/stream_control.js';
import { StreamCursor, type CursorEndRule } from '../../engine/stream_cursor.js';
import { collectChunkList, replayChunks, type Chunks } from '../../query/pipeline/index.js';
import type { CommandContext } from './context.js';
import { cursorReply } from './reply.js';

/**
 * The reply to a find or aggregate: its first batch, pulled from the stream, and a cursor holding the stream's
 * position when more may be left (`endRule` says when a batch that ends on the last result closes it). Inside a
 * transaction or a snapshot read the result is read whole at once and then paged out the same way: the view it reads
 * through ends with the transaction, while the client may page through the cursor after that.
 */
export async function firstBatchReply(
  ctx: CommandContext,
  ns: string,
  chunks: Chunks,
  slot: OperationSlot,
  originatingCommand: 'find' | 'aggregate',
  batchSize: number,
  endRule: CursorEndRule,
  singleBatch = false,
): Promise<Document> {
  const source = ctx.engine !== ctx.server.engine ? replayChunks(await collectChunkList(chunks)) : chunks;
  const cursor = new StreamCursor(ns, source, slot, originatingCommand, endRule, ctx.lsid);
  // batchSize 0 opens the cursor and returns nothing yet, as mongod (which has not run the plan at that point).
  if (batchSize === 0 && !singleBatch) {
    cursor.openedEmpty();
    return cursorReply(ns, ctx.engine.cursors.register(cursor), [], 'firstBatch');
  }
  const first = await cursor.batch(batchSize, ctx.op);
  if (first.exhausted || singleBatch) {
    if (!first.exhausted) await cursor.close();
    return cursorReply(ns, 0n, first.docs, 'firstBatch');
  }
  return cursorReply(ns, ctx.engine.cursors.register(cursor), first.docs, 'firstBatch');
}
