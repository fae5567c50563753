import type { Storage } from '../storage/types.js';
import { OPLOG_TRUNCATED_KEY } from '../storage/contract.js';

/** Meta key under which the newest removed oplog time is stored, so the cut survives restarts. */
export const TRUNCATED_KEY = OPLOG_TRUNCATED_KEY;

/** Entries removed per storage transaction by default: small enough that a writer queued behind one waits little. */
export const DEFAULT_TRIM_BATCH_ENTRIES = 256;

/** What bounds the oplog (mongod's --oplogSizeMB and --oplogMinRetentionHours). */
export interface OplogRetention {
  /** Retention in bytes; unlimited when undefined. */
  sizeBytes: number | undefined;
  /** Entries whose cluster time is newer than now minus this many hours are never removed; 0 or undefined: none. */
  minRetentionHours: number | undefined;
  /** At most this many entries are removed per storage transaction. */
  batchEntries: number;
  /** Milliseconds since the epoch (injectable for tests). */
  now: () => number;
}

/** The packed cluster time at the start of the second `ms` falls in. */
function secondsTs(ms: number): bigint {
  return BigInt(Math.floor(ms / 1000)) << 32n;
}

/**
 * Keeps the oplog within its size limit in the background. After a write that leaves the oplog over the limit,
 * `schedule()` starts one trim task (never two at once) that removes the oldest entries, a batch per storage
 * transaction, each queued behind the work already waiting, down to 90% of the limit so that it does not run on
 * every write. Writers and streams queue between batches, and no write waits for a trim.
 *
 * Entries newer than the minimum retention window (by their cluster-time seconds, which follow the wall clock and
 * never go back) are kept whatever the size. `truncatedThrough` and the byte count change once a batch committed;
 * a reader that must not miss a cut (a stream's storage read) reads the saved bound in its own read instead, so it
 * sees the cut and the bound together.
 */
export class OplogTrimmer {
  private task: Promise<void> | null = null;
  private stopped = false;
  /** The oldest entry the retention window held back at the last batch; no trim runs until the window passes it. */
  private heldAt: bigint | null = null;

  constructor(
    private readonly storage: Storage,
    private readonly retention: OplogRetention,
    private bytes: number,
    private cut: bigint,
  ) {}

  /** Total bytes of retained entries, as of the last commit. */
  get sizeBytes(): number {
    return this.bytes;
  }

  /** Entries at or before this time may have been removed. */
  get truncatedThrough(): bigint {
    return this.cut;
  }

  /** Counts entries a write committed; call as the storage's tail delivers them. */
  added(bytes: number): void {
    this.bytes += bytes;
  }

  /** Starts a background trim when the oplog is over its limit and none is running. Never throws, never waits. */
  schedule(): void {
    if (this.task !== null || !this.wanted(this.retention.sizeBytes)) return;
    this.task = this.run();
  }

  /** Resolves once no trim is running (immediately when none is). */
  async settled(): Promise<void> {
    while (this.task !== null) await this.task;
  }

  /** Lets a running trim finish its current batch, then stops it; no trim starts afterwards. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.settled();
  }

  /** True when the oplog holds more than `bound` bytes and the retention window does not hold the oldest entry. */
  private wanted(bound: number | undefined): boolean {
    if (this.stopped || bound === undefined || this.bytes <= bound) return false;
    return this.heldAt === null || this.retainFrom() > this.heldAt;
  }

  /** Entries with a time below this one are old enough to remove. */
  private retainFrom(): bigint {
    const hours = this.retention.minRetentionHours;
    if (!hours || hours <= 0) return 1n << 64n;
    return secondsTs(this.retention.now() - hours * 3_600_000);
  }

  private async run(): Promise<void> {
    const limit = this.retention.sizeBytes!;
    const target = Math.floor(limit * 0.9);
    try {
      // Where several servers share the store, one of them trims: the others count entries and leave it to it.
      if (this.storage.lead && !(await this.storage.lead('oplogTrimmer'))) {
        this.task = null;
        return;
      }
      do {
        // Only a microtask, not a timer: the write that scheduled us has already replied, and the storage queue is
        // FIFO, so work queued meanwhile goes before each batch. A timer would starve the trim under an embedded
        // client's write loop, which never leaves the microtask queue.
        await Promise.resolve();
        if (this.stopped) break;
        if (!(await this.trimBatch(target))) break;
      } while (this.wanted(target));
    } catch {
      // The storage closing under us, say. The oplog stays over its limit and the next write schedules again.
    }
    // Cleared in the same synchronous step as the last check, so a write that crosses the limit right now starts a
    // new task instead of finding this one about to end.
    this.task = null;
  }

  /** Removes one batch of the oldest entries; false when nothing could be removed. */
  private async trimBatch(target: number): Promise<boolean> {
    const retainFrom = this.retainFrom();
    const result = await this.storage.write(async (w) => {
      // Sizes only: an entry damaged on disk is removed like any other, never read.
      const rows = await w.oplogEntrySizes({ after: -1n, limit: this.retention.batchEntries });
      // Another server sharing the store trimmed since this one last did: the count of what it removed is unknown
      // here, so the total is read again.
      const saved = await w.getMeta({ key: TRUNCATED_KEY });
      const otherCut = saved !== null && BigInt(saved) > this.cut ? BigInt(saved) : null;
      const recount = otherCut !== null ? await w.oplogSizeBytes() : null;
      // Read inside the transaction: the tail has delivered, and counted, every earlier commit's entries by now.
      let excess = (recount ?? this.bytes) - target;
      let cut = -1n;
      let removed = 0;
      let held: bigint | null = null;
      for (const row of rows) {
        if (excess <= 0) break;
        if (row.ts >= retainFrom) {
          held = row.ts;
          break;
        }
        excess -= row.bytes;
        removed += row.bytes;
        cut = row.ts;
      }
      // An empty oplog with a count above zero: resynchronise instead of trying forever.
      const resync = rows.length === 0 ? await w.oplogSizeBytes() : recount !== null ? recount - removed : null;
      if (cut >= 0n) {
        await w.truncateOplogBefore({ ts: cut + 1n });
        await w.setMeta({ key: TRUNCATED_KEY, value: cut.toString() });
      }
      return { cut: cut >= 0n ? cut : (otherCut ?? -1n), removed, held, resync, trimmed: cut >= 0n };
    });
    // Once committed: a batch that rolled back removed nothing.
    const { cut, removed, held, resync, trimmed } = result.value;
    if (cut > this.cut) this.cut = cut;
    this.bytes = resync ?? this.bytes - removed;
    this.heldAt = held;
    return trimmed;
  }
}
