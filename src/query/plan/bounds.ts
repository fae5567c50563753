import { encodeKey, hashedKeyValue, regexParts, valueToString, type Collation } from '../../bson/index.js';
import { isDocument, type Document } from '../../bson/types.js';

/*
 * Index bounds, as mongod's planner computes them from a filter, on the byte keys of bson/key_encoding.
 *
 * A bound is the bytes of a value's key (or of a type's one-byte tag, standing for every key of that type) and
 * whether it is included. An interval is a pair of bounds in ascending value order. Every bound the planner makes is
 * a superset of what its predicate matches (type bracketing keeps a range within its type, regular expressions and
 * negations give no bounds at all), and the query always re-applies its whole filter to the documents an index scan
 * fetches: bounds only decide what is read, never what matches.
 */

export interface Bound {
  /** A value's whole key, or a type tag (a prefix of every key of that type). */
  bytes: Uint8Array;
  /** Included: for a tag, every key it prefixes. */
  inclusive: boolean;
  /** As explain prints it. */
  shown: string;
  /** explain prints this end open: `shown` is the first value past the bound (mongod's `""` to `{}` for strings). */
  shownOpen?: boolean;
}

export interface Interval {
  low: Bound;
  high: Bound;
  /** Set when the interval is one value: its key. */
  point?: Uint8Array;
  /** With `point`: the value itself (a hashed index stores its hash instead). */
  value?: unknown;
}

/** The smallest byte string above every string `bytes` prefixes; null when there is none (all 0xFF, or empty). */
export function successor(bytes: Uint8Array): Uint8Array | null {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0xff) end--;
  if (end === 0) return null;
  // A copy: `bytes` may be a Buffer, whose slice() shares memory.
  const out = new Uint8Array(bytes.subarray(0, end));
  out[end - 1]! += 1;
  return out;
}

function complement(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = 0xff - bytes[i]!;
  return out;
}

/** Where the keys of an interval start and end (end exclusive, null: no end), in an index field of `direction`. */
export function byteRange(interval: Interval, direction: 1 | -1): { start: Uint8Array; end: Uint8Array | null } {
  if (direction === 1) {
    const { low, high } = interval;
    return {
      start: low.inclusive ? low.bytes : (successor(low.bytes) ?? new Uint8Array([0xff])),
      end: high.inclusive ? successor(high.bytes) : high.bytes,
    };
  }
  // A descending field stores each component's bytes complemented: the high value comes first.
  const high = complement(interval.high.bytes);
  const low = complement(interval.low.bytes);
  return {
    start: interval.high.inclusive ? high : (successor(high) ?? new Uint8Array([0xff])),
    end: interval.low.inclusive ? successor(low) : low,
  };
}

function compareBytes(a: Uint8Array | null, b: Uint8Array | null): number {
  if (a === null) return b === null ? 0 : 1;
  if (b === null) return -1;
  return Buffer.compare(a, b);
}

const startOf = (i: Interval) => byteRange(i, 1).start;
const endOf = (i: Interval) => byteRange(i, 1).end;

const EMPTY = new Uint8Array(0);
const MIN_BOUND: Bound = { bytes: EMPTY, inclusive: true, shown: 'MinKey' };
const MAX_BOUND: Bound = { bytes: EMPTY, inclusive: true, shown: 'MaxKey' };

/** [MinKey, MaxKey]: the whole index field. */
export const ALL_VALUES: Interval = { low: MIN_BOUND, high: MAX_BOUND };

/** Every value but null and undefined: what a field that exists (`$exists: true` in a partial filter) may hold, as keys go. */
export const PRESENT_VALUES: Interval[] = [
  { low: MIN_BOUND, high: { bytes: encodeKey(undefined), inclusive: false, shown: 'undefined' } },
  { low: { bytes: encodeKey(null), inclusive: false, shown: 'null' }, high: MAX_BOUND },
];

