import type { OplogEntry } from './entry.js';
import type { StreamInterest } from './interest.js';
import { WaiterIndex, type Waiter } from './waiter_index.js';

/** What a parked stream wakes up with (see `OplogHub.waitForEntries`). */
export interface Wakeup {
  entries: OplogEntry[];
  through: bigint;
}

/**
 * Lets the owner of a wait end it early (a killed cursor): the hub sets `wake` while the wait lasts. A plain hook,
 * not an AbortSignal: adding and removing an abort listener on every park cost more than the rest of the park.
 */
export interface Parking {
  wake: (() => void) | null;
}

/** The hub's default cache budget: the summed weight (see `entryWeight`) of the entries it keeps decoded. */
export const DEFAULT_OPLOG_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * The fan-out hub: after each commit the engine hands it the decoded entries it just wrote, once; every open
 * stream reads them from here instead of decoding them again from storage. The cache holds a bounded window of
 * the newest entries; a stream that falls behind the window reads from storage, so a slow consumer costs disk
 * reads, never unbounded memory. Streams waiting for new entries park in an index by what they can report; a
 * commit wakes only the streams it concerns and hands them the entries, so ten thousand parked streams cost a
 * commit a few map lookups, not ten thousand reads.
 */
export class OplogHub {
  private entries: OplogEntry[] = [];
  private weights: number[] = [];
  /** The cache is entries[head..]: dropping the oldest moves `head`, and the arrays are compacted only now and
   * then, so a full cache of a million small entries does not shift them all on every commit. */
  private head = 0;
  private weight = 0;
  /** Every entry with ts > coversAfter is in the cache. */
  private coversAfter: bigint;
  private committed: bigint;
  private readonly index = new WaiterIndex();

  constructor(committedTs: bigint, private readonly budgetBytes = DEFAULT_OPLOG_CACHE_BYTES) {
    this.coversAfter = committedTs;
    this.committed = committedTs;
  }

  /** Highest committed cluster time. */
  get committedTs(): bigint {
    return this.committed;
  }

  /** The cache budget in weight units; the cache holds at most this much (or one entry, if a single one weighs more). */
  get budget(): number {
    return this.budgetBytes;
  }

  /** Summed weight of the cached entries: at most `budget` unless the newest entry alone exceeds it. */
  get cachedBytes(): number {
    return this.weight;
  }

  /** How many decoded entries the cache holds now. */
  get cachedEntries(): number {
    return this.entries.length - this.head;
  }

  /** Called by the engine after a transaction commits, with its entries in ts order. */
  publish(entries: OplogEntry[], weights: number[]): void {
    for (let i = 0; i < entries.length; i++) {
      this.entries.push(entries[i]!);
      this.weights.push(weights[i]!);
      this.weight += weights[i]!;
    }
    if (entries.length > 0) {
      const last = entries[entries.length - 1]!.ts;
      if (last > this.committed) this.committed = last;
    }
    while (this.weight > this.budgetBytes && this.head < this.entries.length - 1) {
      this.weight -= this.weights[this.head]!;
      this.coversAfter = this.entries[this.head]!.ts;
      this.entries[this.head] = undefined as unknown as OplogEntry;
      this.head++;
    }
    if (this.head >= 1024 && this.head * 2 >= this.entries.length) {
      this.entries.splice(0, this.head);
      this.weights.splice(0, this.head);
      this.head = 0;
    }
    if (this.index.size > 0) for (const waiter of this.index.offer(entries)) waiter.finish();
  }

  /**
   * Entries with ts > afterTs, at most `limit`, or null when the cache does not cover that range (read storage).
   */
  readAfter(afterTs: bigint, limit: number): OplogEntry[] | null {
    if (afterTs < this.coversAfter) return null;
    const lo = this.firstAfter(afterTs);
    return this.entries.slice(lo, lo + limit);
  }

  /** How many committed entries have ts > afterTs, or null when the cache does not cover that range. */
  countAfter(afterTs: bigint): number | null {
    if (afterTs < this.coversAfter) return null;
    return this.entries.length - this.firstAfter(afterTs);
  }

  /**
   * The wall time of the newest cached entry at or before `ts` (the newest entry when `ts` is absent), or null
   * when the cache does not hold it. For change-stream statistics, read on demand.
   */
  wallAtOrBefore(ts?: bigint): Date | null {
    const at = (ts === undefined ? this.entries.length : this.firstAfter(ts)) - 1;
    if (at < this.head) return null;
    return this.entries[at]!.wall;
  }

  /** Index of the first cached entry with ts > afterTs (entries.length when none). */
  private firstAfter(afterTs: bigint): number {
    let lo = this.head;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.ts <= afterTs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Parks a stream until an entry it may report is committed after `afterTs`, the deadline passes, or its owner
   * calls `parking.wake`. Only entries the interest's index keys select are offered to `interest.accepts`, so a commit wakes
   * the streams it concerns and no others. Returns null when entries were already committed after `afterTs` (the
   * caller reads them itself); otherwise the accepted entries, in order, and `through`: every entry up to that
   * time was offered, so the stream may move its position there without reading them. A stream whose position is
   * ahead of what the hub has seen (it resumed from a token another server gave) is offered only entries after
   * its position, and `through` is never below that position.
   */
  waitForEntries(afterTs: bigint, interest: StreamInterest, timeoutMs: number, parking?: Parking): Promise<Wakeup | null> {
    if (this.committed > afterTs) return Promise.resolve(null);
    if (timeoutMs <= 0) return Promise.resolve({ entries: [], through: this.committed > afterTs ? this.committed : afterTs });
    return new Promise((resolve) => {
      const end = (wakeup: Wakeup | null) => {
        clearTimeout(timer);
        if (parking) parking.wake = null;
        this.index.remove(waiter);
        resolve(wakeup);
      };
      const waiter: Waiter = {
        interest,
        after: afterTs,
        entries: [],
        finish: () => end({ entries: waiter.entries, through: this.committed > afterTs ? this.committed : afterTs }),
        reread: () => end(null),
      };
      const timer = setTimeout(waiter.finish, timeoutMs);
      if (parking) parking.wake = waiter.finish;
      this.index.add(waiter);
    });
  }

  /**
   * Forgets the cache and covers only what comes after `after` from now on: entries up to it may have been removed
   * before this process received them (see ChangeBatch.truncatedThrough). A stream parked behind it is woken to read
   * for itself, from storage, which tells it whether its history is gone.
   */
  reset(after: bigint): void {
    this.entries = [];
    this.weights = [];
    this.head = 0;
    this.weight = 0;
    if (after > this.coversAfter) this.coversAfter = after;
    if (this.committed < after) this.committed = after;
    for (const waiter of this.index.all()) if (waiter.after < after) waiter.reread();
  }

  /** Wakes every waiter (on shutdown, so they can observe it). */
  wakeAll(): void {
    for (const waiter of this.index.all()) waiter.finish();
  }

  /** Streams parked in `waitForEntries` right now (each leaves the index when it resolves). */
  get waiterCount(): number {
    return this.index.size;
  }
}
