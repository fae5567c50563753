import {
  addNumbers, bsonTypeOf, compareValues, divideNumbers, elementToString, isDocument, isNumeric, multiplyNumbers,
  subtractNumbers, toNumber, valuesEqual, Int32, Long, type Collation, type Document,
} from '../../../bson/index.js';
import { decAdd, decDivide, decFromBigInt, decFromDecimal128, decFromDouble, decMultiply, decSubtract, decToDecimal128, type Dec } from '../../../bson/decimal_math.js';
import { mongoError, MongoServerError } from '../../../errors/index.js';
import { accumulatorFactories, typeName, type Accumulator, type Evaluator, type ParseContext, type Scope } from '../../expressions/index.js';
import { double, intOrLong, isNullish } from '../../expressions/values.js';
import {
  DEFAULT_BOUNDS, isWholePartition, parseWindowBounds, windowEndpoints, type Endpoints,
  type SortByShape, type WindowBounds,
} from './bounds.js';
import { RemovableAvg, RemovableCovariance, RemovableStdDev, RemovableSum, SlidingExtreme, type RemovableState } from './removable.js';
import { parseTimeUnit, unitMillis } from './time_unit.js';

/**
 * Window functions (https://www.mongodb.com/docs/manual/reference/operator/aggregation/setWindowFields/#window-operators):
 * each output field of $setWindowFields computes one value per document of a partition from the documents of its
 * window. Parsing follows mongod's window_function parsers (their codes and messages); the accumulators are those
 * of $group (query/expressions/accumulators.ts), with removable states (removable.ts) for sliding windows.
 */

/** One sorted partition, as the window functions read it. */
export interface Partition {
  readonly docs: readonly Document[];
  /** The expression scope of each document. */
  readonly scopes: readonly Scope[];
  /** The single sortBy field's value of each document (undefined without a one-field sortBy). */
  readonly sortValues: readonly unknown[] | undefined;
  /** Whether two documents tie on the sortBy (as mongod's sort keys compare: nullish values tie, arrays by their sort key). */
  readonly sameSortKey: (i: number, j: number) => boolean;
  readonly collation: Collation | null;
}

/**
 * A parsed window function. `compute` gives its value for each document of a partition, in order and only as they
 * are asked for, so a partition's outputs can be handed on (and the event loop let go) a chunk at a time; undefined
 * leaves the field unset.
 */
export interface WindowFunction {
  readonly name: string;
  compute(partition: Partition): Iterator<unknown>;
}

/** What parsing a window function needs from the stage. */
export interface WindowParseContext {
  readonly expressions: ParseContext;
  readonly sortBy: SortByShape | undefined;
  /** Evaluates a constant expression (window bounds, $shift's default). */
  readonly evaluateConstant: (expr: unknown) => unknown;
}

type Parser = (spec: Document, name: string, ctx: WindowParseContext) => WindowFunction;

function failedToParse(message: string): MongoServerError {
  return mongoError('FailedToParse', message);
}

/** Functions mongod 8.0 has whose accumulators eddydb does not have yet. */
const NOT_IMPLEMENTED: ReadonlySet<string> = new Set([
  '$top', '$bottom', '$topN', '$bottomN', '$firstN', '$lastN', '$minN', '$maxN', '$median', '$percentile',
]);

function isWindowFunctionName(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(PARSERS, name) || NOT_IMPLEMENTED.has(name);
}

/**
 * Parses one output field's specification (`{$sum: '$x', window: {...}}`) as mongod's
 * window_function::Expression::parse: the first `$`-prefixed field names the function.
 */
export function parseWindowFunction(spec: Document, ctx: WindowParseContext): WindowFunction {
  const keys = Object.keys(spec);
  for (const key of keys) {
    if (!key.startsWith('$')) continue;
    if (NOT_IMPLEMENTED.has(key)) throw mongoError('NotImplemented', `${key} is not supported by eddydb as a window function`);
    const parser = Object.prototype.hasOwnProperty.call(PARSERS, key) ? PARSERS[key] : undefined;
    if (!parser) throw failedToParse(`Unrecognized window function, ${key}`);
    return parser(spec, key, ctx);
  }
  throw failedToParse(`Expected a $-prefixed window function${keys.length > 0 ? `, ${keys[0]}` : ''}`);
}

