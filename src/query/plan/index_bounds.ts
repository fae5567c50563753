import { toNumber, type Document } from '../../bson/types.js';
import {
  ALL_VALUES, admitsNull, byteRange, coveredBy, hashedPoint, intersectIntervals, showInterval, successor, unionIntervals, type Interval, type PathPredicate,
} from './bounds.js';

/** What a planner knows of one index. */
export interface IndexFacts {
  name: string;
  key: Document;
  multikey: boolean;
  sparse: boolean;
  unique: boolean;
  /** The partial filter's own predicates, when the index is partial. */
  partial: PathPredicate[] | null;
  /** False for a partial filter with a predicate the planner cannot reason about (then only a hint uses it). */
  partialUnderstood: boolean;
  /** A geo index's fields bounded by the query's geo predicates: the key ranges of a covering of its region. */
  geo?: ReadonlyMap<string, Interval[]>;
}

/** An index's bounds for a query: per key field, the intervals to read (ALL_VALUES where the query says nothing). */
export interface IndexBounds {
  fields: { path: string; direction: 1 | -1; intervals: Interval[]; bounded: boolean }[];
  /** How many leading fields are bound to single values (equalities): the more, the more selective. */
  equalityPrefix: number;
}

/** A range of whole index keys: start inclusive, end exclusive (null: to the end). */
export interface KeySpan {
  start: Uint8Array;
  end: Uint8Array | null;
}

/** Past this many equality combinations of leading fields, the rest is read as ranges rather than points. */
const MAX_POINT_PREFIXES = 4096;

function directionOf(v: unknown): 1 | -1 {
  return toNumber(v) < 0 ? -1 : 1;
}

/**
 * The bounds of `index` for a query's predicates. On a multikey index one document may sit under several keys, so
 * two predicates on one field are not intersected (`{a: [1, 9]}` matches `{a: {$gt: 5, $lt: 3}}` through two
 * different elements): one of them bounds the scan, the filter applies the rest.
 */
export function indexBounds(index: IndexFacts, predicates: PathPredicate[]): IndexBounds {
  const fields = Object.keys(index.key).map((path) => {
    const direction = directionOf(index.key[path]);
    const own = predicates.filter((p) => p.path === path && !p.collated);
    if (index.key[path] === '2dsphere' || index.key[path] === '2d') {
      const covering = index.geo?.get(path);
      if (!covering) return { path, direction, intervals: [ALL_VALUES], bounded: false };
      return { path, direction, intervals: unionIntervals(covering), bounded: true };
    }
    if (index.key[path] === 'hashed') {
      // A hashed field is bounded by equalities only, each looked up by its hash.
      const points = own.find((p) => p.intervals.every((i) => i.point));
      if (!points) return { path, direction, intervals: [ALL_VALUES], bounded: false };
      return { path, direction, intervals: unionIntervals(points.intervals.map((i) => hashedPoint(i.value))), bounded: true };
    }
    if (own.length === 0) return { path, direction, intervals: [ALL_VALUES], bounded: false };
    let intervals: Interval[];
    if (index.multikey) {
      const points = own.find((p) => p.intervals.every((i) => i.point));
      intervals = (points ?? own[0]!).intervals;
    } else {
      intervals = own.slice(1).reduce((acc, p) => intersectIntervals(acc, p.intervals), own[0]!.intervals);
    }
    return { path, direction, intervals, bounded: true };
  });
  let equalityPrefix = 0;
  while (equalityPrefix < fields.length && fields[equalityPrefix]!.bounded && fields[equalityPrefix]!.intervals.every((i) => i.point)) equalityPrefix++;
  return { fields, equalityPrefix };
}

/** True when the query, by its predicates alone, only ever matches documents the index holds (sparse, partial). */
export function indexCovers(index: IndexFacts, predicates: PathPredicate[], bounds: IndexBounds): boolean {
  if (index.sparse && !bounds.fields.some((f) => f.bounded && !admitsNull(f.intervals))) return false;
  if (index.partial) {
    if (!index.partialUnderstood) return false;
    for (const need of index.partial) {
      const implied = predicates.some((p) => p.path === need.path && !p.collated && coveredBy(p.intervals, need.intervals));
      if (!implied) return false;
    }
  }
  return true;
}

