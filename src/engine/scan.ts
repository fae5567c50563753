import type { Document } from '../bson/types.js';
import type { StorageReader } from '../storage/types.js';
import type { CollectionInfo } from './catalog.js';
import { decodeStoredDocument } from './documents.js';
import { pinnedIds, pointKeys } from './document_source.js';
import { backgroundOperation } from './operation.js';

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

/** Documents per storage call when a write scans its candidates. */
const WRITE_SCAN_CHUNK = 1024;

/**
 * {@link candidateDocuments} in chunks, read as the caller asks for them: an `updateOne` or `deleteOne` stops at
 * its first match instead of decoding the whole collection, and a multi-document write holds one chunk at a time.
 * The scan moves past the last key it returned, so documents the caller rewrites on the way are not met again.
 * Between chunks it lets the event loop run (inside the write: other clients' pings and heartbeats are answered while
 * their storage work waits in the queue).
 */
export async function* candidateChunksFor(reader: StorageReader, info: CollectionInfo, filter: Document): AsyncGenerator<ScannedDocument[]> {
  if (pinnedIds(filter)) {
    yield await candidateDocuments(reader, info, filter);
    return;
  }
  let after: Uint8Array | undefined;
  const pacer = backgroundOperation('write scan');
  for (;;) {
    if (after) await pacer.yieldIfDue();
    const from = after;
    const rows = await reader.scanDocuments(info.uuid, from ? { gt: from, limit: WRITE_SCAN_CHUNK } : { limit: WRITE_SCAN_CHUNK });
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!.key;
    yield rows.map((row) => ({ key: row.key, doc: decodeStoredDocument(row.doc) }));
    if (rows.length < WRITE_SCAN_CHUNK) return;
  }
}
