import type { Document } from '../bson/types.js';
import { compilePipeline, markLastChunk, type Chunks, type ForeignReader, type StreamControl } from '../query/pipeline/index.js';
import { toArray } from '../storage/scan.js';
import type { IndexPosition, StorageReader } from '../storage/types.js';
import { getCollectionInfo, isView, ID_INDEX_NAME, type CollectionInfo } from './catalog.js';
import { decodeStoredDocument, idStorageKey } from './documents.js';
import { readPoints, type ReadFn, type ScanMetrics } from './document_source.js';
import { naturalChunks } from './natural_source.js';
import { textChunks } from './text_index/plan.js';
import { hasTextPredicate } from '../query/text/index.js';
import { MongoServerError, mongoError } from '../errors/index.js';
import { nearChunks } from './geo_index/near_source.js';
import { choosePlan, naturalSortDirection, type IndexPlan, type OrPlan, type PlanChoice, type PlanRequest, type QueryPlan } from './planner.js';

/** What a plan read, for explain and the profiler (mongod's keysExamined and docsExamined). */
export interface PlanStats {
  keysExamined: number;
  docsExamined: number;
}

/** A query's documents as a stream, with the plan that reads them (null for a view or a missing collection). */
export interface PlannedRead {
  chunks: Chunks;
  choice: PlanChoice | null;
  stats: PlanStats;
  info: CollectionInfo | null;
}

/**
 * The first chunk is small, so a `limit(1)` or a first batch reads little; later ones grow, so a long scan makes
 * few storage calls. Each chunk is its own storage read: writers run between them.
 */
const FIRST_CHUNK = 64;
const MAX_CHUNK = 2048;
/** Point lookups per storage read, for an `_id` `$in` of many values. */
const LOOKUPS_PER_READ = 1024;

async function* noChunks(): Chunks {
  // an absent collection has no documents
}

/** The collection's documents in `_id` order (backwards with direction -1), within [start, end), chunk by chunk. */
async function* idRangeChunks(read: ReadFn, info: CollectionInfo, direction: 1 | -1, start: Uint8Array | null, end: Uint8Array | null, control: StreamControl, stats: PlanStats, metrics: ScanMetrics | undefined, countKeys: boolean, firstChunk = FIRST_CHUNK): Chunks {
  const range = { ...(start ? { gte: start } : {}), ...(end ? { lt: end } : {}), ...(direction === -1 ? { reverse: true } : {}) };
  let resume: Uint8Array | undefined;
  let size = firstChunk;
  for (;;) {
    const limit = size;
    const from = resume;
    const rows = await read((reader) => toArray(reader.scanDocuments({ coll: info.uuid, range, ...(from ? { after: from } : {}), limit, chunkRows: limit })));
    if (rows.length === 0) return;
    const docs = rows.map((row) => decodeStoredDocument(row.doc));
    stats.docsExamined += docs.length;
    if (countKeys) stats.keysExamined += docs.length;
    if (metrics) metrics.scannedObjects += docs.length;
    yield docs;
    if (docs.length < limit) return;
    resume = rows[rows.length - 1]!.key;
    size = Math.min(size * 2, MAX_CHUNK);
    await control.yieldIfDue();
  }
}

async function* pointChunks(read: ReadFn, info: CollectionInfo, keys: Uint8Array[], control: StreamControl, stats: PlanStats, metrics?: ScanMetrics): Chunks {
  for (let i = 0; i < keys.length; i += LOOKUPS_PER_READ) {
    const slice = keys.slice(i, i + LOOKUPS_PER_READ);
    const docs = await read((reader) => readPoints(reader, info, slice));
    stats.keysExamined += slice.length;
    stats.docsExamined += docs.length;
    if (metrics) metrics.scannedObjects += docs.length;
    // One `_id` is mongod's express lookup, at its end once it has answered; a scan of several points is not.
    yield keys.length === 1 ? markLastChunk(docs) : docs;
    await control.yieldIfDue();
  }
}

