import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { encodeCompoundKey, toNumber } from '../bson/index.js';
import { isDocument, type Document } from '../bson/types.js';
import { compileFilter, type CompiledFilter } from '../query/filter/index.js';
import type { IndexPosition, KeyRange } from '../storage/types.js';
import { imagesEnabled, isBuilding, isView, listCollectionInfos, type CollectionInfo, type IndexSpec } from './catalog.js';
import { decodeStoredDocument } from './documents.js';
import type { Engine, WriteContext } from './engine.js';
import { removeIndexEntries } from './indexes.js';
import { YIELD_EVERY_MS } from './operation.js';
import { toArray } from '../storage/scan.js';

/** mongod's ttlMonitorSleepSecs default: a pass a minute. */
export const DEFAULT_TTL_MONITOR_SLEEP_SECS = 60;

/** The longest delay a Node timer takes (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Index entries read per storage transaction: small enough that a writer queued behind a batch waits little. */
const BATCH_ENTRIES = 256;

/** serverStatus `metrics.ttl`, named as mongod names them. */
export interface TtlMetrics {
  passes: number;
  subPasses: number;
  deletedDocuments: number;
}

/** One thing the monitor expires: a TTL index, or a clustered collection's `expireAfterSeconds`. */
interface TtlTarget {
  db: string;
  coll: string;
  uuid: string;
  /** The index, or null for a clustered collection (its documents are keyed by `_id`). */
  index: string | null;
}

/**
 * `expireAfterSeconds` as the monitor reads it: a finite number of at least 0, else undefined (the index is skipped,
 * as mongod skips a spec whose value it cannot use). createIndexes and collMod validate the value; a catalog written
 * by an older version may still hold anything.
 */