/** The `{$fn: <input>, window: {...}}` form shared by the accumulators (mongod's ExpressionRemovable). */
function parseAccumulatorForm(spec: Document, ctx: WindowParseContext): { name: string; input: unknown; bounds: WindowBounds } {
  let name: string | undefined;
  let input: unknown;
  let bounds: WindowBounds = DEFAULT_BOUNDS;
  for (const key of Object.keys(spec)) {
    if (key === 'window') {
      bounds = parseWindowBounds(spec[key], ctx.sortBy, ctx.evaluateConstant);
    } else if (isWindowFunctionName(key)) {
      if (name !== undefined) throw failedToParse('Cannot specify two functions in window function spec');
      name = key;
      input = spec[key];
    } else {
      throw failedToParse(`Window function found an unknown argument: ${key}`);
    }
  }
  if (name === undefined) throw failedToParse('Must specify a window function in output field');
  return { name, input, bounds };
}

function evaluateAll(ev: Evaluator, partition: Partition): unknown[] {
  return partition.scopes.map((scope) => ev(scope));
}

function endpointsOf(bounds: WindowBounds, partition: Partition): Endpoints[] {
  return windowEndpoints(bounds, partition.docs.length, partition.sortValues, partition.collation);
}

/** A result held by the next document too must not change when the state grows: arrays are copied. */
function snapshot(v: unknown): unknown {
  return Array.isArray(v) ? v.slice() : v;
}

/**
 * Values of an accumulator over each document's window, in order: one pass for `[unbounded, unbounded]`, adding only
 * for a window that starts at the partition's start, adding and removing for a sliding window of a removable
 * function, and reading each window otherwise (the functions whose result is as large as their window: $push,
 * $addToSet).
 */
