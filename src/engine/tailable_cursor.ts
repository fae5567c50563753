import type { Document } from '../bson/types.js';
import { mongoError } from '../errors/index.js';
import type { Parking } from '../oplog/hub.js';
import type { StreamInterest } from '../oplog/interest.js';
import { BatchBudget } from './array_cursor.js';
import type { CursorBatch, ServerCursor } from './cursor_registry.js';
import type { Engine } from './engine.js';
import type { Operation } from './operation.js';

/** How long an awaitData getMore waits for new documents when it sets no `maxTimeMS`, as mongod. */
export const DEFAULT_AWAIT_DATA_MS = 1000;

/** Documents a tailable cursor reads from its source per storage read. */
const TAIL_READ_CHUNK = 256;

/**
 * What a tailable cursor reads: a capped collection in natural order, or the oplog. It keeps its own position (the
 * last document it handed out, matching or not), and `next` reads on from there.
 */
export interface TailSource {
  /** Up to `limit` documents after the position, oldest first; CappedPositionLost (136) when the position was deleted. */
  next(limit: number): Promise<Document[]>;
  /** Whether the source has handed out any document yet (a cursor over an empty collection is not kept). */
  readonly started: boolean;
  /** The commits that may bring new documents, for an awaitData cursor to wait on. */
  readonly interest: StreamInterest;
}

export interface TailableOptions {
  awaitData: boolean;
  /** The filter, as a test on each document the source hands out. */
  matches: (doc: Document) => boolean;
  project?: (doc: Document) => Document;
  skip?: number;
  /** 0 or absent: no limit. */
  limit?: number;
  lsid?: Document;
}

/**
 * A tailable cursor (find with `tailable`): it stays open at the end of its capped collection, and each getMore
 * returns what was inserted since, in insertion order. An `awaitData` getMore that finds nothing parks in the oplog
 * hub, as a change stream does, until a commit that may concern it (or its `maxTimeMS`, one second by default), then
 * reads again; a plain tailable getMore answers at once.
 */
export class TailableCursor implements ServerCursor {
  readonly kind = 'find' as const;
  readonly originatingCommand = 'find';
  readonly lsid: Document | undefined;
  private skipLeft: number;
  private returned = 0;
  /** Matching documents read past the end of a batch: they lead the next one. */
  private pending: Document[] = [];
  private closed = false;
  private readonly parking: Parking = { wake: null };

  constructor(
    private readonly engine: Engine,
    readonly ns: string,
    private readonly source: TailSource,
    private readonly options: TailableOptions,
  ) {
    this.lsid = options.lsid;
    this.skipLeft = options.skip ?? 0;
  }

  get awaitData(): boolean {
    return this.options.awaitData;
  }

  /** The find's batch: what is there now, without waiting. Exhausted when the collection is empty, as mongod. */
  async first(batchSize: number, op: Operation): Promise<CursorBatch> {
    const docs = await this.fill(new BatchBudget(batchSize), batchSize, op);
    const exhausted = !this.source.started || this.limitReached;
    if (exhausted) this.close();
    return { docs, exhausted };
  }

  async next(batchSize: number, maxTimeMS: number | undefined, signal: AbortSignal, op?: Operation): Promise<CursorBatch> {
    if (!op) throw new Error('a tailable getMore runs under its operation');
    op.interruptWait = () => this.parking.wake?.();
    try {
      const budget = new BatchBudget(batchSize);
      const deadline = Date.now() + (this.options.awaitData ? (maxTimeMS ?? DEFAULT_AWAIT_DATA_MS) : 0);
      for (;;) {
        if (signal.aborted) throw mongoError('CursorKilled', 'cursor killed while waiting for data');
        // Taken before reading: a commit after it ends the wait below at once, so nothing slips between the two.
        const committedBefore = this.engine.committedTs;
        const docs = await this.fill(budget, batchSize, op);
        const remaining = deadline - Date.now();
        if (docs.length > 0 || this.limitReached || remaining <= 0) {
          if (this.limitReached) this.close();
          return { docs, exhausted: this.limitReached };
        }
        op.check();
        await this.engine.hub.waitForEntries(committedBefore, this.source.interest, remaining, this.parking);
        if (signal.aborted) throw mongoError('CursorKilled', 'cursor killed while waiting for data');
        op.check();
        if (this.engine.isClosed) throw mongoError('InterruptedAtShutdown', 'interrupted at shutdown');
      }
    } finally {
      op.interruptWait = null;
    }
  }

  /** Ends the cursor; a getMore parked on it wakes (and answers CursorKilled when the registry killed it). */
  close(): void {
    this.closed = true;
    this.pending = [];
    this.parking.wake?.();
  }

  private get limitReached(): boolean {
    const limit = this.options.limit ?? 0;
    return limit > 0 && this.returned >= limit;
  }

  /**
   * Reads on from the source until the batch is full or the source has nothing more for now. Documents read past a
   * full batch wait in `pending` for the next one.
   */
  private async fill(budget: BatchBudget, batchSize: number, op: Operation): Promise<Document[]> {
    const out: Document[] = [];
    if (this.closed) return out;
    const limit = this.options.limit ?? 0;
    for (;;) {
      while (this.pending.length > 0) {
        if (limit > 0 && this.returned >= limit) return out;
        if (!budget.take(this.pending[0]!)) return out;
        out.push(this.pending.shift()!);
        this.returned++;
      }
      if (budget.full || (limit > 0 && this.returned >= limit)) return out;
      // No further than the batch can take when every document matches: the position then stays on the last document
      // returned, where mongod's stays, so the capping deleting what was not returned yet is CappedPositionLost too.
      const want = batchSize > 0 ? Math.min(TAIL_READ_CHUNK, batchSize - out.length + this.skipLeft) : TAIL_READ_CHUNK;
      const docs = await this.source.next(want);
      for (const doc of docs) {
        if (!this.options.matches(doc)) continue;
        if (this.skipLeft > 0) {
          this.skipLeft--;
          continue;
        }
        this.pending.push(this.options.project ? this.options.project(doc) : doc);
      }
      if (docs.length < want && this.pending.length === 0) return out;
      await op.yieldIfDue();
    }
  }
}
