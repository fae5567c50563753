import type { Document } from '../bson/types.js';
import type { Chunks } from '../query/pipeline/index.js';
import { BatchBudget } from './array_cursor.js';
import type { CursorBatch, ServerCursor } from './cursor_registry.js';
import type { Operation } from './operation.js';
import type { OperationSlot } from './stream_control.js';

/**
 * A find or aggregate result being paged out: it holds the stream's position, not its results. Each batch pulls
 * chunks until the batch is full (by `batchSize` and by reply bytes); what is left of the last chunk waits for the
 * next getMore. The command running it (the find, then each getMore) lends its operation, so a kill or a time limit
 * stops the pull where it is.
 */
export class StreamCursor implements ServerCursor {
  readonly kind = 'find' as const;
  private readonly iterator: AsyncIterator<Document[]>;
  private chunk: Document[] = [];
  private pos = 0;
  private done = false;
  /** What is left of the originating command's `maxTimeMS` for its getMores, as mongod carries it over. */
  private remainingMS: number | undefined;

  constructor(
    readonly ns: string,
    chunks: Chunks,
    private readonly slot: OperationSlot,
    readonly originatingCommand: string,
    readonly lsid?: Document,
  ) {
    this.iterator = chunks[Symbol.asyncIterator]();
  }

  /** The next batch, pulled under `op`. */
  async batch(batchSize: number, op: Operation): Promise<CursorBatch> {
    this.slot.op = op;
    if (this.remainingMS !== undefined) op.limitTo(this.remainingMS);
    const budget = new BatchBudget(batchSize);
    const docs: Document[] = [];
    try {
      for (;;) {
        if (this.pos >= this.chunk.length) {
          if (this.done || budget.full) break;
          await this.pull();
          continue;
        }
        const doc = this.chunk[this.pos]!;
        if (!budget.take(doc)) break;
        docs.push(doc);
        this.pos++;
      }
      // Look ahead one chunk so a batch that ends with the results closes the cursor (id 0).
      if (this.pos >= this.chunk.length && !this.done) await this.pull();
    } catch (err) {
      await this.close();
      throw err;
    }
    this.remainingMS = op.remainingMS;
    const exhausted = this.done && this.pos >= this.chunk.length;
    if (exhausted) await this.close();
    return { docs, exhausted };
  }

  private async pull(): Promise<void> {
    for (;;) {
      const next = await this.iterator.next();
      if (next.done) {
        this.done = true;
        this.chunk = [];
        this.pos = 0;
        return;
      }
      if (next.value.length > 0) {
        this.chunk = next.value;
        this.pos = 0;
        return;
      }
    }
  }

  async next(batchSize: number, _maxTimeMS: number | undefined, _signal: AbortSignal, op?: Operation): Promise<CursorBatch> {
    return this.batch(batchSize, op ?? this.slot.op);
  }

  /** Ends the stream: its scan stops and anything it spilled is removed. */
  async close(): Promise<void> {
    if (this.done && this.chunk.length === 0) return;
    this.done = true;
    this.chunk = [];
    try {
      await this.iterator.return?.();
    } catch {
      // a stream that failed has nothing left to release
    }
  }
}