function* accumulate(
  bounds: WindowBounds,
  partition: Partition,
  inputs: readonly unknown[],
  make: () => Accumulator,
  makeRemovable: (() => RemovableState) | undefined,
  slidingResult: (v: unknown) => unknown = (v) => v,
): Iterator<unknown> {
  const n = inputs.length;
  if (isWholePartition(bounds)) {
    const acc = make();
    for (const v of inputs) acc.add(v);
    const result = acc.result();
    for (let i = 0; i < n; i++) yield result;
    return;
  }
  const endpoints = endpointsOf(bounds, partition);
  const empty = (): unknown => make().result();
  if (bounds.lower === 'unbounded') {
    const acc = make();
    let next = -1;
    for (let i = 0; i < n; i++) {
      const ep = endpoints[i]!;
      if (!ep) {
        yield empty();
        continue;
      }
      if (next < 0) next = ep[0];
      while (next <= ep[1]) acc.add(inputs[next++]);
      yield snapshot(acc.result());
    }
    return;
  }
  if (makeRemovable) {
    const state = makeRemovable();
    let lo = -1;
    let hi = -1;
    for (let i = 0; i < n; i++) {
      const ep = endpoints[i]!;
      if (!ep) {
        yield makeRemovable().result();
        continue;
      }
      if (lo < 0) {
        lo = ep[0];
        hi = ep[0] - 1;
      }
      while (hi < ep[1]) state.add(inputs[++hi]);
      while (lo < ep[0]) state.remove(inputs[lo++]);
      yield state.result();
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const ep = endpoints[i]!;
    if (!ep) {
      yield empty();
      continue;
    }
    const acc = make();
    for (let j = ep[0]; j <= ep[1]; j++) acc.add(inputs[j]);
    yield slidingResult(acc.result());
  }
}

/**
 * An accumulator of $group as a window function, with its removable state when it has one. `sorted`: the result
 * of a window that does not start the partition comes in value order (mongod keeps $addToSet's sliding window in an
 * ordered multiset; from the partition's start it uses $group's accumulator).
 */
function accumulatorFunction(makeRemovable?: (collation: Collation | null) => RemovableState, sorted = false): Parser {
  return (spec, _name, ctx) => {
    const { name, input, bounds } = parseAccumulatorForm(spec, ctx);
    const factory = accumulatorFactories[name]!;
    const ev = ctx.expressions.parse(input);
    return {
      name,
      compute: (partition) =>
        accumulate(bounds, partition, evaluateAll(ev, partition), () => factory(partition.collation),
          makeRemovable ? () => makeRemovable(partition.collation) : undefined,
          sorted ? (v) => (v as unknown[]).slice().sort((a, b) => compareValues(a, b, partition.collation)) : undefined),
    };
  };
}

/** $count: `{$count: {}}`, the removable sum of 1 per document. */
const parseCount: Parser = (spec, _name, ctx) => {
  let bounds: WindowBounds = DEFAULT_BOUNDS;
  let seen = false;
  for (const key of Object.keys(spec)) {
    if (key === 'window') {
      bounds = parseWindowBounds(spec[key], ctx.sortBy, ctx.evaluateConstant);
    } else if (isWindowFunctionName(key)) {
      if (seen) throw failedToParse('Cannot specify multiple functions in window function spec');
      const arg = spec[key];
      if (!isDocument(arg) || Object.keys(arg).length !== 0) throw failedToParse('$count only accepts an empty object as input');
      seen = true;
    } else {
      throw failedToParse(`Window function found an unknown argument: ${key}`);
    }
  }
  if (!seen) throw failedToParse('Must specify a window function in output field');
  const one = new Int32(1);
  return {
    name: '$count',
    compute: (partition) =>
      accumulate(bounds, partition, partition.docs.map(() => one), () => accumulatorFactories.$sum!(null), () => new RemovableSum()),
  };
};

/** Non-accumulator functions reading `{$fn: ..., window: ...}` with mongod's "$fn got unexpected argument" wording. */
function ownArguments(spec: Document, name: string, ctx: WindowParseContext, windowMessage: string): { arg: unknown; bounds: WindowBounds | undefined } {
  let bounds: WindowBounds | undefined;
  let arg: unknown;
  for (const key of Object.keys(spec)) {
    if (key === 'window') {
      if (bounds !== undefined) throw failedToParse(windowMessage);
      bounds = parseWindowBounds(spec[key], ctx.sortBy, ctx.evaluateConstant);
    } else if (key === name) {
      arg = spec[key];
    } else {
      throw failedToParse(`${name} got unexpected argument: ${key}`);
    }
  }
  return { arg, bounds };
}

/** $first/$last: the input evaluated at one end of the window; null for an empty window. */
function firstLast(last: boolean): Parser {
  return (spec, name, ctx) => {
    const { arg, bounds } = ownArguments(spec, name, ctx, `saw multiple 'window' fields in '${name}' expression`);
    const ev = ctx.expressions.parse(arg);
    const windowBounds = bounds ?? DEFAULT_BOUNDS;
    return {
      name,
      *compute(partition) {
        const n = partition.docs.length;
        const endpoints = isWholePartition(windowBounds) ? undefined : endpointsOf(windowBounds, partition);
        for (let i = 0; i < n; i++) {
          const ep = endpoints ? endpoints[i]! : ([0, n - 1] as const);
          yield ep ? ev(partition.scopes[last ? ep[1] : ep[0]]!) : null;
        }
      },
    };
  };
}

/** $rank, $denseRank, $documentNumber: positions in the sortBy order (mongod's ExpressionFromRankAccumulator). */
function rankFunction(kind: 'rank' | 'dense' | 'number'): Parser {
  return (spec, name, ctx) => {
    if (Object.keys(spec).length !== 1) throw new MongoServerError(5371601, 'Rank style window functions take no other arguments');
    const arg = spec[name];
    if (!isDocument(arg) || Object.keys(arg).length !== 0) {
      throw new MongoServerError(5371603, `${name} must be specified with '{}' as the value`);
    }
    if (!ctx.sortBy || ctx.sortBy.size !== 1) {
      throw new MongoServerError(5371602, `${name} must be specified with a top level sortBy expression with exactly one element`);
    }
    return {
      name,
      *compute(partition) {
        let rank = 0;
        let dense = 0;
        for (let i = 0; i < partition.docs.length; i++) {
          if (i === 0 || kind === 'number' || !partition.sameSortKey(i - 1, i)) {
            rank = i + 1;
            dense++;
          }
          yield intOrLong(kind === 'dense' ? dense : rank);
        }
      },
    };
  };
}

/** Parses `by` as mongod's parseIntegerElementToInt: a number with an integral value in the int range. */
function parseShiftBy(v: unknown): number | undefined {
  if (!isNumeric(v)) return undefined;
  const n = toNumber(v);
  if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) return undefined;
  return n;
}

