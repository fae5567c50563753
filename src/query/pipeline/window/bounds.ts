import { addNumbers, compareValues, elementToString, isDocument, isNumeric, toNumber, valueToString, type Collation } from '../../../bson/index.js';
import { mongoError, MongoServerError } from '../../../errors/index.js';
import { typeName } from '../../expressions/index.js';
import { addTimeUnits, parseTimeUnit, type TimeUnit } from './time_unit.js';

/**
 * Window bounds (https://www.mongodb.com/docs/manual/reference/operator/aggregation/setWindowFields/#window-boundaries):
 * `documents: [lower, upper]` counts positions from the current document; `range: [lower, upper]` (with an optional
 * `unit` for dates) compares the single sortBy field's value with the current document's.
 */
export type Bound = 'unbounded' | 'current' | number;

export interface DocumentBounds {
  readonly kind: 'documents';
  readonly lower: Bound;
  readonly upper: Bound;
}

export interface RangeBounds {
  readonly kind: 'range';
  /** Numbers are kept as written (an int, a double, a Decimal128) for the threshold arithmetic. */
  readonly lower: 'unbounded' | 'current' | { readonly delta: unknown };
  readonly upper: 'unbounded' | 'current' | { readonly delta: unknown };
  readonly unit?: TimeUnit;
}

export type WindowBounds = DocumentBounds | RangeBounds;

/** What mongod's window bounds parser knows of the stage's sortBy. */
export interface SortByShape {
  /** Number of sort keys. */
  readonly size: number;
  /** For a one-key sort: whether that key is a field (not `$meta`) and ascending. */
  readonly singleFieldAscending?: boolean;
  readonly singleIsField?: boolean;
}

/** `[unbounded, unbounded]`: every window function's default unless it says otherwise. */
export const DEFAULT_BOUNDS: DocumentBounds = { kind: 'documents', lower: 'unbounded', upper: 'unbounded' };

function failedToParse(message: string): MongoServerError {
  return mongoError('FailedToParse', message);
}

/** A constant expression: a literal, or operators over literals only (no field path, no variable). */
function isConstant(v: unknown): boolean {
  if (typeof v === 'string') return !v.startsWith('$');
  if (Array.isArray(v)) return v.every(isConstant);
  if (isDocument(v)) {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === '$literal') return true;
    return keys.every((k) => isConstant(v[k]));
  }
  return true;
}

type ConstantEvaluator = (expr: unknown) => unknown;

function parseBound<T>(elem: unknown, evaluate: ConstantEvaluator, handle: (v: unknown) => T): 'unbounded' | 'current' | T {
  if (typeof elem === 'string') {
    if (elem === 'unbounded' || elem === 'current') return elem;
    throw failedToParse("Window bounds must be 'unbounded', 'current', or a number.");
  }
  if (!isConstant(elem)) throw failedToParse('Window bounds expression must be a constant.');
  return handle(evaluate(elem));
}

function isIntegral(v: unknown): boolean {
  if (!isNumeric(v)) return false;
  const n = toNumber(v);
  return Number.isInteger(n) && Math.abs(n) <= 2 ** 31;
}

function unpack(name: string, e: unknown): [unknown, unknown] {
  if (!Array.isArray(e) || e.length !== 2) {
    throw failedToParse(`Window bounds must be a 2-element array: ${elementToString(name, e)}`);
  }
  return [e[0], e[1]];
}

/** Lower must not exceed upper once 'current' counts as 0 (5339900). */
function checkForward(lower: unknown, upper: unknown): void {
  const l = lower === 'current' ? 0 : lower;
  const u = upper === 'current' ? 0 : upper;
  if (l === 'unbounded' || u === 'unbounded') return;
  if (compareValues(l, u) > 0) {
    throw new MongoServerError(5339900, `Lower bound must not exceed upper bound: [${valueToString(l)}, ${valueToString(u)}]`);
  }
}

