import type { ScanMetrics } from './document_source.js';
import type { Timestamp } from '../bson/index.js';
import type { ChangeBatch, Storage, StorageReader, StorageWriter } from '../storage/types.js';
import { upgradeIndexEntries } from './index_entries_upgrade.js';
import { SnapshotReader } from './transactions/snapshot_view.js';
import { toTimestamp } from '../oplog/cluster_clock.js';
import { DEFAULT_OPLOG_CACHE_BYTES, OplogHub } from '../oplog/hub.js';
import { encodeEntry, entryWeight, decodeEntry, noteEncodedSize, type OplogEntry } from '../oplog/entry.js';
import { CursorRegistry } from './cursor_registry.js';
import { FsyncLock } from './fsync_lock.js';
import { clientFacingFailure } from './storage_failure.js';
import { CatalogCache } from './catalog_cache.js';
import { SessionCache } from './session_cache.js';
import { EntryEncoder } from './entry_bytes.js';
import { getCollectionInfo, type CollectionInfo } from './catalog.js';
import { DEFAULT_TRIM_BATCH_ENTRIES, OplogTrimmer, TRUNCATED_KEY } from './oplog_trimmer.js';
import { TransactionRegistry } from './transactions/registry.js';
import { sessionKey } from './retryable_writes.js';
import { CapturingWriter } from './transactions/capturing_writer.js';
import { PendingVersions } from './transactions/version_store.js';
import { IndexBuildRegistry } from './index_builds.js';
import { CappedTotals, type CappedWriteTotals } from './capped_totals.js';
import { hasUnfinishedIndexes, removeUnfinishedIndexes } from './index_build.js';
import { TtlMonitor } from './ttl_monitor.js';
import { IndexUsage } from './index_usage.js';
import { Top } from './top.js';

/**
 * Microtask turns a write lets pass before its caller resumes, when its commit woke parked streams. An in-process
 * watcher's path from the hub's wakeup to its `next()` returning is a few awaits longer than the writer's path back
 * to its caller, so without these turns a writer awaiting its inserts one by one starts the next one before its
 * watcher has the event: every event then waits for one more write, and the pauses of that write (a scavenge, a
 * WAL checkpoint) land on it too (measured in memory: p50 0.07 vs 0.03 ms, p99 0.3-4 vs 0.1 ms). Too many turns
 * are no better: the watcher parks again before the next commit instead of finding it committed, and parking
 * costs more than the turns. Costs a few tens of nanoseconds per turn; none when no stream was woken.
 */
const WOKEN_STREAM_TURNS = 5;

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
  /** The wall clock oplog retention and session expiry are measured against, in ms since the epoch (tests inject one). */
  now?: () => number;
  /**
   * @internal Budget of the hub's cache of decoded entries (default DEFAULT_OPLOG_CACHE_BYTES). Streams behind the
   * cached window read storage instead; tests set it small to exercise that path.
   */
  oplogCacheBytes?: number;
  /** Transactions open longer than this are aborted (mongod's transactionLifetimeLimitSeconds, default 60). */
  transactionLifetimeLimitSeconds?: number;
  /** Where blocking stages spill with `allowDiskUse` (mongod's `<dbpath>/_tmp`); the system's temporary folder when absent. */
  tempDir?: string;
  /** The memory one blocking stage may hold (mongod's internalQueryMaxBlockingSortMemoryUsageBytes, 100 MB). */
  blockingStageMemoryBytes?: number;
  /** Whether blocking stages may spill when a command does not set `allowDiskUse` (mongod's default: true). */
  allowDiskUseByDefault?: boolean;
  /** Seconds between TTL monitor passes (mongod's ttlMonitorSleepSecs, default 60). */
  ttlMonitorSleepSecs?: number;
  /** Whether the TTL monitor deletes expired documents (mongod's ttlMonitorEnabled, default true). */
  ttlMonitorEnabled?: boolean;
  /** Receives the engine's notable events (`{msg, component, attr}`), such as indexes removed at startup. */
  log?: (event: Record<string, unknown>) => void;
}

/** An entry before the engine stamps it with its cluster time. */
export type PendingEntry = Omit<OplogEntry, 'ts' | 'wall'>;

/**
 * A write transaction as the engine hands it to CRUD and DDL code: the storage writer plus `log()`, which records a
 * change entry; the write appends its entries, and the storage gives them their times, in the same transaction.
 */