/** How explain prints the two ends of a type's range (mongod's strings), by the type's key tag. */
const TYPE_ENDS: Record<number, [string, string]> = {
  0x20: ['-inf.0', 'inf.0'],
  0x28: ['""', '{}'],
  0x30: ['{}', '[]'],
  0x40: ['BinData(0, )', 'ObjectId(\'000000000000000000000000\')'],
  0x48: ["ObjectId('000000000000000000000000')", "ObjectId('ffffffffffffffffffffffff')"],
  0x50: ['false', 'true'],
  0x58: ['new Date(-9223372036854775808)', 'new Date(9223372036854775807)'],
  0x5c: ['Timestamp(0, 0)', 'Timestamp(4294967295, 4294967295)'],
};

/** The types whose printed upper end is the next type's first value. */
const OPEN_ENDS = new Set([0x28, 0x30, 0x40]);

function point(v: unknown): Interval {
  const bytes = encodeKey(v);
  const bound: Bound = { bytes, inclusive: true, shown: valueToString(v) };
  return { low: bound, high: bound, point: bytes, value: v };
}

/** The point of a hashed index field for an equality to `v`: the hash's key. */
export function hashedPoint(v: unknown): Interval {
  const hash = hashedKeyValue(v);
  const bytes = encodeKey(hash);
  const bound: Bound = { bytes, inclusive: true, shown: valueToString(hash) };
  return { low: bound, high: bound, point: bytes, value: hash };
}

const NUMBER_TAG = encodeKey(0)[0]!;
const MINUS_INFINITY = encodeKey(-Infinity);

function typeBound(tag: number, end: 0 | 1): Bound {
  // Numbers start at -Infinity: NaN sorts below it and matches no range, so the bound stays exact.
  if (tag === NUMBER_TAG && end === 0) return { bytes: MINUS_INFINITY, inclusive: true, shown: '-inf.0' };
  const shown = TYPE_ENDS[tag]?.[end] ?? (end === 0 ? 'MinKey' : 'MaxKey');
  // Past the last string is the first object ({}), past the last object the first array ([]), ...: open ends.
  return { bytes: new Uint8Array([tag]), inclusive: true, shown, ...(end === 1 && OPEN_ENDS.has(tag) ? { shownOpen: true } : {}) };
}

/** True when comparing `v` depends on a collation: it is, or holds, a string. */
function holdsString(v: unknown): boolean {
  if (typeof v === 'string') return true;
  if ((v as { _bsontype?: string } | null)?._bsontype === 'BSONSymbol') return true;
  if (Array.isArray(v)) return v.some(holdsString);
  if (isDocument(v)) return Object.values(v).some(holdsString);
  return false;
}

function isRegex(v: unknown): boolean {
  return v instanceof RegExp || (v as { _bsontype?: string } | null)?._bsontype === 'BSONRegExp';
}

/** True for a value an index can look up as one key: not a regular expression, an array or an operator document. */
function isPlainValue(v: unknown): boolean {
  if (v === undefined || v instanceof RegExp || Array.isArray(v)) return false;
  const type = (v as { _bsontype?: string } | null)?._bsontype;
  if (type === 'BSONRegExp' || type === 'MinKey' || type === 'MaxKey') return false;
  return true;
}

/** The intervals of an equality to `v`; null equality also matches undefined and missing fields (indexed as null). */
function equalityIntervals(v: unknown): Interval[] | null {
  if (!isPlainValue(v)) return null;
  if (v === null) return [point(undefined), point(null)];
  return [point(v)];
}

function rangeIntervals(op: string, v: unknown): Interval[] | null {
  if (!isPlainValue(v) || v === null) return null;
  const bytes = encodeKey(v);
  const tag = bytes[0]!;
  const bound = (inclusive: boolean): Bound => ({ bytes, inclusive, shown: valueToString(v) });
  switch (op) {
    case '$gt': return [{ low: bound(false), high: typeBound(tag, 1) }];
    case '$gte': return [{ low: bound(true), high: typeBound(tag, 1) }];
    case '$lt': return [{ low: typeBound(tag, 0), high: bound(false) }];
    case '$lte': return [{ low: typeBound(tag, 0), high: bound(true) }];
    default: return null;
  }
}