/** How many leading fields are read as points: equalities, while their combinations stay few. */
function pointFields(bounds: IndexBounds): number {
  let combinations = 1;
  let i = 0;
  for (; i < bounds.fields.length; i++) {
    const field = bounds.fields[i]!;
    if (!field.bounded || !field.intervals.every((iv) => iv.point)) break;
    if (combinations * field.intervals.length > MAX_POINT_PREFIXES) break;
    combinations *= field.intervals.length;
  }
  return i;
}

/** The fields whose bounds the key ranges of {@link keySpans} enforce: the point fields and the one after them. */
export function scannedFields(bounds: IndexBounds): string[] {
  const points = pointFields(bounds);
  const next = bounds.fields[points];
  return bounds.fields.slice(0, points + (next?.bounded ? 1 : 0)).map((f) => f.path);
}

/** The key ranges to read, in ascending key order, for `bounds`. */
export function keySpans(bounds: IndexBounds): KeySpan[] {
  let prefixes: Uint8Array[] = [new Uint8Array(0)];
  const points = pointFields(bounds);
  let i = 0;
  for (; i < points; i++) {
    const field = bounds.fields[i]!;
    const next: Uint8Array[] = [];
    for (const p of prefixes) {
      for (const iv of field.intervals) {
        const part = byteRange(iv, field.direction).start;
        next.push(Buffer.concat([p, part]));
      }
    }
    prefixes = next.sort((a, b) => Buffer.compare(a, b));
  }
  const field = bounds.fields[i];
  const spans: KeySpan[] = [];
  for (const p of prefixes) {
    if (!field || !field.bounded) {
      spans.push({ start: p, end: successor(p) });
      continue;
    }
    const parts = field.intervals.map((iv) => byteRange(iv, field.direction));
    if (field.direction === -1) parts.reverse();
    for (const { start, end } of parts) {
      spans.push({ start: Buffer.concat([p, start]), end: end === null ? successor(p) : Buffer.concat([p, end]) });
    }
  }
  return spans;
}

/** explain's `indexBounds`: per field, its intervals as strings, in the order the index stores them. */
export function shownBounds(bounds: IndexBounds, reverse: boolean): Document {
  const out: Document = {};
  for (const f of bounds.fields) {
    const ordered = f.direction === 1 ? f.intervals : [...f.intervals].reverse();
    const shown = ordered.map((iv) => showInterval(iv, f.direction));
    out[f.path] = reverse ? shown.reverse().map(flipInterval) : shown;
  }
  return out;
}

/** An interval string read backwards: "[1, 5)" becomes "(5, 1]". */
function flipInterval(s: string): string {
  const open = s[0] === '[' ? ']' : ')';
  const close = s[s.length - 1] === ']' ? '[' : '(';
  const inner = s.slice(1, -1);
  const comma = splitTopLevelComma(inner);
  return `${close}${inner.slice(comma + 2)}, ${inner.slice(0, comma)}${open}`;
}

function splitTopLevelComma(s: string): number {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"' && s[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 0 && s[i + 1] === ' ') return i;
  }
  return s.indexOf(', ');
}

/**
 * Whether reading the index in order (1) or backwards (-1) yields documents in `sort` order, or 0 when it does not.
 * Leading fields bound to one value are skipped, as mongod does: with `a` fixed, an index on {a, b} is ordered by b.
 * A multikey index never provides a sort (one document under several keys).
 */
export function providedSort(index: IndexFacts, bounds: IndexBounds, sort: Document): 1 | -1 | 0 {
  if (index.multikey) return 0;
  if (Object.keys(sort).some((f) => index.key[f] === 'hashed')) return 0;
  const sortFields = Object.keys(sort);
  if (sortFields.length === 0) return 0;
  const keyFields = bounds.fields;
  let direction: 1 | -1 | 0 = 0;
  let k = 0;
  for (const sf of sortFields) {
    const want = directionOf(sort[sf]);
    // Skip index fields pinned to one value, unless the sort names them.
    while (k < keyFields.length && keyFields[k]!.path !== sf && keyFields[k]!.bounded && keyFields[k]!.intervals.length === 1 && keyFields[k]!.intervals[0]!.point) k++;
    const field = keyFields[k];
    if (!field || field.path !== sf) return 0;
    const d = (field.direction === want ? 1 : -1) as 1 | -1;
    if (direction === 0) direction = d;
    else if (direction !== d) return 0;
    k++;
  }
  return direction;
}