export interface WriteContext {
  writer: StorageWriter;
  /**
   * Records `entry` for this transaction; its `ts` is set when the write appends its entries, before the write
   * returns. `fullDocumentBytes`, when given, is the exact encoding of
   * `entry.fullDocument` (an insert's stored bytes), reused for the entry's own bytes.
   */
  log(entry: PendingEntry, fullDocumentBytes?: Uint8Array): OplogEntry;
  /**
   * The collection `db.name` as this transaction sees it, or null, from the engine's catalog cache. Shared and
   * frozen: read it, never edit it (DDL reads with `getCollectionInfo` to get its own copy).
   */
  collection(db: string, name: string): Promise<Readonly<CollectionInfo> | null>;
  /** What `collection()` would answer when the cache already knows it, else undefined: no storage read, no await. */
  cachedCollection(db: string, name: string): Readonly<CollectionInfo> | null | undefined;
  /** True inside a multi-document transaction (where mongod refuses some writes, to capped collections among them). */
  inTransaction?: boolean;
  /** The sizes of capped collections as this write changes them (absent: measure them from storage). */
  cappedTotals?: CappedWriteTotals;
}

/** One write of this process as its tail batch brings it back: its entry objects and what waits for its commit. */
class LocalCommit {
  readonly entries: OplogEntry[] = [];
  /** The entries' encodings, without their times, in the same order. */
  readonly encoded: Uint8Array[] = [];
  /** Set when publishing this write's entries woke parked streams. */
  wokeStreams = false;

  constructor(
    readonly versions: PendingVersions | null,
    readonly cappedTotals: CappedWriteTotals,
  ) {}
}

/**
 * The engine: storage, the oplog fan-out hub and the cursor registry. Every write runs in one storage transaction
 * together with its change entries; the storage's tail brings them back once committed, and they go to the hub.
 */
export class Engine {
  readonly hub: OplogHub;
  readonly cursors = new CursorRegistry();
  /** Held by `fsync` with `lock: true`: writes wait while it is. */
  readonly fsyncLock = new FsyncLock();
  /** Multi-document transactions, and the document versions their snapshots read. */
  readonly transactions: TransactionRegistry = new TransactionRegistry(this);
  /** The index builds in progress (createIndexes on a collection with documents). */
  readonly indexBuilds = new IndexBuildRegistry();
  /** The logical sessions this engine's commands use (session commands, `$listSessions`, `$listLocalSessions`). */
  readonly sessions: SessionCache;
  /** Deletes the documents TTL indexes expire, in the background. */
  readonly ttl: TtlMonitor;
  /** How often each index served a query, for `$indexStats`. */
  readonly indexUsage: IndexUsage;
  /** Per-collection operation latencies, for `$collStats: {latencyStats}`. */
  readonly top = new Top();
  private readonly trimmer: OplogTrimmer;
  private readonly catalog = new CatalogCache();
  /** The sizes of capped collections between inserts (capped.ts). */
  private readonly cappedTotals = new CappedTotals();
  /** Documents read by query scans, for serverStatus. */
  readonly metrics: ScanMetrics = { scannedObjects: 0 };
  private readonly entryEncoder = new EntryEncoder();
  private closed = false;
  private readonly stopTail: () => void;
  /** The Timestamp last made of committedTs: consecutive replies mostly carry the same one. */
  private readonly committedTimestampCache = { ts: -1n, timestamp: toTimestamp(0n) };

  private constructor(
    readonly storage: Storage,
    truncatedThrough: bigint,
    oplogBytes: number,
    readonly options: EngineOptions,
  ) {
    this.hub = new OplogHub(storage.tail.through, options.oplogCacheBytes ?? DEFAULT_OPLOG_CACHE_BYTES);
    this.stopTail = storage.tail.listen((batch) => this.received(batch));
    if (options.transactionLifetimeLimitSeconds !== undefined) this.transactions.lifetimeLimitSeconds = options.transactionLifetimeLimitSeconds;
    this.sessions = new SessionCache(this.cursors, {
      now: options.now,
      // An ended or expired session's open transaction is aborted, as mongod does.
      onForget: (lsid) => this.transactions.forget(sessionKey({ id: lsid.id })),
    });
    this.indexUsage = new IndexUsage(options.now);
    this.ttl = new TtlMonitor(this, { sleepSecs: options.ttlMonitorSleepSecs, enabled: options.ttlMonitorEnabled });
    this.trimmer = new OplogTrimmer(storage, {
      sizeBytes: options.oplogSizeBytes,
      minRetentionHours: options.oplogMinRetentionHours,
      batchEntries: Math.max(1, options.oplogTrimBatchEntries ?? DEFAULT_TRIM_BATCH_ENTRIES),
      now: options.now ?? Date.now,
    }, oplogBytes, truncatedThrough);
  }

