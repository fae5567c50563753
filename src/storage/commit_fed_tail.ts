import type { AppendedChanges, ChangeBatch, ChangeTail, StoredOplogEntry } from './types.js';

/** What one write transaction appended, kept until it commits. */
export interface TailPending {
  changes: AppendedChanges | null;
  rows: StoredOplogEntry[];
  local: unknown;
  /** See ChangeBatch.truncatedThrough. */
  truncatedThrough?: bigint;
}

/** How the tail reads committed entries it has not delivered (a `from()` that starts behind `through`). */
export type ReadCommitted = (after: bigint, limit: number) => Promise<StoredOplogEntry[]>;

const CATCH_UP_ENTRIES = 1000;

/**
 * The tail of a storage whose own commits are the only ones (one process writes the store): each commit feeds it,
 * synchronously, inside the commit's queue turn, so listeners see commits in commit order and before the writer's
 * next one. The engines differ in where times come from (an in-process clock for SQLite and memory, the database's
 * sequence for PostgreSQL); they record what a transaction appended here and call `commit` right after COMMIT.
 */
export class CommitFedTail implements ChangeTail {
  private committed: bigint;
  private readonly listeners = new Set<(batch: ChangeBatch) => void>();
  private readonly reaching = new Set<() => void>();
  /** Set by the storage once it can read: see `from()`. */
  readCommitted: ReadCommitted | null = null;

  /** `start`: the time through which everything committed before this process opened the store. */
  constructor(start: bigint) {
    this.committed = start;
  }

  /** The highest time committed (or the start), as far as this process knows. */
  get through(): bigint {
    return this.committed;
  }

  begin(): TailPending {
    return { changes: null, rows: [], local: undefined };
  }

  /** Notes the entries a transaction appended (`rows`, non-empty, with consecutive times); returns their times. */
  record(pending: TailPending, rows: StoredOplogEntry[], local: unknown): AppendedChanges {
    const first = rows[0]!.ts;
    const last = rows[rows.length - 1]!.ts;
    for (const row of rows) pending.rows.push(row);
    pending.changes = { first: pending.changes?.first ?? first, last };
    // Several appends in one transaction: the tail batch is one, and a local value of its own would not describe it.
    pending.local = pending.rows.length === rows.length ? local : undefined;
    return { first, last };
  }

  /**
   * Called inside the queue turn, right after COMMIT: moves `through` and hands the batch to every listener before
   * the queue starts other work. Returns what the transaction appended.
   */
  commit(pending: TailPending): AppendedChanges | null {
    const changes = pending.changes;
    if (!changes) return null;
    if (changes.last > this.committed) this.committed = changes.last;
    const batch: ChangeBatch = { entries: pending.rows, through: this.committed, local: pending.local };
    if (pending.truncatedThrough !== undefined) batch.truncatedThrough = pending.truncatedThrough;
    for (const listener of this.listeners) listener(batch);
    for (const wake of this.reaching) wake();
    return changes;
  }

  listen(listener: (batch: ChangeBatch) => void): () => void {
    // A wrapper, so the same function may listen twice and each stop ends only its own calls.
    const call = (batch: ChangeBatch) => listener(batch);
    this.listeners.add(call);
    return () => this.listeners.delete(call);
  }

  /** Nothing to read: every commit of this storage feeds the tail as it happens. */
  kick(): void {}

  reach(ts: bigint, deadlineMs: number): Promise<void> {
    if (ts <= this.committed) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        this.reaching.delete(check);
        clearTimeout(timer);
      };
      const check = () => {
        if (ts > this.committed) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new RangeError(`the change log did not reach ${ts} by the deadline`));
      }, Math.max(0, deadlineMs - Date.now()));
      this.reaching.add(check);
    });
  }

  async *from(after: bigint): AsyncIterable<ChangeBatch> {
    const arrived: ChangeBatch[] = [];
    let wake: (() => void) | null = null;
    const stop = this.listen((batch) => {
      arrived.push(batch);
      wake?.();
    });
    try {
      let position = after;
      // Listening first, then reading what committed before: a batch that commits meanwhile is in both, and the
      // position drops its repeat.
      while (this.readCommitted && position < this.committed) {
        const rows = await this.readCommitted(position, CATCH_UP_ENTRIES);
        if (rows.length === 0) break;
        position = rows[rows.length - 1]!.ts;
        yield { entries: rows, through: position };
      }
      for (;;) {
        while (arrived.length > 0) {
          const batch = arrived.shift()!;
          const entries = batch.entries.filter((row) => row.ts > position);
          if (entries.length === 0) continue;
          position = entries[entries.length - 1]!.ts;
          yield entries.length === batch.entries.length ? batch : { entries, through: batch.through };
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    } finally {
      stop();
    }
  }
}
