import { compareValues, isDocument, isNumeric, toNumber, type Collation, type Document } from '../bson/index.js';
import { MongoServerError, mongoError } from '../errors/index.js';
import { validateFieldPath } from './expressions/index.js';
import { elementToString } from '../bson/index.js';
import { textScoreOf } from './text/index.js';

/**
 * find()'s sort (https://www.mongodb.com/docs/manual/reference/method/cursor.sort/) with mongod's sort-key rules:
 * a path that reaches arrays yields every value along it (as index keys do), an ascending sort uses the smallest
 * of them and a descending sort the largest; a missing field (or a non-document in the way) is null; an empty
 * array sorts below null; values compare in MongoDB's total order under the collation.
 */

/** A comparator over documents: negative when `a` sorts first. */
export type SortComparator = (a: Document, b: Document) => number;

interface SortField {
  readonly path: readonly string[];
  readonly direction: 1 | -1;
  /** `{$meta: 'textScore'}`: the document's text score, highest first. */
  readonly textScore?: boolean;
}

/** Options of {@link compileSortKeys}. */
export interface SortOptions {
  /** The documents carry text scores (a `$text` query's): `{$meta: 'textScore'}` may sort them. */
  textScore?: boolean;
}

/** Parsing of the sort pattern (mongod's SortPattern): numbers 1/-1, or `{$meta: ...}`. */
function parseSortSpec(spec: Document, options: SortOptions): SortField[] {
  if (!isDocument(spec)) throw mongoError('TypeMismatch', 'Expected field sort to be of type object');
  const fields: SortField[] = [];
  for (const [name, value] of Object.entries(spec)) {
    if (isDocument(value)) {
      const keys = Object.keys(value);
      if (keys[0] !== '$meta') throw new MongoServerError(17312, '$meta is the only expression supported by $sort right now');
      if (keys.length !== 1) throw mongoError('FailedToParse', 'Cannot have additional keys in a $meta sort specification');
      const meta = value.$meta;
      if (meta === 'textScore') {
        if (!options.textScore) throw new MongoServerError(40218, 'query requires text score metadata, but it is not available');
        fields.push({ path: [], direction: -1, textScore: true });
        continue;
      }
      if (meta !== 'randVal' && meta !== 'searchScore') {
        throw new MongoServerError(31138, `Illegal $meta sort: ${elementToString('$meta', meta)}`);
      }
      // randVal/searchScore carry no order eddydb can produce: every document ties on this key.
      continue;
    }
    if (!isNumeric(value)) {
      throw new MongoServerError(15974, `Illegal key in $sort specification: ${elementToString(name, value)}`);
    }
    const d = toNumber(value);
    if (d !== 1 && d !== -1) {
      throw new MongoServerError(15975, '$sort key ordering must be 1 (for ascending) or -1 (for descending)');
    }
    fields.push({ path: validateFieldPath(name), direction: d });
  }
  return fields;
}

/** The values a path reaches (index-key style), and the array paths it crossed (for the parallel-arrays check). */
function collectKeys(value: unknown, path: readonly string[], i: number, out: unknown[], arrays: string[]): void {
  if (i === path.length) {
    if (Array.isArray(value)) {
      arrays.push(path.join('.'));
      if (value.length === 0) out.push(undefined);
      else out.push(...value);
    } else {
      out.push(value);
    }
    return;
  }
  if (isDocument(value)) {
    const name = path[i]!;
    if (Object.prototype.hasOwnProperty.call(value, name)) collectKeys(value[name], path, i + 1, out, arrays);
    else out.push(null);
    return;
  }
  if (Array.isArray(value)) {
    arrays.push(path.slice(0, i).join('.'));
    const part = path[i]!;
    if (/^(0|[1-9][0-9]*)$/.test(part)) {
      // A numeric component indexes into the array (`a.0`).
      const idx = Number(part);
      if (idx < value.length) collectKeys(value[idx], path, i + 1, out, arrays);
      else out.push(null);
      return;
    }
    if (value.length === 0) {
      out.push(null);
      return;
    }
    for (const element of value) {
      if (isDocument(element)) collectKeys(element, path, i, out, arrays);
      else out.push(null);
    }
    return;
  }
  out.push(null);
}