  /** Opens the engine on a storage, restoring the clock so it never goes back across restarts. */
  static async open(storage: Storage, options: EngineOptions = {}): Promise<Engine> {
    // A build a crash interrupted left its indexes half-built: they go, so every index is complete or absent. Not
    // while another server has the store open: the build may be its own, still running.
    const cleanup = storage.alone !== false && (await storage.read((r) => hasUnfinishedIndexes(r)));
    const unfinished = cleanup ? (await storage.write((w) => removeUnfinishedIndexes(w))).value : [];
    for (const attr of unfinished) options.log?.({ msg: 'Dropping unfinished index', component: 'STORAGE', attr });
    for (const attr of await upgradeIndexEntries(storage)) options.log?.({ msg: 'Rebuilt index entries for the query planner', component: 'INDEX', attr });
    const state = await storage.read(async (r) => {
      const truncated = await r.getMeta({ key: TRUNCATED_KEY });
      return { truncated: truncated ? BigInt(truncated) : 0n, bytes: await r.oplogSizeBytes() };
    });
    const engine = new Engine(storage, state.truncated, state.bytes, options);
    engine.ttl.start();
    return engine;
  }

  /**
   * A collection's catalog entry as `reader` sees it: from the engine's cache (shared and frozen: read it, never change
   * it), or read afresh through a snapshot (a transaction's own DDL, which the cache cannot see).
   */
  collectionInfo(reader: StorageReader, db: string, name: string): Promise<Readonly<CollectionInfo> | null> {
    return reader instanceof SnapshotReader ? getCollectionInfo(reader, db, name) : this.catalog.get(reader, db, name);
  }

  /** Highest committed cluster time: what replies report as operationTime. */
  get committedTs(): bigint {
    return this.storage.tail.through;
  }

  /** committedTs as a BSON Timestamp, shared between calls while it is unchanged: never write into it. */
  get committedTimestamp(): Timestamp {
    const committed = this.storage.tail.through;
    const cache = this.committedTimestampCache;
    if (cache.ts !== committed) {
      cache.timestamp = toTimestamp(committed);
      cache.ts = committed;
    }
    return cache.timestamp;
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
    return this.storage.read(fn).catch((err: unknown) => this.rethrowForClient(err));
  }

  /** Rethrows a storage failure as a client should see it: a corrupt record as DataCorruptionDetected. */
  private async rethrowForClient(err: unknown): Promise<never> {
    throw await clientFacingFailure(err, this.storage);
  }

  /** Runs `fn` in one storage transaction; its change entries commit with it and are published after. */
  async write<T>(fn: (ctx: WriteContext) => Promise<T>): Promise<T> {
    if (this.fsyncLock.locked) await this.fsyncLock.writesAllowed();
    let local: LocalCommit | null = null;
    const result = await this.storage.write<T>(async (storageWriter) => {
      // Decided inside the queue: a transaction that began before this write needs its before-images.
      const versions = this.transactions.capturing ? new PendingVersions() : null;
      const totals = this.cappedTotals.begin();
      const commit = (local = new LocalCommit(versions, totals));
      const { entries, encoded } = commit;
      const writer = versions ? new CapturingWriter(storageWriter, versions) : storageWriter;
      const ctx: WriteContext = {
        writer,
        log: (pending, fullDocumentBytes) => {
          // The time comes from storage when the write appends its entries, below.
          const entry: OplogEntry = { ts: 0n, wall: new Date(), ...pending } as OplogEntry;
          entries.push(entry);
          totals.noteLogged(entry.uuid);
          encoded.push(fullDocumentBytes ? this.entryEncoder.encodeWithDocument(entry, fullDocumentBytes) : encodeEntry(entry));
          return entry;
        },
        collection: (db, name) => this.catalog.get(writer, db, name),
        cachedCollection: (db, name) => this.catalog.peek(writer, db, name),
        cappedTotals: totals,
      };
      const value = await fn(ctx);
      if (entries.length > 0) {
        const times = (await writer.appendChanges({ entries: encoded, local: commit }))!;
        for (let i = 0; i < entries.length; i++) entries[i]!.ts = times.first + BigInt(i);
      }
      // A write that logs nothing has no totals to keep (they are only set after a logged insert) and no versions.
      return value;
    }).catch((err: unknown) => this.rethrowForClient(err));
    // Not awaited: the reply goes out now and the trim runs in the background. A trim that fails (the storage
    // closing under it, say) cannot turn this committed write's reply into an error.
    if (result.changes) this.trimmer.schedule();
    const woke = (local as LocalCommit | null)?.wokeStreams === true;
    if (woke) for (let turn = 0; turn < WOKEN_STREAM_TURNS; turn++) await undefined;
    return result.value;
  }

