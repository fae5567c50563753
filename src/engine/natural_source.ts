import type { Document } from '../bson/types.js';
import { mongoError } from '../errors/index.js';
import type { Chunks, StreamControl } from '../query/pipeline/index.js';
import type { NaturalDocument, StorageReader } from '../storage/types.js';
import type { CollectionInfo } from './catalog.js';
import { decodeStoredDocument } from './documents.js';
import type { ReadFn, ScanMetrics } from './document_source.js';
import { toArray } from '../storage/scan.js';

/** As the `_id` scan's chunks (document_source.ts): small first, so a `limit(1)` reads little, then growing. */
const FIRST_NATURAL_CHUNK = 64;
const MAX_NATURAL_CHUNK = 2048;

/** Where a natural-order scan stands: the last document it read (MongoDB's last seen record id). */
export interface NaturalPosition {
  position: number;
  key: Uint8Array;
}

export function isCapped(info: CollectionInfo): boolean {
  return info.options.capped === true;
}

/** mongod's error when the document a scan of a capped collection stood on was deleted (by the capping) meanwhile. */
export function cappedPositionLost(position: number) {
  return mongoError('CappedPositionLost', `CollectionScan died due to position in capped collection being deleted. Last seen record id: RecordId(${position})`);
}

/**
 * Up to `limit` documents after `from` in `direction` (from the start without `from`). In a capped collection the
 * document at `from` must still be there, as mongod's collection scan requires when it resumes: the capping may
 * have deleted it, and what followed it with it, so the scan cannot tell what it missed (CappedPositionLost, 136).
 * Elsewhere a scan simply resumes after the position.
 */
export async function readNaturalAfter(
  reader: StorageReader,
  info: CollectionInfo,
  direction: 1 | -1,
  from: NaturalPosition | null,
  limit: number,
): Promise<NaturalDocument[]> {
  const reverse = direction === -1;
  const scan = { coll: info.uuid, range: { reverse }, ...(Number.isSafeInteger(limit) ? { chunkRows: limit + 1 } : {}) };
  if (!from) return toArray(reader.scanNatural({ ...scan, limit }));
  if (!isCapped(info)) return toArray(reader.scanNatural({ ...scan, after: from.position, limit }));
  // The row at `from` itself comes first when it is still there: one read checks it and reads on.
  const rows = await toArray(reader.scanNatural({ ...scan, after: from.position + (reverse ? 1 : -1), limit: limit + 1 }));
  const first = rows[0];
  if (!first || first.position !== from.position || Buffer.compare(Buffer.from(first.key), Buffer.from(from.key)) !== 0) {
    throw cappedPositionLost(from.position);
  }
  return rows.slice(1);
}

/** The position of the last of `rows`, or `from` when there are none. */
export function lastPosition(rows: readonly NaturalDocument[], from: NaturalPosition | null): NaturalPosition | null {
  const last = rows[rows.length - 1];
  return last ? { position: last.position, key: last.key } : from;
}

/**
 * A collection's documents in natural order (insertion order, MongoDB's `$natural`), forward or backward, chunk by
 * chunk: each chunk is its own storage read, resumed after the last document of the one before, so writers run
 * between chunks, documents inserted meanwhile are met by a forward scan, and an update never moves a document.
 * The caller applies the filter.
 */
export async function* naturalChunks(
  read: ReadFn,
  info: CollectionInfo,
  direction: 1 | -1,
  control: StreamControl,
  metrics?: ScanMetrics,
  /** The plan's counters (explain's `docsExamined`), when a planner runs the scan. */
  stats?: { docsExamined: number },
): Chunks {
  let from: NaturalPosition | null = null;
  let size = FIRST_NATURAL_CHUNK;
  for (;;) {
    const limit = size;
    const after = from;
    const rows = await read((reader) => readNaturalAfter(reader, info, direction, after, limit));
    if (rows.length === 0) return;
    if (metrics) metrics.scannedObjects += rows.length;
    if (stats) stats.docsExamined += rows.length;
    yield rows.map((row): Document => decodeStoredDocument(row.doc));
    if (rows.length < limit) return;
    from = lastPosition(rows, from);
    size = Math.min(size * 2, MAX_NATURAL_CHUNK);
    await control.yieldIfDue();
  }
}