/** $shift: the output expression at the document `by` positions away in the partition, else `default`. */
const parseShift: Parser = (spec, name, ctx) => {
  let shiftArgs: Document | undefined;
  for (const key of Object.keys(spec)) {
    if (key === 'window') throw failedToParse("$shift does not accept a 'window' field");
    if (isWindowFunctionName(key)) {
      if (shiftArgs) throw failedToParse('Cannot specify multiple functions in window function spec');
      const arg = spec[key];
      if (!isDocument(arg)) throw failedToParse('Argument to $shift must be an object');
      shiftArgs = arg;
    } else {
      throw failedToParse(`Window function found an unknown argument: ${key}`);
    }
  }
  let output: Evaluator | undefined;
  let defaultValue: unknown = null;
  let by: number | undefined;
  for (const key of Object.keys(shiftArgs!)) {
    const v = shiftArgs![key];
    if (key === 'output') {
      output = ctx.expressions.parse(v);
    } else if (key === 'default') {
      ctx.expressions.parse(v);
      let constant: unknown;
      try {
        constant = ctx.evaluateConstant(v);
      } catch {
        constant = undefined;
      }
      if (!isConstantValue(v) || constant === undefined) throw failedToParse("'$shift:default' expression must yield a constant value.");
      defaultValue = constant;
    } else if (key === 'by') {
      by = parseShiftBy(v);
      if (by === undefined) throw failedToParse(`'$shift:by' field must be an integer, but found  ${elementToString('by', v)}`);
    } else {
      throw failedToParse(`Unknown argument in ${name}`);
    }
  }
  if (!output) throw failedToParse(`${name} requires an 'output' expression.`);
  if (by === undefined) throw failedToParse(`${name} requires 'by' as an integer value.`);
  if (!ctx.sortBy) throw failedToParse(`'${name}' requires a sortBy`);
  const offset = by;
  const ev = output;
  return {
    name,
    *compute(partition) {
      const n = partition.docs.length;
      for (let i = 0; i < n; i++) {
        const j = i + offset;
        yield j >= 0 && j < n ? ev(partition.scopes[j]!) : defaultValue;
      }
    },
  };
};

/** A literal, or operators over literals only: no field path and no variable. */
function isConstantValue(v: unknown): boolean {
  if (typeof v === 'string') return !v.startsWith('$');
  if (Array.isArray(v)) return v.every(isConstantValue);
  if (isDocument(v)) {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === '$literal') return true;
    return keys.every((k) => isConstantValue(v[k]));
  }
  return true;
}

/** The sortBy checks $derivative and $integral make (mongod's ExpressionWithUnit::validateSortBy). */
function validateUnitSortBy(ctx: WindowParseContext, name: string): void {
  if (!ctx.sortBy) throw failedToParse(`${name} requires a sortBy`);
  if (ctx.sortBy.size !== 1) throw failedToParse(`${name} requires a non-compound sortBy`);
  if (!ctx.sortBy.singleIsField) throw failedToParse(`${name} requires a non-expression sortBy`);
}

function parseUnitArgument(v: unknown): number {
  if (typeof v !== 'string') throw failedToParse(`unit' must be a string, but got ${typeName(v)}`);
  const unit = parseTimeUnit(v);
  const ms = unitMillis(unit);
  if (ms === undefined) throw new MongoServerError(5490710, "unit must be 'week' or smaller");
  return ms;
}

