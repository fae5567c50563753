import { isDocument, type Document } from '../bson/index.js';
import type { StorageReader } from '../storage/types.js';
import type { CollectionInfo } from './catalog.js';
import { decodeStoredDocument, idStorageKey } from './documents.js';

/** Runs `fn` in a storage read: `engine.read` between commands, or a write transaction's own reader. */
export type ReadFn = <T>(fn: (reader: StorageReader) => Promise<T>) => Promise<T>;

/** serverStatus' `metrics.queryExecutor`: how many documents scans read (mongod's `scannedObjects`). */
export interface ScanMetrics {
  scannedObjects: number;
}

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
  for (const bytes of await reader.getDocuments({ coll: info.uuid, keys })) if (bytes) out.push(decodeStoredDocument(bytes));
  return out;
}
