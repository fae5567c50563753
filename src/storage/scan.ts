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

/**
 * Every row of a scan, in order. A scan built by `chunkedScan` is read a chunk at a time, without an await per row:
 * the way for a caller that wants a bounded scan whole.
 */
export async function toArray<T>(rows: AsyncIterable<T>): Promise<T[]> {
  if (rows instanceof ChunkedScan) {
    const out: T[] = [];
    for (let chunk = await rows.nextChunk(); chunk !== null; chunk = await rows.nextChunk()) {
      for (const row of chunk as T[]) out.push(row);
    }
    return out;
  }
  const out: T[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

/**
 * A scan read chunk by chunk: `fetch(after, rows)` returns at most `rows` rows past the resume point `after` (at
 * first the caller's `options.after` as `after()` reads it, then the position of the last row handed out), and the
 * next chunk is fetched only once the caller has taken every row of the current one. A chunk shorter than asked
 * ends the scan. Nothing is checked or read before the caller asks for the first row: a bad option rejects there.
 * Like a generator, the scan is iterated once.
 */
export function chunkedScan<T, P>(
  options: ScanOptions,
  after: () => P | undefined,
  positionOf: (row: T) => P,
  fetch: (after: P | undefined, rows: number) => T[] | Promise<T[]>,
): AsyncIterable<T> {
  return new ChunkedScan(options, after, positionOf, fetch);
}

class ChunkedScan<T, P> implements AsyncIterable<T> {
  private started = false;
  private done = false;
  private remaining = 0;
  private chunkRows = 0;
  private resume: P | undefined;

  constructor(
    private readonly options: ScanOptions,
    private readonly after: () => P | undefined,
    private readonly positionOf: (row: T) => P,
    private readonly fetch: (after: P | undefined, rows: number) => T[] | Promise<T[]>,
  ) {}

  /** The next chunk's rows, or null once the scan is over. */
  async nextChunk(): Promise<T[] | null> {
    if (!this.started) {
      this.started = true;
      this.remaining = this.options.limit === undefined ? Infinity : checkLimit(this.options.limit);
      this.chunkRows = this.options.chunkRows === undefined ? DEFAULT_CHUNK_ROWS : checkChunkRows(this.options.chunkRows);
      this.resume = this.after();
    }
    if (this.done || this.remaining <= 0) return null;
    const asked = Math.min(this.chunkRows, this.remaining);
    const rows = await this.fetch(this.resume, asked);
    if (rows.length < asked) this.done = true;
    this.remaining -= rows.length;
    if (rows.length > 0) this.resume = this.positionOf(rows[rows.length - 1]!);
    return rows.length > 0 ? rows : null;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (let chunk = await this.nextChunk(); chunk !== null; chunk = await this.nextChunk()) yield* chunk;
  }
}

function checkChunkRows(rows: number): number {
  if (!Number.isSafeInteger(rows) || rows < 1) throw new RangeError(`chunkRows must be a positive integer, got ${String(rows)}`);
  return rows;
}

/**
 * `range` narrowed to the keys past `after` in the scan's direction, with a single bound on that side (the tightest
 * of the range's and `after`): SQLite seeks on one bound and filters by the others, so two lower bounds would make
 * every resumed chunk walk from the start of the range again.
 */
export function keyRangeAfter(range: KeyRange | undefined, after: Uint8Array | undefined): KeyRange {
  if (after === undefined) return range ?? {};
  const key = asBuffer(after);
  const { gte, gt, lte, lt, reverse } = range ?? {};
  // The tighter of two bounds on one side: the further in, and of equal ones the exclusive one.
  const tighter = (a: { at: Uint8Array; open: boolean } | null, b: { at: Uint8Array; open: boolean }, sign: 1 | -1) => {
    if (a === null) return b;
    const c = Buffer.compare(asBuffer(a.at), asBuffer(b.at)) * sign;
    return c > 0 || (c === 0 && a.open) ? a : b;
  };
  if (reverse) {
    let upper = tighter(lte !== undefined ? { at: lte, open: false } : null, { at: key, open: true }, -1);
    if (lt !== undefined) upper = tighter(upper, { at: lt, open: true }, -1);
    return { ...(gte !== undefined ? { gte } : {}), ...(gt !== undefined ? { gt } : {}), ...(upper.open ? { lt: upper.at } : { lte: upper.at }), reverse: true };
  }
  let lower = tighter(gte !== undefined ? { at: gte, open: false } : null, { at: key, open: true }, 1);
  if (gt !== undefined) lower = tighter(lower, { at: gt, open: true }, 1);
  return { ...(lower.open ? { gt: lower.at } : { gte: lower.at }), ...(lte !== undefined ? { lte } : {}), ...(lt !== undefined ? { lt } : {}) };
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