/**
 * A secondary index's entries within the plan's spans, each fetched: chunk by chunk, every chunk its index entries
 * joined to their documents by one storage call (`scanIndexDocuments`). A document seen once is not returned again when the index is multikey
 * (one document, several keys) or when `dedupe` asks (a write that may move a document ahead of the scan).
 */
async function* indexChunks(read: ReadFn, info: CollectionInfo, plan: IndexPlan, control: StreamControl, stats: PlanStats, metrics: ScanMetrics | undefined, dedupe: boolean, firstChunk = FIRST_CHUNK): Chunks {
  const seen = plan.index.multikey || dedupe ? new Set<string>() : null;
  const reverse = plan.direction === -1;
  for (const span of plan.spans) {
    const range = { gte: span.start, ...(span.end ? { lt: span.end } : {}), ...(reverse ? { reverse: true } : {}) };
    let after: IndexPosition | undefined;
    let size = firstChunk;
    for (;;) {
      const limit = size;
      const from = after;
      const rows = await read((reader: StorageReader) => toArray(reader.scanIndexDocuments({ coll: info.uuid, index: plan.spec.name, range, ...(from ? { after: from } : {}), limit, chunkRows: limit })));
      const docs: Document[] = [];
      for (const e of rows) {
        if (seen) {
          const id = Buffer.from(e.recordKey).toString('hex');
          if (seen.has(id)) continue;
          seen.add(id);
        }
        docs.push(decodeStoredDocument(e.doc));
      }
      const entries = rows.length;
      const last = rows[entries - 1];
      stats.keysExamined += entries;
      stats.docsExamined += docs.length;
      if (metrics) metrics.scannedObjects += docs.length;
      if (docs.length > 0) yield docs;
      if (entries < limit || !last) break;
      after = { key: last.key, recordKey: last.recordKey };
      size = Math.min(size * 2, MAX_CHUNK);
      await control.yieldIfDue();
    }
  }
}

/** The plan, when a count may count its keys alone: an exact plan on a secondary index (see IndexPlan.exact). */
export function keysOnlyPlan(plan: QueryPlan | null | undefined): IndexPlan | null {
  return plan?.kind === 'ixscan' && plan.exact && plan.spec.name !== ID_INDEX_NAME ? plan : null;
}

/**
 * The number of keys in an exact plan's ranges (see IndexPlan.exact), which is the number of matching documents: a
 * count that reads no document (mongod's COUNT_SCAN), one storage count per key range.
 */
export async function countPlanKeys(read: ReadFn, info: CollectionInfo, plan: IndexPlan, control: StreamControl, stats: PlanStats): Promise<number> {
  let total = 0;
  for (const span of plan.spans) {
    const range = { gte: span.start, ...(span.end ? { lt: span.end } : {}) };
    const n = await read((reader) => reader.countIndex({ coll: info.uuid, index: plan.spec.name, range }));
    total += n;
    stats.keysExamined += n;
    await control.yieldIfDue();
  }
  return total;
}

/**
 * Reads a collection by a plan, as a stream of document chunks. `firstChunk` sizes the first storage read: a query
 * that wants few documents (a limit the plan's order serves, a single-document write) reads few first.
 */
export function planChunks(read: ReadFn, info: CollectionInfo, plan: QueryPlan, control: StreamControl, stats: PlanStats, metrics?: ScanMetrics, dedupe = false, firstChunk = FIRST_CHUNK): Chunks {
  switch (plan.kind) {
    case 'collscan':
      // A `$natural` sort or hint reads in insertion order; any other collection scan goes in `_id` order.
      if (plan.natural) return naturalChunks(read, info, plan.direction, control, metrics, stats);
      return idRangeChunks(read, info, plan.direction, null, null, control, stats, metrics, false, firstChunk);
    case 'ids':
      return pointChunks(read, info, plan.keys, control, stats, metrics);
    case 'ixscan':
      if (plan.spec.name === ID_INDEX_NAME) return idSpanChunks(read, info, plan, control, stats, metrics, firstChunk);
      return indexChunks(read, info, plan, control, stats, metrics, dedupe, firstChunk);
    case 'or':
      return orChunks(read, info, plan, control, stats, metrics);
    case 'text':
      return textChunks(read, info, plan, control, stats, metrics);
    case 'geoNear':
      return nearChunks(read, info, plan, control, stats, metrics);
  }
}