/** `{$fn: {input, unit}, window}` of $derivative and $integral. */
function parseInputUnit(spec: Document, name: string, ctx: WindowParseContext, windowMessage: string): { input: Evaluator; unitMs: number | undefined; bounds: WindowBounds | undefined } {
  validateUnitSortBy(ctx, name);
  const { arg, bounds } = ownArguments(spec, name, ctx, windowMessage);
  if (!isDocument(arg)) throw failedToParse(`${name} expects an object, but got a ${typeName(arg)}: ${elementToString(name, arg)}`);
  let input: Evaluator | undefined;
  let unitMs: number | undefined;
  let unitSeen = false;
  for (const key of Object.keys(arg)) {
    if (key === 'input') input = ctx.expressions.parse(arg[key]);
    else if (key === 'unit') {
      if (unitSeen && name === '$integral') throw failedToParse("There can be only one 'unit' field for $integral");
      unitSeen = true;
      unitMs = parseUnitArgument(arg[key]);
    } else throw failedToParse(`${name} got unexpected argument: ${key}`);
  }
  if (!input) throw failedToParse(`${name} requires an 'input' expression`);
  return { input, unitMs, bounds };
}

/** A sortBy value as the x of a rate: dates count in milliseconds. */
function timeValue(v: unknown): unknown {
  return v instanceof Date ? Long.fromNumber(v.getTime()) : v;
}

const parseDerivative: Parser = (spec, name, ctx) => {
  const { input, unitMs, bounds } = parseInputUnit(spec, name, ctx, `saw multiple 'window' fields in '${name}' expression`);
  if (!bounds) throw failedToParse('$derivative requires explicit window bounds');
  return {
    name,
    *compute(partition) {
      const endpoints = endpointsOf(bounds, partition);
      const times = partition.sortValues ?? [];
      const valueAt = (ep: Endpoints): unknown => {
        if (!ep) return null;
        const [l, r] = ep;
        const leftTime = times[l];
        const rightTime = times[r];
        if (unitMs !== undefined) {
          if (!(leftTime instanceof Date) || !(rightTime instanceof Date)) {
            throw new MongoServerError(5624900, "$derivative with 'unit' expects the sortBy field to be a Date");
          }
        } else {
          if (leftTime instanceof Date || rightTime instanceof Date) {
            throw new MongoServerError(5624901, "$derivative where the sortBy is a Date requires an 'unit'");
          }
          if (!isNumeric(leftTime) || !isNumeric(rightTime)) {
            throw new MongoServerError(5624902, "$derivative (with no 'unit') expects the sortBy field to be numeric");
          }
        }
        const run = subtractNumbers(timeValue(rightTime), timeValue(leftTime));
        const top = input(partition.scopes[r]!);
        const bottom = input(partition.scopes[l]!);
        if (isNullish(top) || isNullish(bottom)) throw new MongoServerError(5624903, '$derivative input must not be null or missing');
        const rise = difference(top, bottom);
        if (toNumber(run) === 0) return null;
        if (!isNumeric(rise)) throw new MongoServerError(16609, `$divide only supports numeric types, not ${typeName(rise)} and ${typeName(run)}`);
        const rate = divideNumbers(rise, run);
        return unitMs === undefined ? rate : multiplyNumbers(rate, Long.fromNumber(unitMs));
      };
      for (const ep of endpoints) yield valueAt(ep);
    },
  };
};

/** `a - b` as $subtract computes it for $derivative's rise (two dates give milliseconds), with its errors. */
function difference(a: unknown, b: unknown): unknown {
  if (isNumeric(a) && isNumeric(b)) return subtractNumbers(a, b);
  if (a instanceof Date) {
    if (b instanceof Date) return Long.fromNumber(a.getTime() - b.getTime());
    if (isNumeric(b)) return new Date(a.getTime() - Math.trunc(toNumber(b)));
    throw new MongoServerError(16613, `cant $subtract a ${typeName(b)} from a Date`);
  }
  throw new MongoServerError(16556, `cant $subtract a ${typeName(b)} from a ${typeName(a)}`);
}