/**
 * The text every match of a regular expression starts with, when it is anchored (`^` or `\A`), case-sensitive and
 * not multiline (mongod's "simple prefix" rule); null when its matches have no common prefix the index can seek.
 */
export function regexPrefix(pattern: string, flags: string): string | null {
  if (/[imx]/.test(flags)) return null;
  let rest: string;
  if (pattern.startsWith('^')) rest = pattern.slice(1);
  else if (pattern.startsWith('\\A')) rest = pattern.slice(2);
  else return null;
  // An alternation may leave the anchor behind (`^a|b`): no prefix, rather than parse the groups.
  if (pattern.includes('|')) return null;
  const chars = Array.from(rest);
  let n = 0;
  while (n < chars.length && !'.^$*+?()[]{}|\\'.includes(chars[n]!)) n++;
  // A quantifier that may repeat the last literal zero times takes it out of the prefix (`^abc?` starts with "ab").
  if (n < chars.length && '*?{'.includes(chars[n]!)) n--;
  return chars.slice(0, Math.max(0, n)).join('');
}

/**
 * The intervals a regular expression can match in an index: the strings starting with its prefix, and the regular
 * expression itself as a value (a stored regex equal to it matches too). Null when it has no prefix.
 */
function regexIntervals(regex: unknown, pattern: string, flags: string): Interval[] | null {
  const prefix = regexPrefix(pattern, flags);
  if (prefix === null) return null;
  const key = encodeKey(prefix);
  // The string's key without its two-byte terminator: every longer string with this prefix starts with these bytes.
  const bytes = key.subarray(0, key.length - 2);
  const chars = Array.from(prefix);
  const last = chars.pop();
  const next = last === undefined ? '{}' : JSON.stringify(chars.join('') + String.fromCodePoint(last.codePointAt(0)! + 1));
  const strings: Interval = { low: { bytes, inclusive: true, shown: JSON.stringify(prefix) }, high: { bytes, inclusive: true, shown: next, shownOpen: true } };
  const intervals = [strings];
  if (regex !== undefined) intervals.push(point(regex));
  return unionIntervals(intervals);
}

/** Sorted, overlapping intervals joined. */
export function unionIntervals(intervals: Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => compareBytes(startOf(a), startOf(b)));
  const out: Interval[] = [];
  for (const next of sorted) {
    const last = out[out.length - 1];
    if (last && compareBytes(startOf(next), endOf(last)) <= 0) {
      if (compareBytes(endOf(next), endOf(last)) > 0) out[out.length - 1] = { low: last.low, high: next.high };
      else if (last.point && next.point && Buffer.compare(last.point, next.point) === 0) continue;
    } else out.push(next);
  }
  return out;
}

/** The intervals both lists cover. */
export function intersectIntervals(a: Interval[], b: Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const x of a) {
    for (const y of b) {
      const low = compareBytes(startOf(x), startOf(y)) >= 0 ? x.low : y.low;
      const high = compareBytes(endOf(x), endOf(y)) <= 0 ? x.high : y.high;
      const candidate: Interval = { low, high };
      if (compareBytes(startOf(candidate), endOf(candidate)) >= 0) continue;
      const p = x.point ?? y.point;
      if (p && low.bytes === high.bytes) candidate.point = p;
      out.push(candidate);
    }
  }
  return unionIntervals(out);
}

/** True when every key `inner` covers is also covered by `outer`. */
export function coveredBy(inner: Interval[], outer: Interval[]): boolean {
  return inner.every((i) => outer.some((o) => compareBytes(startOf(o), startOf(i)) <= 0 && compareBytes(endOf(i), endOf(o)) <= 0));
}

/** One predicate on one path of a filter's top-level conjunction, as index intervals. */
export interface PathPredicate {
  path: string;
  intervals: Interval[];
  /**
   * True when a scalar value lies in the intervals exactly when it matches (an equality, `$in`, a range within its
   * type); false when the intervals are a superset (a range on NaN).
   */
  exact: boolean;
  /** True when its values compare under the query's collation (strings), which index keys (binary) cannot honour. */
  collated: boolean;
}

