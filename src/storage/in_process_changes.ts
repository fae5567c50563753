import { ClusterClock } from './cluster_clock.js';
import type { AppendedChanges, ChangeBatch, ChangeTail, StorageWriter, StoredOplogEntry } from './types.js';

/** The meta row holding the clock's reservation. */
export const CLOCK_KEY = 'clusterTime';

/**
 * The clock is saved as a reservation rather than after every entry: the end of the second of the newest entry
 * (`(seconds + 1) << 32`), written in the transaction of the first entry that passes the previous reservation. The
 * saved value is then never behind a committed entry (so a restart resumes above every time ever issued, and the
 * startup check's invariant holds) while a steady writer pays for the extra row, and its WAL page, once a second
 * instead of once a write.
 */
function clockReservation(ts: bigint): bigint {
  return ((ts >> 32n) + 1n) << 32n;
}

/**
 * The saved reservation as a time, or 0n when there is none or the row holds other text (a store written through
 * the storage interface alone may use the key for anything; the startup check ignores such text too).
 */
export function savedClock(text: string | null | undefined): bigint {
  if (typeof text !== 'string' || !/^\d{1,20}$/.test(text)) return 0n;
  const ts = BigInt(text);
  return ts < 1n << 64n ? ts : 0n;
}

/** What one write transaction appended, kept until it commits. */
export interface PendingChanges {
  changes: AppendedChanges | null;
  rows: StoredOplogEntry[];
  local: unknown;
  /** The reservation this transaction saved, or 0n. */
  reserved: bigint;
}

/** How the tail reads committed entries it has not delivered (a `from()` that starts behind `through`). */
export type ReadCommitted = (after: bigint, limit: number) => Promise<StoredOplogEntry[]>;

const CATCH_UP_ENTRIES = 1000;

/**
 * The change log's clock and tail for the engines whose writes run one at a time (SQLite, memory): times come from
 * an in-process clock inside the write's queue turn, so commit order is time order, and the commit itself feeds the
 * tail, synchronously, inside that turn.
 */
export class InProcessChanges implements ChangeTail {
  private readonly clock: ClusterClock;
  private reservedThrough: bigint;
  private committed: bigint;
  private readonly listeners = new Set<(batch: ChangeBatch) => void>();
  private readonly reaching = new Set<() => void>();
  /** Set by the storage once it can read: see `from()`. */
  readCommitted: ReadCommitted | null = null;

  /**
   * `saved` is the stored reservation (0n if none), `newest` the newest stored entry's time (0n if none). The clock
   * starts at the current second at least, so an operationTime is a real time even on an empty log.
   */
  constructor(saved: bigint, newest: bigint) {
    const now = BigInt(Math.floor(Date.now() / 1000)) << 32n;
    let start = saved > newest ? saved : newest;
    if (now > start) start = now;
    this.clock = new ClusterClock(start);
    this.reservedThrough = saved;
    this.committed = start;
  }

  /** The highest time committed (or the start), as far as this process knows. */
  get through(): bigint {
    return this.committed;
  }

  begin(): PendingChanges {
    return { changes: null, rows: [], local: undefined, reserved: 0n };
  }

  /** After entries were planted with their own times (`appendOplog`): the next time given out is above them. */
  planted(last: bigint): void {
    this.clock.advanceTo(last);
  }

  /** Stamps `entries` with consecutive times and appends them in `writer`'s transaction; see `appendChanges`. */
  async append(writer: StorageWriter, pending: PendingChanges, entries: Uint8Array[], local: unknown): Promise<AppendedChanges | null> {
    if (entries.length === 0) return null;
    const first = this.clock.tick();
    const last = first + BigInt(entries.length - 1);
    this.clock.advanceTo(last);
    const rows = new Array<{ ts: bigint; entry: Uint8Array }>(entries.length);
    for (let i = 0; i < entries.length; i++) rows[i] = { ts: first + BigInt(i), entry: entries[i]! };
    await writer.appendOplog({ entries: rows });
    const reservedThrough = pending.reserved > this.reservedThrough ? pending.reserved : this.reservedThrough;
    if (last > reservedThrough) {
      pending.reserved = clockReservation(last);
      await writer.setMeta({ key: CLOCK_KEY, value: pending.reserved.toString() });
    }
    pending.changes = { first: pending.changes?.first ?? first, last };
    for (const row of rows) pending.rows.push(row);
    // Several appends in one transaction: the tail batch is one, and a local value of its own would not describe it.
    pending.local = pending.rows.length === rows.length ? local : undefined;
    return { first, last };
  }

  /**
   * Called inside the queue turn, right after COMMIT: moves `through` and hands the batch to every listener before
   * the queue starts other work. Returns what the transaction appended.
   */
  commit(pending: PendingChanges): AppendedChanges | null {
    if (pending.reserved > this.reservedThrough) this.reservedThrough = pending.reserved;
    const changes = pending.changes;
    if (!changes) return null;
    if (changes.last > this.committed) this.committed = changes.last;
    const batch: ChangeBatch = { entries: pending.rows, through: this.committed, local: pending.local };
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