function expireAfterSecondsOf(value: unknown): number | undefined {
  if (value === undefined || value === null || typeof value === 'boolean') return undefined;
  const n = toNumber(value);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** The single field of a plain ascending or descending index, or null: mongod expires through no other index. */
function ttlField(spec: IndexSpec): { field: string; direction: 1 | -1 } | null {
  if (!isDocument(spec.key)) return null;
  const fields = Object.keys(spec.key);
  if (fields.length !== 1) return null;
  const direction = toNumber(spec.key[fields[0]!]);
  if (!Number.isFinite(direction) || direction === 0) return null;
  return { field: fields[0]!, direction: direction < 0 ? -1 : 1 };
}

/** The index's expiry, when it is a ready single-field TTL index on a plain collection. */
function ttlIndexSpec(info: Readonly<CollectionInfo>, indexName: string): { spec: IndexSpec; seconds: number; field: string; direction: 1 | -1 } | null {
  const spec = info.indexes.find((s) => s.name === indexName);
  if (!spec || isBuilding(spec)) return null;
  const seconds = expireAfterSecondsOf(spec.expireAfterSeconds);
  const key = ttlField(spec);
  if (seconds === undefined || !key) return null;
  return { spec, seconds, ...key };
}

function clusteredExpiry(info: Readonly<CollectionInfo>): number | undefined {
  if (!isDocument(info.options.clusteredIndex) || info.options.timeseries !== undefined) return undefined;
  return expireAfterSecondsOf(info.options.expireAfterSeconds);
}

/** Where a batch stopped: the last entry (or clustered document key) it looked at. */
type ResumePoint = IndexPosition;

/**
 * The range of index keys holding dates at or before `cutoff`. Booleans sort just below dates and timestamps just
 * above, so everything above the greatest boolean and up to the cutoff is a date: other values, and documents
 * without the field, are never expired, as in mongod.
 */
function expiredKeyRange(cutoff: Date, direction: 1 | -1): KeyRange {
  const lastBool = encodeCompoundKey([true], [direction]);
  const last = encodeCompoundKey([cutoff], [direction]);
  return direction === 1 ? { gt: lastBool, lte: last } : { gte: last, lt: lastBool };
}

/**
 * mongod's TTL monitor: every `sleepSecs` seconds a pass deletes the documents whose TTL index field holds a date
 * (or an array with a date) at least `expireAfterSeconds` old, and the documents of a clustered collection with
 * `expireAfterSeconds` whose `_id` is such a date. Each deletion is an ordinary delete with its change entry (and
 * pre-image where the collection records them), so change streams see a plain `delete` event, as on mongod.
 *
 * A pass works in batches, each one short storage transaction of at most BATCH_ENTRIES index entries and about
 * YIELD_EVERY_MS of work, letting every queued read and write run between them. A document is re-checked against
 * its index's predicate (and partial filter) before it is deleted, so one changed since its entry was read, or a
 * value the index holds but the predicate does not match, is kept.
 */
export class TtlMonitor {
  readonly metrics: TtlMetrics = { passes: 0, subPasses: 0, deletedDocuments: 0 };
  private sleep: number;
  private on: boolean;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  /** Partial filters compiled once per spec object (catalog specs are replaced, never edited, when they change). */
  private readonly partialFilters = new WeakMap<object, CompiledFilter | null>();

  constructor(private readonly engine: Engine, options: { sleepSecs?: number; enabled?: boolean } = {}) {
    this.sleep = options.sleepSecs ?? DEFAULT_TTL_MONITOR_SLEEP_SECS;
    this.on = options.enabled ?? true;
  }

  /** Seconds between passes (mongod's ttlMonitorSleepSecs). */
  get sleepSecs(): number {
    return this.sleep;
  }

  /** A new period starts counting now, as mongod's monitor wakes when the parameter changes. */
  set sleepSecs(secs: number) {
    this.sleep = secs;
    if (this.timer !== null) this.schedule();
  }

  /** Whether passes run (mongod's ttlMonitorEnabled). While off, the monitor keeps its schedule and skips its passes. */
  get enabled(): boolean {
    return this.on;
  }

  set enabled(value: boolean) {
    this.on = value;
  }

  /** Starts the periodic passes. The timer never keeps the process alive. */
  start(): void {
    if (this.stopped || this.timer !== null) return;
    this.schedule();
  }

  /** Stops the monitor: no pass starts afterwards, and a running one ends after its current batch. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.running) await this.running;
  }

  private schedule(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      // A pass still running when the period ends (a large expiry) is followed by the next period, not overlapped.
      if (this.running) {
        this.schedule();
        return;
      }
      this.running = this.pass().finally(() => {
        this.running = null;
        if (!this.stopped && this.timer === null) this.schedule();
      });
    }, Math.min(MAX_TIMER_MS, Math.max(1, this.sleep) * 1000));
    this.timer.unref();
  }

  /** One pass over every TTL index and clustered TTL collection (when enabled). Never throws. */
  async pass(): Promise<void> {
    if (!this.on || this.stopped) return;
    try {
      // Where several servers share the store, one of them expires documents.
      const storage = this.engine.storage;
      if (storage.lead && !(await storage.lead('ttlMonitor'))) return;
      const targets = await this.engine.read(async (r) => {
        const found: TtlTarget[] = [];
        for (const info of await listCollectionInfos(r)) {
          if (isView(info)) continue;
          if (clusteredExpiry(info) !== undefined) found.push({ db: info.db, coll: info.name, uuid: info.uuid, index: null });
          for (const spec of info.indexes) {
            if (ttlIndexSpec(info, spec.name)) found.push({ db: info.db, coll: info.name, uuid: info.uuid, index: spec.name });
          }
        }
        return found;
      });
      for (const target of targets) {
        if (this.stopped) return;
        try {
          await this.expire(target);
        } catch (err) {
          // One collection's failure (a damaged document, say) does not hold up the others, as in mongod.
          if (this.stopped || this.engine.isClosed) return;
          this.engine.options.log?.({
            msg: 'Error running TTL job on collection', component: 'INDEX',
            attr: { namespace: `${target.db}.${target.coll}`, index: target.index, error: String((err as Error)?.message ?? err) },
          });
        }
      }
      this.metrics.subPasses++;
      this.metrics.passes++;
    } catch (err) {
      if (this.stopped || this.engine.isClosed) return;
      this.engine.options.log?.({ msg: 'Error running TTL job', component: 'INDEX', attr: { error: String((err as Error)?.message ?? err) } });
    }
  }

  /** Deletes every expired document of one target, a batch per storage transaction. */
  private async expire(target: TtlTarget): Promise<void> {
    let after: ResumePoint | null = null;
    const now = new Date((this.engine.options.now ?? Date.now)());
    for (;;) {
      if (this.stopped || this.engine.isClosed) return;
      const batch = await this.engine.write((ctx) => this.expireBatch(ctx, target, now, after));
      this.metrics.deletedDocuments += batch.deleted;
      if (batch.next === null) return;
      after = batch.next;
      // A macrotask, not a microtask: the connections whose requests arrived meanwhile go first.
      await nextMacrotask();
    }
  }

  private async expireBatch(ctx: WriteContext, target: TtlTarget, now: Date, after: ResumePoint | null): Promise<{ deleted: number; next: ResumePoint | null }> {
    const info = await ctx.collection(target.db, target.coll);
    if (!info || info.uuid !== target.uuid) return { deleted: 0, next: null };
    const started = performance.now();
    const overTime = (): boolean => performance.now() - started >= YIELD_EVERY_MS;
    let deleted = 0;
    let last: ResumePoint | null = null;
    if (target.index === null) {
      const seconds = clusteredExpiry(info);
      const cutoff = new Date(now.getTime() - (seconds ?? 0) * 1000);
      if (seconds === undefined || Number.isNaN(cutoff.getTime())) return { deleted: 0, next: null };
      const rows = await toArray(ctx.writer.scanDocuments({ coll: info.uuid, range: expiredKeyRange(cutoff, 1), ...(after ? { after: after.key } : {}), limit: BATCH_ENTRIES, chunkRows: BATCH_ENTRIES }));
      for (const row of rows) {
        last = { key: row.key, recordKey: row.key };
        const doc = decodeStoredDocument(row.doc);
        if (!(doc._id instanceof Date)) continue;
        await this.deleteOne(ctx, info, row.key, doc);
        deleted++;
        if (overTime()) break;
      }
      return { deleted, next: rows.length === BATCH_ENTRIES || overTime() ? last : null };
    }
    const ttl = ttlIndexSpec(info, target.index);
    if (!ttl) return { deleted: 0, next: null };
    const cutoff = new Date(now.getTime() - ttl.seconds * 1000);
    // An expiry reaching before the earliest date there is expires nothing.
    if (Number.isNaN(cutoff.getTime())) return { deleted: 0, next: null };
    const range: KeyRange = expiredKeyRange(cutoff, ttl.direction);
    // Entries before the resume point that are still there are ones an earlier batch kept.
    const entries = await toArray(ctx.writer.scanIndex({ coll: info.uuid, index: target.index, range, ...(after ? { after } : {}), limit: BATCH_ENTRIES, chunkRows: BATCH_ENTRIES }));
    // mongod re-checks each document against the index's predicate before deleting it.
    const expired = compileFilter({ [ttl.field]: { $lte: cutoff } });
    const partial = this.partialFilter(ttl.spec);
    const seen = new Set<string>();
    for (const entry of entries) {
      last = entry;
      const recordHex = Buffer.from(entry.recordKey).toString('hex');
      if (seen.has(recordHex)) continue;
      seen.add(recordHex);
      const bytes = await ctx.writer.getDocument({ coll: info.uuid, key: entry.recordKey });
      if (!bytes) continue;
      const doc = decodeStoredDocument(bytes);
      if (!expired.matches(doc) || (partial && !partial.matches(doc))) continue;
      await this.deleteOne(ctx, info, entry.recordKey, doc);
      deleted++;
      if (overTime()) break;
    }
    return { deleted, next: entries.length === BATCH_ENTRIES || overTime() ? last : null };
  }

  private partialFilter(spec: IndexSpec): CompiledFilter | null {
    let filter = this.partialFilters.get(spec);
    if (filter === undefined) {
      filter = isDocument(spec.partialFilterExpression) ? compileFilter(spec.partialFilterExpression as Document) : null;
      this.partialFilters.set(spec, filter);
    }
    return filter;
  }

  /** An ordinary delete: index entries, the document, and its change entry in the same transaction. */
  private async deleteOne(ctx: WriteContext, info: Readonly<CollectionInfo>, recordKey: Uint8Array, doc: Document): Promise<void> {
    await removeIndexEntries(ctx.writer, info as CollectionInfo, recordKey, doc);
    await ctx.writer.deleteDocument({ coll: info.uuid, key: recordKey });
    const images = imagesEnabled(info as CollectionInfo);
    ctx.log({ op: 'delete', db: info.db, coll: info.name, uuid: info.uuid, documentKey: { _id: doc._id }, preImage: images ? doc : undefined, images });
  }
}
