import { ClusterClock } from './cluster_clock.js';
import { CommitFedTail, type TailPending } from './commit_fed_tail.js';
import type { AppendedChanges, StorageWriter } from './types.js';

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

/** What one write transaction appended, kept until it commits, with the clock reservation it saved. */
export interface PendingChanges extends TailPending {
  /** The reservation this transaction saved, or 0n. */
  reserved: bigint;
}

/**
 * The change log's clock and tail for the engines whose writes run one at a time (SQLite, memory): times come from
 * an in-process clock inside the write's queue turn, so commit order is time order, and the commit itself feeds the
 * tail, synchronously, inside that turn.
 */
export class InProcessChanges extends CommitFedTail {
  private readonly clock: ClusterClock;
  private reservedThrough: bigint;

  /**
   * `saved` is the stored reservation (0n if none), `newest` the newest stored entry's time (0n if none). The clock
   * starts at the current second at least, so an operationTime is a real time even on an empty log.
   */
  constructor(saved: bigint, newest: bigint) {
    const now = BigInt(Math.floor(Date.now() / 1000)) << 32n;
    let start = saved > newest ? saved : newest;
    if (now > start) start = now;
    super(start);
    this.clock = new ClusterClock(start);
    this.reservedThrough = saved;
  }

  override begin(): PendingChanges {
    return { ...super.begin(), reserved: 0n };
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
    return this.record(pending, rows, local);
  }

  /** See `CommitFedTail.commit`; also keeps the reservation this transaction saved. */
  override commit(pending: PendingChanges): AppendedChanges | null {
    if (pending.reserved > this.reservedThrough) this.reservedThrough = pending.reserved;
    return super.commit(pending);
  }
}
