import { isDocument, type Document } from '../bson/types.js';
import type { StorageReader } from '../storage/types.js';
import type { CollectionInfo } from './catalog.js';
import { decodeStoredDocument, idStorageKey } from './documents.js';

export interface ScannedDocument {
  key: Uint8Array;
  doc: Document;
}

/** True when `v` is a plain `_id` value usable for a point lookup (not an operator document or regex). */
function isPointValue(v: unknown): boolean {
  if (v === undefined || v instanceof RegExp || Array.isArray(v)) return false;
  if (isDocument(v)) return !Object.keys(v).some((k) => k.startsWith('$'));
  return true;
}

/**
 * The documents a filter could match, in `_id` order: a point lookup when the filter pins `_id` to a value (or an
 * `$eq`/`$in` of values), else every document. The caller still applies the full filter.
 */
export async function candidateDocuments(reader: StorageReader, info: CollectionInfo, filter: Document): Promise<ScannedDocument[]> {
  const id = filter._id;
  let ids: unknown[] | null = null;
  if (id !== undefined) {
    if (isPointValue(id)) ids = [id];
    else if (isDocument(id) && Object.keys(id).length === 1) {
      if ('$eq' in id && isPointValue(id.$eq)) ids = [id.$eq];
      else if ('$in' in id && Array.isArray(id.$in) && id.$in.every(isPointValue)) ids = id.$in;
    }
  }
  if (ids) {
    const out: ScannedDocument[] = [];
    const seen = new Set<string>();
    const keys = ids.map(idStorageKey).sort((a, b) => Buffer.compare(a, b));
    for (const key of keys) {
      const hex = Buffer.from(key).toString('hex');
      if (seen.has(hex)) continue;
      seen.add(hex);
      const bytes = await reader.getDocument(info.uuid, key);
      if (bytes) out.push({ key, doc: decodeStoredDocument(bytes) });
    }
    return out;
  }
  const rows = await reader.scanDocuments(info.uuid);
  return rows.map((row) => ({ key: row.key, doc: decodeStoredDocument(row.doc) }));
}