  /**
   * A batch of the storage's tail: inside the commit's queue turn on the single-writer engines, so entries reach the
   * hub in commit order, only once committed, and before the next write starts. A batch this process wrote carries
   * the write's own entry objects and the effects that wait for its commit.
   */
  private received(batch: ChangeBatch): void {
    const local = batch.local instanceof LocalCommit ? batch.local : null;
    const rows = batch.entries;
    const entries = local ? local.entries : rows.map((row) => decodeEntry(row.ts, row.entry));
    if (local) {
      local.cappedTotals.commit();
      if (local.versions) this.transactions.versions.publish(local.versions, entries[entries.length - 1]!.ts);
    } else {
      // Another server's commit: what this process keeps about earlier states cannot include it.
      const versions = this.transactions.capturing ? this.transactions.versions : null;
      for (const entry of entries) {
        if (entry.uuid !== undefined) this.cappedTotals.forget(entry.uuid);
        versions?.noteForeign(entry.uuid, entry.ts);
      }
    }
    const weights = new Array<number>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      weights[i] = entryWeight(rows[i]!.entry);
      noteEncodedSize(entries[i]!, rows[i]!.entry.byteLength);
      this.trimmer.added(rows[i]!.entry.byteLength);
      this.indexUsage.noteChange(entries[i]!);
      this.top.noteChange(entries[i]!);
    }
    // Another server trimmed past what this one had received: the hub must not serve across the gap.
    if (batch.truncatedThrough !== undefined) this.hub.reset(batch.truncatedThrough);
    const parked = this.hub.waiterCount;
    this.hub.publish(entries, weights);
    if (local) local.wokeStreams = this.hub.waiterCount < parked;
  }

  /**
   * Reads oplog entries after `afterTs` from the hub's cache when it covers them, else from storage. Returns null
   * when entries after `afterTs` may have been truncated (the caller's history is lost), never a list with a gap.
   */
  async readOplog(afterTs: bigint, limit: number): Promise<OplogEntry[] | null> {
    const cached = this.hub.readAfter(afterTs, limit);
    if (cached) return cached;
    const rows = await this.read(async (r) => {
      // Checked inside the read, against the saved bound, not before it: a trim that committed ahead of this read
      // has cut the oplog by now, whether or not the trimmer has taken note of it yet.
      if (afterTs < this.trimmer.truncatedThrough) return null;
      const saved = await r.getMeta({ key: TRUNCATED_KEY });
      if (saved !== null && afterTs < BigInt(saved)) return null;
      return r.readOplog({ after: afterTs, limit });
    });
    return rows && rows.map((row) => decodeEntry(row.ts, row.entry));
  }

  /** True when an entry with exactly this time is retained. */
  async hasOplogEntry(ts: bigint): Promise<boolean> {
    return (await this.read((r) => r.getOplogEntry({ ts }))) !== null;
  }

  /**
   * Ends every cursor, wakes waiting streams, stops the TTL monitor and a background trim after their current batch,
   * then closes the storage once queued work is done.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fsyncLock.unlockAll();
    this.transactions.abortAll();
    this.cursors.killAll();
    this.hub.wakeAll();
    await this.ttl.stop();
    await this.trimmer.stop();
    await this.storage.close();
    this.stopTail();
  }
}
