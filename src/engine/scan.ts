import type { Document } from '../bson/types.js';
import type { StorageReader } from '../storage/types.js';
import type { CollectionInfo } from './catalog.js';
import { decodeStoredDocument } from './documents.js';
import { pinnedIds, pointKeys } from './document_source.js';

export interface ScannedDocument {
  key: Uint8Array;
  doc: Document;
}

/**
 * The documents a filter could match, in `_id` order, read whole through one reader (a write's candidates): a point
 * lookup when the filter pins `_id` to a value (or an `$eq`/`$in` of values), else every document. The caller still
 * applies the full filter.
 */
export async function candidateDocuments(reader: StorageReader, info: CollectionInfo, filter: Document): Promise<ScannedDocument[]> {
  const ids = pinnedIds(filter);
  if (ids) {
    const out: ScannedDocument[] = [];
    for (const key of pointKeys(ids)) {
      const bytes = await reader.getDocument(info.uuid, key);
      if (bytes) out.push({ key, doc: decodeStoredDocument(bytes) });
    }
    return out;
  }
  const rows = await reader.scanDocuments(info.uuid);
  return rows.map((row) => ({ key: row.key, doc: decodeStoredDocument(row.doc) }));
}
