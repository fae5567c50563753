/**
 * The chunked, lazy scan both engines build their scans from (see `ScanOptions`), and `toArray` for the callers that
 * want a whole (small) result at once.
 */
import { asBuffer, checkLimit } from './contract.js';
import type { IndexEntry, IndexPosition, KeyRange, ScanOptions } from './types.js';

/**
 * Rows per storage read when a scan's caller does not say. In-process engines pay only a re-seek per chunk; the
 * value bounds the memory a scan holds at once.
 */
export const DEFAULT_CHUNK_ROWS = 1024;

/** Every row of a scan, in order. */
export async function toArray<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

/**
 * A scan read chunk by chunk: `fetch(after, rows)` returns at most `rows` rows past the resume point `after` (at
 * first the caller's `options.after` as `after()` reads it, then the position of the last row handed out), and the next chunk is fetched
 * only once the caller has taken every row of the current one. A chunk shorter than asked ends the scan. `fetch`
 * runs synchronously where it can, so a chunk costs one await however many rows it holds. Nothing is checked or
 * read before the caller asks for the first row: a bad option rejects there.
 */
export async function* chunkedScan<T, P>(
  options: ScanOptions,
  after: () => P | undefined,
  positionOf: (row: T) => P,
  fetch: (after: P | undefined, rows: number) => T[] | Promise<T[]>,
): AsyncGenerator<T, void, undefined> {
  let remaining = options.limit === undefined ? Infinity : checkLimit(options.limit);
  const chunkRows = options.chunkRows === undefined ? DEFAULT_CHUNK_ROWS : checkChunkRows(options.chunkRows);
  let resume = after();
  while (remaining > 0) {
    const asked = Math.min(chunkRows, remaining);
    const rows = await fetch(resume, asked);
    for (const row of rows) yield row;
    if (rows.length < asked) return;
    remaining -= rows.length;
    resume = positionOf(rows[rows.length - 1]!);
  }
}

function checkChunkRows(rows: number): number {
  if (!Number.isSafeInteger(rows) || rows < 1) throw new RangeError(`chunkRows must be a positive integer, got ${String(rows)}`);
  return rows;
}

/**
 * `range` narrowed to the keys past `after` in the scan's direction (the tighter bound wins when the range already
 * has one on that side).
 */
export function keyRangeAfter(range: KeyRange | undefined, after: Uint8Array | undefined): KeyRange {
  if (after === undefined) return range ?? {};
  const key = asBuffer(after);
  if (range?.reverse) {
    const lt = range.lt !== undefined && Buffer.compare(asBuffer(range.lt), key) < 0 ? range.lt : key;
    return { ...range, lt };
  }
  const gt = range?.gt !== undefined && Buffer.compare(asBuffer(range.gt), key) > 0 ? range.gt : key;
  return { ...range, gt };
}

/** `after` as a document key, or a `RangeError` for the wrong kind of position. */
export function keyAfter(after: ScanOptions['after']): Uint8Array | undefined {
  if (after === undefined || after instanceof Uint8Array) return after;
  throw new RangeError('a document scan resumes after a document key');
}

/** `after` as an index position, or a `RangeError` for the wrong kind of position. */
export function indexPositionAfter(after: ScanOptions['after']): { key: Uint8Array; recordKey: Uint8Array } | undefined {
  if (after === undefined) return undefined;
  if (typeof after === 'object' && !(after instanceof Uint8Array) && after.key instanceof Uint8Array && after.recordKey instanceof Uint8Array) return after;
  throw new RangeError('an index scan resumes after an index position {key, recordKey}');
}

/** `after` as a natural position, or a `RangeError` for anything but an integer. */
export function naturalAfter(after: ScanOptions['after']): number | undefined {
  if (after === undefined) return undefined;
  if (typeof after === 'number' && Number.isSafeInteger(after)) return after;
  throw new RangeError(`natural position must be an integer, got ${String(after)}`);
}

/**
 * One chunk of `scanIndexDocuments` from an index read and a document lookup: up to `rows` entries past `after`
 * joined to their documents. An entry whose document is gone is skipped and the chunk refilled from the index, so a
 * chunk shorter than asked still means the index is exhausted.
 */
export function indexDocumentsChunk(
  after: IndexPosition | undefined,
  rows: number,
  readEntries: (after: IndexPosition | undefined, rows: number) => IndexEntry[],
  readDocuments: (keys: Uint8Array[]) => (Uint8Array | null)[],
): (IndexEntry & { doc: Uint8Array })[] {
  const out: (IndexEntry & { doc: Uint8Array })[] = [];
  let from = after;
  while (out.length < rows) {
    const want = rows - out.length;
    const entries = readEntries(from, want);
    const docs = readDocuments(entries.map((e) => e.recordKey));
    for (let i = 0; i < entries.length; i++) {
      const doc = docs[i];
      if (doc) out.push({ key: entries[i]!.key, recordKey: entries[i]!.recordKey, doc });
    }
    if (entries.length < want) break;
    from = entries[entries.length - 1]!;
  }
  return out;
}
