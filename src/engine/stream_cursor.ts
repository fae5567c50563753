import type { Document } from '../bson/types.js';
import { isLastChunk, type Chunks } from '../query/pipeline/index.js';
import { BatchBudget } from './array_cursor.js';
import type { CursorBatch, ServerCursor } from './cursor_registry.js';
import type { Operation } from './operation.js';
import type { OperationSlot } from './stream_control.js';

/**
 * Whether a batch that ends on a stream's last result closes the cursor when the stream knows it is the last (its
 * chunk is marked last: a `limit` reached, a top-k sort drained). mongod never reads ahead to find out: a cursor
 * closes when its plan ran into its end while the batch was being filled, or when the plan says it is at EOF without
 * reading further. find asks the plan after every batch; an aggregate's first batch closes only on an end it ran
 * into, and its getMores ask the plan only when the whole pipeline was absorbed into the query layer (mongod then
 * pages through the find plan itself), else the pipeline, which knows its end only once it has met it.
 */
export interface CursorEndRule {
  readonly firstBatch: boolean;
  readonly getMore: boolean;
}

export const FIND_CURSOR_END: CursorEndRule = { firstBatch: true, getMore: true };

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
  private batches = 0;

  constructor(
    readonly ns: string,
    chunks: Chunks,
    private readonly slot: OperationSlot,
    readonly originatingCommand: string,
    private readonly endRule: CursorEndRule,
    readonly lsid?: Document,
  ) {
    this.iterator = chunks[Symbol.asyncIterator]();
  }

  /** Records an empty first batch (batchSize 0), so that the next batch is a getMore's. */
  openedEmpty(): void {
    this.batches++;
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
    } catch (err) {
      await this.close();
      throw err;
    }
    this.remainingMS = op.remainingMS;
    const knownEnd = this.batches === 0 ? this.endRule.firstBatch : this.endRule.getMore;
    this.batches++;
    const atEnd = this.pos >= this.chunk.length;
    const exhausted = atEnd && (this.done || (knownEnd && isLastChunk(this.chunk)));
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
