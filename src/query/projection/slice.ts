import { bsonTypeOf, getField, isDocument, isNumeric, setField, toNumber, type Document } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';

/** A find() `$slice` (https://www.mongodb.com/docs/manual/reference/operator/projection/slice/). */
export interface FindSlice {
  /** Elements to skip first (negative counts from the end); null for the one-number form. */
  readonly skip: number | null;
  /** With `skip` null: keep the first n (negative: the last n). With a skip: how many to keep (positive). */
  readonly limit: number;
}

/** mongod's BSONElement::numberInt: truncation toward zero into int32. */
function numberInt(v: unknown): number {
  const n = Math.trunc(toNumber(v));
  if (Number.isNaN(n)) return 0;
  return Math.max(-2147483648, Math.min(2147483647, n));
}

/**
 * Parses the find syntax: `{$slice: n}` or `{$slice: [skip, limit]}`. Errors: 31272 (array not of two elements),
 * 31257/31258 (not numbers), 31259 (limit not positive), 31273 (anything else).
 */
export function parseFindSlice(arg: unknown): FindSlice {
  if (isNumeric(arg)) return { skip: null, limit: numberInt(arg) };
  if (Array.isArray(arg)) {
    if (arg.length !== 2) throw new MongoServerError(31272, '$slice array argument should be of form [skip, limit]');
    const [skip, limit] = arg;
    if (!isNumeric(skip)) {
      throw new MongoServerError(31257, `$slice expects the skip argument to be a number, got ${bsonTypeOf(skip)}`);
    }
    if (!isNumeric(limit)) {
      throw new MongoServerError(31258, `$slice expects the limit argument to be a number, got ${bsonTypeOf(limit)}`);
    }
    if (numberInt(limit) <= 0) throw new MongoServerError(31259, `$slice limit must be positive, got ${numberInt(limit)}`);
    return { skip: numberInt(skip), limit: numberInt(limit) };
  }
  throw new MongoServerError(31273, '$slice only supports numbers and [skip, limit] arrays');
}

function sliceArray(array: readonly unknown[], slice: FindSlice): unknown[] {
  const n = array.length;
  if (slice.skip === null) {
    return slice.limit >= 0 ? array.slice(0, slice.limit) : array.slice(Math.max(0, n + slice.limit));
  }
  const start = slice.skip >= 0 ? Math.min(slice.skip, n) : Math.max(0, n + slice.skip);
  return array.slice(start, start + slice.limit);
}

/** Slices the array at `path`; through arrays of documents the slice applies to each document's field. */
function sliceValue(value: unknown, path: readonly string[], i: number, slice: FindSlice): unknown {
  if (i === path.length) return Array.isArray(value) ? sliceArray(value, slice) : value;
  if (Array.isArray(value)) return value.map((e) => (isDocument(e) ? sliceIn(e, path, i, slice) : e));
  if (isDocument(value)) return sliceIn(value, path, i, slice);
  return value;
}

function sliceIn(doc: Document, path: readonly string[], i: number, slice: FindSlice): Document {
  const v = getField(doc, path[i]!);
  if (v === undefined && !Object.prototype.hasOwnProperty.call(doc, path[i]!)) return doc;
  setField(doc, path[i]!, sliceValue(v, path, i + 1, slice));
  return doc;
}

/** Applies the slice in place to the projected document `out` (already a copy). */
export function applyFindSlice(out: Document, path: readonly string[], slice: FindSlice): void {
  sliceIn(out, path, 0, slice);
}
