import type { Storage, StorageReader, StorageWriter } from '../storage/types.js';
import { ClusterClock } from '../oplog/cluster_clock.js';
import { DEFAULT_OPLOG_CACHE_BYTES, OplogHub } from '../oplog/hub.js';
import { encodeEntry, entryWeight, decodeEntry, type OplogEntry } from '../oplog/entry.js';
import { CursorRegistry } from './cursor_registry.js';
import { DEFAULT_TRIM_BATCH_ENTRIES, OplogTrimmer, TRUNCATED_KEY } from './oplog_trimmer.js';

const CLOCK_KEY = 'clusterTime';

export interface EngineOptions {
  /**
   * Oplog retention in bytes; the oldest entries are removed in the background beyond it (mongod's --oplogSizeMB).
   * Unlimited if absent.
   */
  oplogSizeBytes?: number;
  /**
   * Entries whose cluster time is newer than now minus this many hours are kept whatever the size (mongod's
   * --oplogMinRetentionHours). 0 or absent: no minimum.
   */
  oplogMinRetentionHours?: number;
  /** At most this many entries are removed per storage transaction (default 256). */
  oplogTrimBatchEntries?: number;
  /** The wall clock the retention window is measured against, in ms since the epoch (tests inject one). */
  now?: () => number;
  /**
   * @internal Budget of the hub's cache of decoded entries (default DEFAULT_OPLOG_CACHE_BYTES). Streams behind the
   * cached window read storage instead; tests set it small to exercise that path.
   */
  oplogCacheBytes?: number;
}

/** An entry before the engine stamps it with its cluster time. */
export type PendingEntry = Omit<OplogEntry, 'ts' | 'wall'>;

/**
 * A write transaction as the engine hands it to CRUD and DDL code: the storage writer plus `log()`, which stamps a
 * change entry with the next cluster time and appends it in the same storage transaction.
 */
export interface WriteContext {
  writer: StorageWriter;
  log(entry: PendingEntry): OplogEntry;
}

/**
 * The engine: storage, the cluster clock, the oplog fan-out hub and the cursor registry. Every write runs in one
 * storage transaction together with its change entries; after the commit, the entries are published to the hub.
 */
export class Engine {
  readonly hub: OplogHub;
  readonly cursors = new CursorRegistry();
  private readonly trimmer: OplogTrimmer;
  private closed = false;

  private constructor(
    readonly storage: Storage,
    readonly clock: ClusterClock,
    truncatedThrough: bigint,
    oplogBytes: number,
    readonly options: EngineOptions,
  ) {
    this.hub = new OplogHub(clock.current(), options.oplogCacheBytes ?? DEFAULT_OPLOG_CACHE_BYTES);
    this.trimmer = new OplogTrimmer(storage, {
      sizeBytes: options.oplogSizeBytes,
      minRetentionHours: options.oplogMinRetentionHours,
      batchEntries: Math.max(1, options.oplogTrimBatchEntries ?? DEFAULT_TRIM_BATCH_ENTRIES),
      now: options.now ?? Date.now,
    }, oplogBytes, truncatedThrough);
  }

  /** Opens the engine on a storage, restoring the clock so it never goes back across restarts. */
  static async open(storage: Storage, options: EngineOptions = {}): Promise<Engine> {
    const state = await storage.read(async (r) => {
      const saved = await r.getMeta(CLOCK_KEY);
      const bounds = await r.oplogBounds();
      const truncated = await r.getMeta(TRUNCATED_KEY);
      return {
        clock: saved ? BigInt(saved) : 0n,
        last: bounds?.last ?? 0n,
        truncated: truncated ? BigInt(truncated) : 0n,
        bytes: await r.oplogSizeBytes(),
      };
    });
    // Start the clock at the current second at least, so operationTime is a real time even on an empty oplog.
    const now = BigInt(Math.floor(Date.now() / 1000)) << 32n;
    let start = state.clock > state.last ? state.clock : state.last;
    if (now > start) start = now;
    const clock = new ClusterClock(start);
    return new Engine(storage, clock, state.truncated, state.bytes, options);
  }

  /** Highest committed cluster time: what replies report as operationTime. */
  get committedTs(): bigint {
    return this.hub.committedTs;
  }

  /** Entries at or before this time may have been removed from the oplog. */
  get oplogTruncatedThrough(): bigint {
    return this.trimmer.truncatedThrough;
  }

  /**
   * Resolves once no background oplog trim is running. Writes never wait for trims; tests and tools that want to
   * observe the oplog within its limit wait here.
   */
  oplogTrimSettled(): Promise<void> {
    return this.trimmer.settled();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  read<T>(fn: (reader: StorageReader) => Promise<T>): Promise<T> {
    return this.storage.read(fn);
  }

  /** Runs `fn` in one storage transaction; its change entries commit with it and are published after. */
  async write<T>(fn: (ctx: WriteContext) => Promise<T>): Promise<T> {
    const entries: OplogEntry[] = [];
    const encoded: Uint8Array[] = [];
    const result = await this.storage.write(async (writer) => {
      entries.length = 0;
      encoded.length = 0;
      const ctx: WriteContext = {
        writer,
        log: (pending) => {
          const entry: OplogEntry = { ts: this.clock.tick(), wall: new Date(), ...pending } as OplogEntry;
          entries.push(entry);
          encoded.push(encodeEntry(entry));
          return entry;
        },
      };
      const value = await fn(ctx);
      if (entries.length > 0) {
        await writer.appendOplog(entries.map((e, i) => ({ ts: e.ts, entry: encoded[i]! })));
        await writer.setMeta(CLOCK_KEY, this.clock.current().toString());
      }
      return value;
    }, () => {
      // Inside the storage queue, right after COMMIT: entries reach the hub in commit order, and only once committed.
      if (entries.length === 0) return;
      this.hub.publish(entries, encoded.map(entryWeight));
      for (const bytes of encoded) this.trimmer.added(bytes.byteLength);
    });
    // Not awaited: the reply goes out now and the trim runs in the background. A trim that fails (the storage
    // closing under it, say) cannot turn this committed write's reply into an error.
    if (entries.length > 0) this.trimmer.schedule();
    return result;
  }

  /**
   * Reads oplog entries after `afterTs` from the hub's cache when it covers them, else from storage. Returns null
   * when entries after `afterTs` may have been truncated (the caller's history is lost), never a list with a gap.
   */
  async readOplog(afterTs: bigint, limit: number): Promise<OplogEntry[] | null> {
    const cached = this.hub.readAfter(afterTs, limit);
    if (cached) return cached;
    const rows = await this.storage.read(async (r) => {
      // Checked inside the read, not before it: a trim queued ahead of this read has cut the oplog by now.
      if (afterTs < this.trimmer.truncatedThrough) return null;
      return r.readOplog(afterTs, limit);
    });
    return rows && rows.map((row) => decodeEntry(row.ts, row.entry));
  }

  /** True when an entry with exactly this time is retained. */
  async hasOplogEntry(ts: bigint): Promise<boolean> {
    return (await this.storage.read((r) => r.getOplogEntry(ts))) !== null;
  }

  /**
   * Ends every cursor, wakes waiting streams, stops a background trim after its current batch, then closes the
   * storage once queued work is done.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cursors.killAll();
    this.hub.wakeAll();
    await this.trimmer.stop();
    await this.storage.close();
  }
}