/** The trapezoid between two points of $integral (0 across a NaN or mixed types, as mongod). */
function trapezoid(x0: unknown, y0: unknown, x1: unknown, y1: unknown): unknown {
  if ([x0, y0, x1, y1].some((v) => isNumeric(v) && Number.isNaN(toNumber(v)))) return new Int32(0);
  const bothDates = x0 instanceof Date && x1 instanceof Date;
  if (!bothDates && !(isNumeric(x0) && isNumeric(x1))) return new Int32(0);
  const delta = subtractNumbers(timeValue(x1), timeValue(x0));
  return divideNumbers(multiplyNumbers(addNumbers(y1, y0), delta), double(2));
}

const parseIntegral: Parser = (spec, name, ctx) => {
  const { input, unitMs, bounds } = parseInputUnit(spec, name, ctx, "There can be only one 'window' field for $integral");
  const windowBounds = bounds ?? DEFAULT_BOUNDS;
  const check = (x: unknown, y: unknown): void => {
    if (!isNumeric(y) || !(isNumeric(x) || x instanceof Date)) {
      throw new MongoServerError(5423900, 'The input value of $integral window function must be a vector of 2 value, the first value must be numeric or date type and the second must be numeric.');
    }
    if (unitMs !== undefined && !(x instanceof Date)) {
      throw new MongoServerError(5423901, "$integral with 'outputUnit' expects the sortBy field to be a Date");
    }
    if (unitMs === undefined && !isNumeric(x)) {
      throw new MongoServerError(5423902, "$integral (with no 'outputUnit') expects the sortBy field to be numeric");
    }
  };
  return {
    name,
    *compute(partition) {
      const n = partition.docs.length;
      const xs = partition.sortValues ?? [];
      const ys = evaluateAll(input, partition);
      const endpoints = isWholePartition(windowBounds)
        ? new Array<Endpoints>(n).fill(n > 0 ? [0, n - 1] : null)
        : endpointsOf(windowBounds, partition);
      const isNaNPoint = (k: number): boolean => [xs[k], ys[k]].some((v) => isNumeric(v) && Number.isNaN(toNumber(v)));
      // A sliding sum of the trapezoids between neighbours: the window [lo, hi] holds trapezoids lo .. hi-1.
      const areas = new RemovableSum();
      let lo = -1;
      let hi = -1;
      let nans = 0;
      const valueAt = (ep: Endpoints): unknown => {
        if (!ep) return null;
        if (lo < 0) {
          lo = ep[0];
          hi = ep[0];
          check(xs[lo], ys[lo]);
          if (isNaNPoint(lo)) nans++;
        }
        while (hi < ep[1]) {
          hi++;
          check(xs[hi], ys[hi]);
          if (isNaNPoint(hi)) nans++;
          areas.add(trapezoid(xs[hi - 1], ys[hi - 1], xs[hi], ys[hi]));
        }
        while (lo < ep[0]) {
          if (isNaNPoint(lo)) nans--;
          areas.remove(trapezoid(xs[lo], ys[lo], xs[lo + 1], ys[lo + 1]));
          lo++;
        }
        if (nans > 0) return double(NaN);
        const total = areas.result();
        return unitMs === undefined ? total : divideNumbers(total, Long.fromNumber(unitMs));
      };
      for (const ep of endpoints) yield valueAt(ep);
    },
  };
};

function toDec(v: unknown): Dec {
  switch (bsonTypeOf(v)) {
    case 'decimal':
      return decFromDecimal128(v as never);
    case 'int':
      return decFromBigInt(BigInt(toNumber(v)));
    case 'long':
      return decFromBigInt((v as Long).toBigInt());
    default:
      return decFromDouble(toNumber(v));
  }
}