/**
 * Parses a window function's `window` field as mongod's WindowBounds::parse does, with its codes and messages:
 * FailedToParse (9) for the shape, 5339900 for inverted bounds, 5339901 for document bounds without a sortBy,
 * 5339902/8947400/8947401 for range bounds without a single, plain, ascending sortBy field.
 */
export function parseWindowBounds(window: unknown, sortBy: SortByShape | undefined, evaluate: ConstantEvaluator): WindowBounds {
  if (!isDocument(window)) throw failedToParse("'window' field must be an object");
  const keys = Object.keys(window);
  const documents = window.documents;
  const range = window.range;
  const unit = window.unit;
  if (documents !== undefined && range !== undefined) {
    throw failedToParse("Window bounds can specify either 'documents' or 'unit', not both.");
  }
  if (range === undefined && unit !== undefined) {
    throw failedToParse("Window bounds can only specify 'unit' with range-based bounds.");
  }
  if (range === undefined && documents === undefined) {
    if (keys.length !== 0) {
      throw failedToParse("'window' field can only contain 'documents' as the only argument or 'range' with an optional 'unit' field");
    }
    return DEFAULT_BOUNDS;
  }
  if (documents !== undefined) {
    if (keys.length !== 1) throw failedToParse("'window' field that specifies documents cannot have other fields");
    const [lowerElem, upperElem] = unpack('documents', documents);
    const toInt = (v: unknown): number => {
      if (!isIntegral(v)) throw failedToParse('Numeric document-based bounds must be an integer');
      return toNumber(v);
    };
    const lower = parseBound(lowerElem, evaluate, toInt);
    const upper = parseBound(upperElem, evaluate, toInt);
    checkForward(lower, upper);
    const bounds: DocumentBounds = { kind: 'documents', lower, upper };
    if (!(lower === 'unbounded' && upper === 'unbounded') && !sortBy) {
      throw new MongoServerError(5339901, 'Document-based bounds require a sortBy');
    }
    return bounds;
  }
  const [lowerElem, upperElem] = unpack('range', range);
  let bounds: RangeBounds;
  if (unit !== undefined) {
    if (keys.length !== 2) throw failedToParse("'window' field that specifies unit cannot have other fields besides 'range'");
    if (typeof unit !== 'string') throw failedToParse("'unit' must be a string");
    const toDelta = (v: unknown): { delta: unknown } => {
      if (!isIntegral(v)) throw failedToParse("With 'unit', range-based bounds must be an integer");
      return { delta: v };
    };
    const lower = parseBound(lowerElem, evaluate, toDelta);
    const upper = parseBound(upperElem, evaluate, toDelta);
    checkForward(typeof lower === 'object' ? lower.delta : lower, typeof upper === 'object' ? upper.delta : upper);
    bounds = { kind: 'range', lower, upper, unit: parseTimeUnit(unit) };
  } else {
    if (keys.length !== 1) throw failedToParse("'window' field that specifies range cannot have other fields besides 'unit'");
    const toDelta = (v: unknown): { delta: unknown } => {
      if (!isNumeric(v)) throw failedToParse('Range-based bounds expression must be a number');
      return { delta: v };
    };
    const lower = parseBound(lowerElem, evaluate, toDelta);
    const upper = parseBound(upperElem, evaluate, toDelta);
    checkForward(typeof lower === 'object' ? lower.delta : lower, typeof upper === 'object' ? upper.delta : upper);
    bounds = { kind: 'range', lower, upper };
  }
  if (!sortBy || sortBy.size !== 1) throw new MongoServerError(5339902, 'Range-based bounds require sortBy a single field');
  if (!sortBy.singleIsField) throw new MongoServerError(8947400, 'Range-based bounds require a non-expression sortBy');
  if (!sortBy.singleFieldAscending) throw new MongoServerError(8947401, 'Range-based bounds require an ascending sortBy');
  return bounds;
}

/** Whether both ends are unbounded: one window, the whole partition, for every document. */
export function isWholePartition(bounds: WindowBounds): boolean {
  return bounds.lower === 'unbounded' && bounds.upper === 'unbounded';
}

/** An inclusive range of positions in a partition, or null for an empty window. */
export type Endpoints = readonly [number, number] | null;