/** The branches of an `$or` plan in turn, each document once (a document several branches find, from the first). */
async function* orChunks(read: ReadFn, info: CollectionInfo, plan: OrPlan, control: StreamControl, stats: PlanStats, metrics?: ScanMetrics): Chunks {
  const seen = new Set<string>();
  for (const branch of plan.branches) {
    for await (const chunk of planChunks(read, info, branch, control, stats, metrics, true)) {
      const fresh = chunk.filter((doc) => {
        const id = Buffer.from(idStorageKey(doc._id)).toString('hex');
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
      });
      if (fresh.length > 0) yield fresh;
    }
  }
}

async function* idSpanChunks(read: ReadFn, info: CollectionInfo, plan: IndexPlan, control: StreamControl, stats: PlanStats, metrics: ScanMetrics | undefined, firstChunk: number): Chunks {
  for (const span of plan.spans) yield* idRangeChunks(read, info, plan.direction, span.start, span.end, control, stats, metrics, true, firstChunk);
}

/** Options of a planned read. */
export interface PlannedReadOptions {
  metrics?: ScanMetrics;
  /** skip + limit of a query that stops there: read no more than that first, when the plan's order serves the query. */
  wanted?: number;
  /** Where the plan's counters go (a command's operation, for currentOp and the profiler); a fresh pair when absent. */
  stats?: PlanStats;
  /** Told the plan chosen for a collection (not for a view), before anything is read. */
  onPlan?: (info: Readonly<CollectionInfo>, choice: PlanChoice) => void;
  /** Where the collection's catalog entry comes from: the engine's cache (see CatalogCache), else a storage read. */
  collectionInfo?: (reader: StorageReader, db: string, name: string) => Promise<Readonly<CollectionInfo> | null>;
  /** How a view's pipeline reads other collections ($lookup in a view); see foreign_reader.ts. */
  foreign?: ForeignReader;
}

/**
 * Plans and starts reading the documents of a collection (or view) a query asks for: the plan is chosen now, the
 * documents are read as the stream is pulled. A view's documents come from its pipeline over a scan of its source.
 */
export async function plannedRead(read: ReadFn, db: string, coll: string, request: PlanRequest, control: StreamControl, options: PlannedReadOptions): Promise<PlannedRead> {
  const stats: PlanStats = options.stats ?? { keysExamined: 0, docsExamined: 0 };
  const resolved = await read(async (reader) => {
    const info = await (options.collectionInfo ?? getCollectionInfo)(reader, db, coll);
    if (!info || isView(info)) return { info, choice: null };
    return { info, choice: await choosePlan(reader, info, request) };
  });
  const { info, choice } = resolved;
  if (!info) {
    if (hasTextPredicate(request.filter)) throw mongoError('IndexNotFound', `text index required for $text query (no such collection '${db}.${coll}')`);
    return { chunks: noChunks(), choice: null, stats, info: null };
  }
  if (isView(info)) {
    // The view's pipeline runs first: the query's `$text` would not be in the first stage.
    if (hasTextPredicate(request.filter)) throw new MongoServerError(17313, '$match with $text is only allowed as the first pipeline stage');
    const base = await plannedRead(read, db, info.options.viewOn as string, { filter: {}, collation: request.collation }, control, options);
    const chunks = compilePipeline((info.options.pipeline as Document[]) ?? [], { collation: request.collation }).stream(base.chunks, control, options.foreign);
    return { chunks, choice: null, stats: base.stats, info };
  }
  const plan = choice!.plan;
  options.onPlan?.(info, choice!);
  const ordered = !request.sort || Object.keys(request.sort).length === 0 || naturalSortDirection(request.sort) !== null || (plan.kind === 'ixscan' && plan.providesSort);
  const first = options.wanted !== undefined && options.wanted > 0 && ordered ? Math.min(FIRST_CHUNK, options.wanted) : FIRST_CHUNK;
  return { chunks: planChunks(read, info, plan, control, stats, options.metrics, false, first), choice, stats, info };
}