/** $expMovingAvg: `{input, N}` (alpha = 2 / (N + 1)) or `{input, alpha}`, in decimal arithmetic as mongod's. */
const parseExpMovingAvg: Parser = (spec, name, ctx) => {
  const sub = spec[name];
  if (Object.keys(spec).length !== 1 || !isDocument(sub)) throw failedToParse('$expMovingAvg must have exactly one argument that is an object');
  const shape = "$expMovingAvg sub object must have exactly two fields: An 'input' field, and either an 'N' field or an 'alpha' field";
  if (Object.keys(sub).length !== 2 || sub.input === undefined) throw failedToParse(shape);
  if (!ctx.sortBy) throw failedToParse("$expMovingAvg requires an explicit 'sortBy'");
  const input = ctx.expressions.parse(sub.input);
  let alpha: Dec;
  if (sub.N !== undefined) {
    const nVal = sub.N;
    if (!isNumeric(nVal)) throw failedToParse(`'N' field must be an integer, but found type ${typeName(nVal)}`);
    const d = toNumber(nVal);
    if (d !== Math.floor(d)) {
      throw failedToParse(`'N' field must be an integer, but found  ${elementToString('N', nVal)}. To use a non-integer, use the 'alpha' argument instead`);
    }
    if (d <= 0) throw failedToParse(`'N' must be greater than zero. Got ${d}`);
    alpha = decDivide(decFromBigInt(2n), decFromBigInt(BigInt(d) + 1n));
  } else if (sub.alpha !== undefined) {
    if (!isNumeric(sub.alpha)) throw failedToParse("'alpha' must be a number");
    const a = toNumber(sub.alpha);
    if (!(a > 0 && a < 1)) throw failedToParse(`'alpha' must be between 0 and 1 (exclusive), found ${elementToString('alpha', sub.alpha)}`);
    alpha = toDec(sub.alpha);
  } else {
    throw failedToParse(`Got unrecognized field in $expMovingAvg${shape}`);
  }
  const oneMinusAlpha = decSubtract(decFromBigInt(1n), alpha);
  return {
    name,
    *compute(partition) {
      let current: Dec | undefined;
      let decimal = false;
      const valueAt = (scope: Scope): unknown => {
        const v = input(scope);
        if (isNumeric(v)) {
          if (bsonTypeOf(v) === 'decimal') decimal = true;
          const x = toDec(v);
          current = current === undefined ? x : decAdd(decMultiply(x, alpha), decMultiply(current, oneMinusAlpha));
        }
        if (current === undefined) return null;
        const d = decToDecimal128(current);
        return decimal ? d : double(Number(d.toString()));
      };
      for (const scope of partition.scopes) yield valueAt(scope);
    },
  };
};

/** $locf: the last non-null value so far (mongod's ExpressionFromLeftUnboundedWindowFunction). */
function parseLeftUnbounded(spec: Document, ctx: WindowParseContext): { name: string; input: Evaluator } {
  let name: string | undefined;
  let input: Evaluator | undefined;
  let hasWindow = false;
  for (const key of Object.keys(spec)) {
    if (key === 'window') hasWindow = true;
    else if (isWindowFunctionName(key)) {
      if (name !== undefined) throw failedToParse('Cannot specify two functions in window function spec');
      name = key;
      input = ctx.expressions.parse(spec[key]);
    } else throw failedToParse(`Window function found an unknown argument: ${key}`);
  }
  if (name === undefined) throw failedToParse('Must specify a window function in output field');
  if (hasWindow) throw failedToParse(`'window' field is not allowed in ${name}`);
  return { name, input: input! };
}

const parseLocf: Parser = (spec, _name, ctx) => {
  const { name, input } = parseLeftUnbounded(spec, ctx);
  return {
    name,
    *compute(partition) {
      let last: unknown = null;
      const valueAt = (scope: Scope): unknown => {
        const v = input(scope);
        if (!isNullish(v)) last = v;
        return last;
      };
      for (const scope of partition.scopes) yield valueAt(scope);
    },
  };
};