/**
 * The predicates of `filter`'s top-level conjunction (`$and` flattened) that an index can bound, each as intervals.
 * Predicates an index cannot bound (`$ne`, `$nin`, `$not`, `$exists`, `$regex`, `$elemMatch`, `$or`, `$expr`,
 * arrays, ...) are left out: the filter still applies them to what the scan reads.
 */
export function pathPredicates(filter: Document, collation: Collation | null, leftOut?: { count: number }): PathPredicate[] {
  const out: PathPredicate[] = [];
  const skip = () => {
    if (leftOut) leftOut.count++;
  };
  const collated = (values: unknown[]) => collation !== null && values.some(holdsString);
  const visit = (f: Document) => {
    for (const [key, value] of Object.entries(f)) {
      if (key === '$and' && Array.isArray(value)) {
        for (const clause of value) if (isDocument(clause)) visit(clause);
        continue;
      }
      if (key.startsWith('$')) {
        if (key !== '$comment') skip();
        continue;
      }
      const operators = isDocument(value) && Object.keys(value).length > 0 && Object.keys(value).every((k) => k.startsWith('$'));
      if (isRegex(value)) {
        const { pattern, flags } = regexParts(value);
        const intervals = regexIntervals(value, pattern, flags);
        if (intervals) out.push({ path: key, intervals, exact: false, collated: false });
        else skip();
        continue;
      }
      if (!operators) {
        const intervals = equalityIntervals(value);
        if (intervals) out.push({ path: key, intervals, exact: true, collated: collated([value]) });
        else skip();
        continue;
      }
      const ops = value as Document;
      if ('$regex' in ops) {
        const source = ops.$regex;
        const options = typeof ops.$options === 'string' ? ops.$options : '';
        const parts = isRegex(source) ? regexParts(source) : typeof source === 'string' ? { pattern: source, flags: '' } : null;
        const intervals = parts ? regexIntervals(undefined, parts.pattern, parts.flags + options) : null;
        if (intervals) out.push({ path: key, intervals, exact: false, collated: false });
        else skip();
      }
      for (const [op, operand] of Object.entries(ops)) {
        if (op === '$regex' || op === '$options') continue;
        let intervals: Interval[] | null = null;
        if (op === '$eq') intervals = equalityIntervals(operand);
        else if (op === '$in' && Array.isArray(operand)) {
          const parts = operand.map(equalityIntervals);
          intervals = parts.every((p) => p !== null) ? unionIntervals(parts.flatMap((p) => p!)) : null;
        } else intervals = rangeIntervals(op, operand);
        const exact = !(typeof operand === 'number' && Number.isNaN(operand)) && !((operand as { _bsontype?: string } | null)?._bsontype === 'Double' && Number.isNaN(Number(operand)));
        if (intervals) out.push({ path: key, intervals, exact, collated: collated(op === '$in' ? (operand as unknown[]) : [operand]) });
        else skip();
      }
    }
  };
  visit(filter);
  return out;
}

/** True when the intervals admit a document whose field is null or missing (a sparse index does not hold those). */
export function admitsNull(intervals: Interval[]): boolean {
  const nullKey = encodeKey(null);
  return intervals.some((i) => compareBytes(startOf(i), nullKey) <= 0 && compareBytes(nullKey, endOf(i)) < 0);
}

/** An interval as explain prints it, for a field of `direction` (a descending field lists its high end first). */
export function showInterval(interval: Interval, direction: 1 | -1): string {
  const { low, high } = interval;
  const highClosed = high.inclusive && !high.shownOpen;
  if (direction === 1) return `${low.inclusive ? '[' : '('}${low.shown}, ${high.shown}${highClosed ? ']' : ')'}`;
  return `${highClosed ? '[' : '('}${high.shown}, ${low.shown}${low.inclusive ? ']' : ')'}`;
}
