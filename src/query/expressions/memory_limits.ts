import { mongoError, MongoServerError } from '../../errors/index.js';

/**
 * The memory limits on values that expressions and accumulators build, in one place. A small input can ask for a
 * huge value (`{$range: [0, 1e9]}`, a `$reduce` that doubles a string), and one such request must answer an
 * error instead of taking the process down. Where mongod has a server parameter, the constant has its name and
 * default; the others are eddydb's own guards, sized like mongod's.
 */

const MiB = 1024 * 1024;

/** mongod's internalQueryMaxRangeBytes: the most memory one `$range` result may need. */
export const internalQueryMaxRangeBytes = 100 * MiB;

/** mongod's internalQueryMaxPushBytes: the most memory one `$push` accumulator may hold. */
export const internalQueryMaxPushBytes = 100 * MiB;

/** mongod's internalQueryMaxAddToSetBytes: the most memory one `$addToSet` accumulator may hold. */
export const internalQueryMaxAddToSetBytes = 100 * MiB;

/** mongod's internalQueryTopNAccumulatorBytes: the most memory one $topN, $firstN, $minN, ... may hold. */
export const internalQueryTopNAccumulatorBytes = 100 * MiB;

/** mongod's internalQueryMaxPercentileAccumulatorBytes: the most memory one `$percentile` or `$median` may hold. */
export const internalQueryMaxPercentileAccumulatorBytes = 100 * MiB;

/** mongod's internalQueryMaxMapFilterReduceBytes: the most memory a `$map` result or `$reduce` value may need. */
export const internalQueryMaxMapFilterReduceBytes = 100 * MiB;

/**
 * mongod's BufferMaxSize: no string builder grows past 125 MiB (error 13548). `$concat`, `$replaceAll` and the
 * other operators that build a string from pieces stop there.
 */
export const BUF_BUILDER_MAX_SIZE = 125 * MiB;

/**
 * eddydb's guard for the operators mongod builds without a limit of their own (`$concatArrays`, `$zip`,
 * `$split`): their results can double at each nesting level, so they get the same 100 MiB as `$range`.
 */
export const MAX_EXPRESSION_VALUE_BYTES = 100 * MiB;

/**
 * What one value held in memory counts for, the way mongod's `Value::getApproximateSize()` counts it: 16 bytes
 * for the value itself, plus the characters of a string or bytes of binary data, plus the elements of an array
 * and the fields of a document. An array or document of REMEMBERED_FROM_BYTES or more is measured once: its size
 * is remembered (results are never changed in place once built), so measuring a value that grows step by step, or
 * one shared by reference many times, costs only the new part. Smaller ones are walked again, which costs no more
 * than remembering them would.
 */
export function approximateSize(v: unknown): number {
  if (typeof v === 'string') return VALUE_BYTES + v.length;
  if (v === null || typeof v !== 'object') return VALUE_BYTES;
  if (Array.isArray(v)) {
    const known = sizes.get(v);
    if (known !== undefined) return known;
    let size = VALUE_BYTES + ARRAY_BYTES;
    for (let i = 0; i < v.length; i++) size += approximateSize(v[i]);
    if (size >= REMEMBERED_FROM_BYTES) sizes.set(v, size);
    return size;
  }
  // The BSON value classes first: they are the common case inside documents, and need no lookup.
  const bsontype = (v as { _bsontype?: unknown })._bsontype;
  if (bsontype === 'Binary') return VALUE_BYTES + ((v as { position?: number }).position ?? 0);
  if (bsontype !== undefined && bsontype !== 'DBRef') return VALUE_BYTES;
  if (ArrayBuffer.isView(v)) return VALUE_BYTES + v.byteLength;
  if (v instanceof Date || v instanceof RegExp) return VALUE_BYTES;
  const known = sizes.get(v);
  if (known !== undefined) return known;
  let size = VALUE_BYTES + DOCUMENT_BYTES;
  // for-in rather than Object.keys: no array of names to allocate for every document measured.
  for (const key in v) size += key.length + approximateSize((v as Record<string, unknown>)[key]);
  if (size >= REMEMBERED_FROM_BYTES) sizes.set(v, size);
  return size;
}

/** Records the size of an array or document just built from parts whose sizes are known. */
export function rememberSize(v: object, size: number): void {
  if (size >= REMEMBERED_FROM_BYTES) sizes.set(v, size);
}

/**
 * The smallest value whose size is remembered. Every measure adds to a total held under a limit, so walking the
 * small ones again costs at most the limit's worth of small values per total.
 */
const REMEMBERED_FROM_BYTES = 4096;
const VALUE_BYTES = 16;
const ARRAY_BYTES = 24;
const DOCUMENT_BYTES = 64;
const sizes = new WeakMap<object, number>();

/**
 * Throws mongod's error for a string that no string builder may hold: one past BufferMaxSize (13548). Cheap far
 * from the limit: a string has between 1 and 3 UTF-8 bytes per UTF-16 unit, so only a string near the limit is
 * encoded to count its bytes.
 */
export function checkStringBuilderSize(s: string): void {
  if (s.length * 3 <= BUF_BUILDER_MAX_SIZE) return;
  const bytes = s.length > BUF_BUILDER_MAX_SIZE ? s.length : Buffer.byteLength(s, 'utf8');
  if (bytes > BUF_BUILDER_MAX_SIZE) throw bufBuilderTooLarge(bytes);
}

/** mongod's 13548, for a string of `bytes` that no string builder may hold. */
export function bufBuilderTooLarge(bytes: number): MongoServerError {
  return new MongoServerError(13548, `BufBuilder attempted to grow() to ${bytes} bytes, past the 125MB limit.`);
}

/** ExceededMemoryLimit (146) for an operator whose result would pass its limit, worded as mongod words `$range`'s. */
export function valueTooLarge(op: string, bytes: number, limit: number): MongoServerError {
  return mongoError('ExceededMemoryLimit', `${op} would use too much memory (${bytes} bytes) and cannot spill to disk. Memory limit: ${limit} bytes`);
}