/**
 * The window of every document of a partition, in order. Both ends only move forward as the current document
 * does, which lets callers add and remove values instead of recomputing each window.
 *
 * @param sortValues the single sortBy field's value of each document (range bounds only)
 */
export function windowEndpoints(bounds: WindowBounds, n: number, sortValues?: readonly unknown[], collation?: Collation | null): Endpoints[] {
  return bounds.kind === 'documents' ? documentEndpoints(bounds, n) : rangeEndpoints(bounds, sortValues ?? [], collation ?? null);
}

function documentEndpoints(bounds: DocumentBounds, n: number): Endpoints[] {
  const lower = bounds.lower === 'current' ? 0 : bounds.lower;
  const upper = bounds.upper === 'current' ? 0 : bounds.upper;
  const out: Endpoints[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const lo = lower === 'unbounded' ? 0 : i + lower;
    const hi = upper === 'unbounded' ? n - 1 : i + upper;
    out[i] = lo > n - 1 || hi < 0 || lo > hi ? null : [Math.max(0, lo), Math.min(n - 1, hi)];
  }
  return out;
}

function rangeEndpoints(bounds: RangeBounds, values: readonly unknown[], collation: Collation | null): Endpoints[] {
  const n = values.length;
  const unit = bounds.unit;
  const typed = (v: unknown): boolean => (unit ? v instanceof Date : isNumeric(v));
  const add = (base: unknown, delta: unknown): unknown =>
    unit ? new Date(addTimeUnits((base as Date).getTime(), unit, toNumber(delta))) : addNumbers(base, delta);
  const less = (a: unknown, b: unknown): boolean => compareValues(a, b, collation) < 0;
  const out: Endpoints[] = new Array(n);
  // Pointers that only move forward: the current value never decreases along a sorted partition.
  let lowScan = 0;
  let highScan = 0;
  let firstTyped = -1;
  for (let i = 0; i < n; i++) if (typed(values[i])) {
    firstTyped = i;
    break;
  }
  let lastTyped = firstTyped;
  while (lastTyped >= 0 && lastTyped + 1 < n && typed(values[lastTyped + 1])) lastTyped++;
  for (let i = 0; i < n; i++) {
    const base = values[i];
    checkRangeBase(base, unit);
    let lo: number | null;
    const lowerBound = bounds.lower;
    if (lowerBound === 'current') lo = i;
    else if (lowerBound === 'unbounded') lo = firstTyped;
    else {
      const threshold = add(base, lowerBound.delta);
      while (lowScan < n && less(values[lowScan], threshold)) lowScan++;
      lo = lowScan < n && typed(values[lowScan]) ? lowScan : null;
    }
    if (lo === null) {
      out[i] = null;
      continue;
    }
    let hi: number | null;
    const upperBound = bounds.upper;
    if (upperBound === 'current') hi = i;
    else if (upperBound === 'unbounded') hi = lastTyped;
    else {
      const threshold = add(base, upperBound.delta);
      const start = lo;
      if (highScan < start) highScan = start;
      while (highScan < n && !less(threshold, values[highScan])) highScan++;
      hi = highScan === start ? null : highScan - 1;
    }
    out[i] = hi === null || hi < lo ? null : [lo, hi];
  }
  return out;
}

/** The current document's sortBy value must suit the range (5429513, 5429413, 5429414), as mongod checks it. */
function checkRangeBase(base: unknown, unit: TimeUnit | undefined): void {
  if (unit) {
    if (!(base instanceof Date)) {
      throw new MongoServerError(5429513, `Invalid range: Expected the sortBy field to be a Date, but it was ${typeName(base)}`);
    }
    return;
  }
  if (base instanceof Date) {
    throw new MongoServerError(5429413, 'Invalid range: For windows that involve date or time ranges, a unit must be provided.');
  }
  if (!isNumeric(base)) {
    throw new MongoServerError(5429414, `Invalid range: Expected the sortBy field to be a number, but it was ${typeName(base)}`);
  }
}

