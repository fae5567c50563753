import { isDocument, type Collation, type Document } from '../bson/index.js';
import { compilePipeline, type Chunks, type StreamControl } from '../query/pipeline/index.js';
import type { StorageReader } from '../storage/types.js';
import { getCollectionInfo, isView, type CollectionInfo } from './catalog.js';
import { decodeStoredDocument, idStorageKey } from './documents.js';

/** Runs `fn` in a storage read: `engine.read` between commands, or a write transaction's own reader. */
export type ReadFn = <T>(fn: (reader: StorageReader) => Promise<T>) => Promise<T>;

/** serverStatus' `metrics.queryExecutor`: how many documents scans read (mongod's `scannedObjects`). */
export interface ScanMetrics {
  scannedObjects: number;
}

/**
 * The first scan chunk is small, so a `limit(1)` or a first batch reads little; later ones grow, so a long scan makes
 * few storage calls. Each chunk is its own storage read: writers run between them.
 */
const FIRST_SCAN_CHUNK = 64;
const MAX_SCAN_CHUNK = 2048;
/** Point lookups per storage read, for an `_id` `$in` of many values. */
const LOOKUPS_PER_READ = 1024;

/** True when `v` is a plain `_id` value usable for a point lookup (not an operator document or regex). */
function isPointValue(v: unknown): boolean {
  if (v === undefined || v instanceof RegExp || Array.isArray(v)) return false;
  if (isDocument(v)) return !Object.keys(v).some((k) => k.startsWith('$'));
  return true;
}

/** The `_id` values a filter pins (a value, `$eq` or `$in` of values), or null when it does not. */
export function pinnedIds(filter: Document): unknown[] | null {
  const id = filter._id;
  if (id === undefined) return null;
  if (isPointValue(id)) return [id];
  if (isDocument(id) && Object.keys(id).length === 1) {
    if ('$eq' in id && isPointValue(id.$eq)) return [id.$eq];
    if ('$in' in id && Array.isArray(id.$in) && id.$in.every(isPointValue)) return id.$in;
  }
  return null;
}

/** The distinct storage keys of `ids`, in key order. */
export function pointKeys(ids: readonly unknown[]): Uint8Array[] {
  const seen = new Set<string>();
  const keys: Uint8Array[] = [];
  for (const key of ids.map(idStorageKey).sort((a, b) => Buffer.compare(a, b))) {
    const hex = Buffer.from(key).toString('hex');
    if (seen.has(hex)) continue;
    seen.add(hex);
    keys.push(key);
  }
  return keys;
}

/** The documents stored under `keys` (in that order; absent ones skipped). */
export async function readPoints(reader: StorageReader, info: CollectionInfo, keys: readonly Uint8Array[]): Promise<Document[]> {
  const out: Document[] = [];
  for (const key of keys) {
    const bytes = await reader.getDocument(info.uuid, key);
    if (bytes) out.push(decodeStoredDocument(bytes));
  }
  return out;
}

async function* pointChunks(read: ReadFn, info: CollectionInfo, keys: Uint8Array[], control: StreamControl, metrics?: ScanMetrics): Chunks {
  for (let i = 0; i < keys.length; i += LOOKUPS_PER_READ) {
    const slice = keys.slice(i, i + LOOKUPS_PER_READ);
    const docs = await read((reader) => readPoints(reader, info, slice));
    if (metrics) metrics.scannedObjects += docs.length;
    yield docs;
    await control.yieldIfDue();
  }
}

async function* scanChunks(read: ReadFn, info: CollectionInfo, control: StreamControl, metrics?: ScanMetrics): Chunks {
  let after: Uint8Array | undefined;
  let size = FIRST_SCAN_CHUNK;
  for (;;) {
    const limit = size;
    const from = after;
    const rows = await read((reader) => reader.scanDocuments(info.uuid, from ? { gt: from, limit } : { limit }));
    if (rows.length === 0) return;
    if (metrics) metrics.scannedObjects += rows.length;
    yield rows.map((row) => decodeStoredDocument(row.doc));
    if (rows.length < limit) return;
    after = rows[rows.length - 1]!.key;
    size = Math.min(size * 2, MAX_SCAN_CHUNK);
    await control.yieldIfDue();
  }
}

async function* noChunks(): Chunks {
  // an absent collection has no documents
}

/**
 * The documents of a collection or view that a filter could match, as a stream: point lookups when the filter pins
 * `_id`, else a scan in `_id` order, chunk by chunk; a view's documents come from its pipeline over its source. The
 * caller still applies the full filter. The collection is resolved now (so a missing one is known at once); its
 * documents are read as the stream is pulled.
 */
export async function candidateChunks(
  read: ReadFn,
  db: string,
  coll: string,
  filter: Document,
  collation: Collation | null,
  control: StreamControl,
  metrics?: ScanMetrics,
): Promise<Chunks> {
  const info = await read((reader) => getCollectionInfo(reader, db, coll));
  if (!info) return noChunks();
  if (isView(info)) {
    const base = await candidateChunks(read, db, info.options.viewOn as string, {}, collation, control, metrics);
    return compilePipeline((info.options.pipeline as Document[]) ?? [], { collation }).stream(base, control);
  }
  const ids = pinnedIds(filter);
  if (ids) return pointChunks(read, info, pointKeys(ids), control, metrics);
  return scanChunks(read, info, control, metrics);
}