function isPrefixPath(a: string, b: string): boolean {
  return a === b || b.startsWith(`${a}.`) || a === '';
}

/**
 * Compiles a sort specification. Throws MongoServerError as mongod: 15974 "Illegal key in $sort specification"
 * for a non-numeric direction, 15975 "$sort key ordering must be 1 (for ascending) or -1 (for descending)",
 * 31138 for an unknown `$meta`, 40218 for `$meta: 'textScore'` (no text search), and FieldPath errors for bad
 * names. The comparator throws BadValue (2) "cannot sort with keys that are parallel arrays" when two sort keys of
 * one document run through different arrays.
 */
export function compileSort(spec: Document, collation?: Collation | null, options: SortOptions = {}): SortComparator {
  const sortKeys = compileSortKeys(spec, collation, options);
  const cache = new WeakMap<Document, unknown[]>();
  const keysOf = (doc: Document): unknown[] => {
    let keys = cache.get(doc);
    if (!keys) {
      keys = sortKeys.keysOf(doc);
      cache.set(doc, keys);
    }
    return keys;
  };
  return (a, b) => sortKeys.compareKeys(keysOf(a), keysOf(b));
}

/** A sort split in two: each document's sort key, computed once, and the order of two keys. */
export interface SortKeys {
  keysOf(doc: Document): unknown[];
  compareKeys(a: unknown[], b: unknown[]): number;
}

/** `items` sorted (stably) by the sort key of each one's document, each key computed once. */
export function sortByKeys<T>(items: readonly T[], sortKeys: SortKeys, docOf: (item: T) => Document): T[] {
  const keyed = items.map((item) => ({ item, keys: sortKeys.keysOf(docOf(item)) }));
  keyed.sort((a, b) => sortKeys.compareKeys(a.keys, b.keys));
  return keyed.map((k) => k.item);
}

/** {@link compileSort} for callers that keep each document's key beside it (a blocking sort of many documents). */
export function compileSortKeys(spec: Document, collation?: Collation | null, options: SortOptions = {}): SortKeys {
  const fields = parseSortSpec(spec, options);
  return {
    keysOf(doc: Document): unknown[] {
      const keys: unknown[] = [];
      const arrayPaths: string[][] = [];
      for (const field of fields) {
        if (field.textScore) {
          keys.push(textScoreOf(doc) ?? null);
          continue;
        }
        const values: unknown[] = [];
        const arrays: string[] = [];
        collectKeys(doc, field.path, 0, values, arrays);
        arrayPaths.push(arrays);
        let best = values[0];
        for (let k = 1; k < values.length; k++) {
          const c = compareValues(values[k], best, collation);
          if (field.direction === 1 ? c < 0 : c > 0) best = values[k];
        }
        keys.push(best);
      }
      checkParallelArrays(arrayPaths);
      return keys;
    },
    compareKeys(ka: unknown[], kb: unknown[]): number {
      for (let i = 0; i < fields.length; i++) {
        const c = compareValues(ka[i], kb[i], collation);
        if (c !== 0) return c * fields[i]!.direction;
      }
      return 0;
    },
  };
}

/** Two sort keys crossing arrays at unrelated paths of the same document: mongod refuses to sort (BadValue). */
function checkParallelArrays(arrayPaths: readonly string[][]): void {
  for (let i = 0; i < arrayPaths.length; i++) {
    for (let j = i + 1; j < arrayPaths.length; j++) {
      for (const p of arrayPaths[i]!) {
        for (const q of arrayPaths[j]!) {
          if (!isPrefixPath(p, q) && !isPrefixPath(q, p)) {
            throw mongoError('BadValue', 'cannot sort with keys that are parallel arrays');
          }
        }
      }
    }
  }
}