/** $linearFill: nulls between two numbers on the sortBy axis become the straight line between them. */
const parseLinearFill: Parser = (spec, _name, ctx) => {
  const { name, input } = parseLeftUnbounded(spec, ctx);
  if (!ctx.sortBy || ctx.sortBy.size !== 1) {
    throw new MongoServerError(605001, `${name} must be specified with a top level sortBy expression with exactly one element`);
  }
  return {
    name,
    *compute(partition) {
      const n = partition.docs.length;
      const ys = evaluateAll(input, partition);
      const xs = partition.sortValues ?? new Array<unknown>(n).fill(null);
      let previous: unknown = undefined;
      for (let i = 0; i < n; i++) {
        const y = ys[i];
        if (!isNumeric(y) && !isNullish(y)) {
          throw mongoError('TypeMismatch', `Value to be filled must be numeric or nullish, but found ${typeName(y)}`);
        }
        const x = xs[i];
        if (!isNumeric(x) && !(x instanceof Date)) {
          throw mongoError('TypeMismatch', `Value of the sortBy field must be numeric or a date, but found ${typeName(x)}`);
        }
        if (previous !== undefined) {
          if (valuesEqual(previous, x, null)) throw new MongoServerError(6050106, 'There can be no repeated values in the sort field');
          if ((previous instanceof Date) !== (x instanceof Date)) {
            throw mongoError('TypeMismatch', `Conflicting sort value types, previously received type ${typeName(previous)}, but found ${typeName(x)}`);
          }
        }
        previous = x;
      }
      const out: unknown[] = new Array(n).fill(null);
      let left = -1;
      for (let i = 0; i < n; i++) {
        if (!isNullish(ys[i])) {
          out[i] = ys[i];
          left = i;
          continue;
        }
        if (left < 0) continue;
        let right = i + 1;
        while (right < n && isNullish(ys[right])) right++;
        if (right >= n) break;
        const [x1, y1, x2, y2] = [timeValue(xs[left]), ys[left], timeValue(xs[right]), ys[right]];
        for (let k = i; k < right; k++) {
          const slope = divideNumbers(subtractNumbers(y2, y1), subtractNumbers(x2, x1));
          out[k] = addNumbers(y1, multiplyNumbers(subtractNumbers(timeValue(xs[k]), x1), slope));
        }
        i = right - 1;
      }
      yield* out;
    },
  };
};

const PARSERS: Readonly<Record<string, Parser>> = {
  $addToSet: accumulatorFunction(undefined, true),
  $avg: accumulatorFunction(() => new RemovableAvg()),
  $count: parseCount,
  $covariancePop: covariance(false),
  $covarianceSamp: covariance(true),
  $denseRank: rankFunction('dense'),
  $derivative: parseDerivative,
  $documentNumber: rankFunction('number'),
  $expMovingAvg: parseExpMovingAvg,
  $first: firstLast(false),
  $integral: parseIntegral,
  $last: firstLast(true),
  $linearFill: parseLinearFill,
  $locf: parseLocf,
  $max: accumulatorFunction((collation) => new SlidingExtreme(1, collation)),
  $min: accumulatorFunction((collation) => new SlidingExtreme(-1, collation)),
  $push: accumulatorFunction(),
  $rank: rankFunction('rank'),
  $shift: parseShift,
  $stdDevPop: accumulatorFunction(() => new RemovableStdDev(false)),
  $stdDevSamp: accumulatorFunction(() => new RemovableStdDev(true)),
  $sum: accumulatorFunction(() => new RemovableSum()),
};

/** $covariancePop/$covarianceSamp: the accumulator form over `[x, y]`, with a removable co-moment. */
function covariance(sample: boolean): Parser {
  return (spec, _name, ctx) => {
    const { name, input, bounds } = parseAccumulatorForm(spec, ctx);
    const ev = ctx.expressions.parse(input);
    const make = (): Accumulator => {
      const state = new RemovableCovariance(sample);
      return { add: (v) => state.add(v), result: () => state.result() };
    };
    return {
      name,
      compute: (partition) => accumulate(bounds, partition, evaluateAll(ev, partition), make, () => new RemovableCovariance(sample)),
    };
  };
}

