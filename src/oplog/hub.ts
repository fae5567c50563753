import type { OplogEntry } from './entry.js';

/** The hub's default cache budget: the summed weight (see `entryWeight`) of the entries it keeps decoded. */
export const DEFAULT_OPLOG_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * The fan-out hub: after each commit the engine hands it the decoded entries it just wrote, once; every open
 * stream reads them from here instead of decoding them again from storage. The cache holds a bounded window of
 * the newest entries; a stream that falls behind the window reads from storage, so a slow consumer costs disk
 * reads, never unbounded memory. Streams waiting for new entries park on `waitForCommit`, which holds no lock.
 */
export class OplogHub {
  private entries: OplogEntry[] = [];
  private weights: number[] = [];
  private weight = 0;
  /** Every entry with ts > coversAfter is in the cache. */
  private coversAfter: bigint;
  private committed: bigint;
  private waiters = new Set<() => void>();

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
    return this.entries.length;
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
    let drop = 0;
    while (this.weight > this.budgetBytes && drop < this.entries.length - 1) {
      this.weight -= this.weights[drop]!;
      this.coversAfter = this.entries[drop]!.ts;
      drop++;
    }
    if (drop > 0) {
      this.entries.splice(0, drop);
      this.weights.splice(0, drop);
    }
    this.wakeAll();
  }

  /** Forgets cached entries (after oplog truncation or a DDL that must be re-read); streams fall back to storage. */
  reset(committedTs: bigint): void {
    this.entries = [];
    this.weights = [];
    this.weight = 0;
    this.coversAfter = committedTs;
    if (committedTs > this.committed) this.committed = committedTs;
  }

  /**
   * Entries with ts > afterTs, at most `limit`, or null when the cache does not cover that range (read storage).
   */
  readAfter(afterTs: bigint, limit: number): OplogEntry[] | null {
    if (afterTs < this.coversAfter) return null;
    // Binary search for the first entry with ts > afterTs.
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.ts <= afterTs) lo = mid + 1;
      else hi = mid;
    }
    return this.entries.slice(lo, lo + limit);
  }

  /**
   * Resolves when an entry newer than `afterTs` is committed, the deadline passes, or `signal` aborts.
   * Returns true when there is something new.
   */
  waitForCommit(afterTs: bigint, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.committed > afterTs) return Promise.resolve(true);
    if (timeoutMs <= 0 || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (value: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      };
      const check = () => {
        if (this.committed > afterTs) finish(true);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.waiters.add(check);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Wakes every waiter (on shutdown, so they can observe it). */
  wakeAll(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Streams parked in `waitForCommit` right now (each removes itself when it resolves). */
  get waiterCount(): number {
    return this.waiters.size;
  }
}
