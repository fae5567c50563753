import { compareValues, elementToString, isDocument, isNumeric, toNumber, type Collation } from '../../bson/index.js';
import { mongoError, MongoServerError } from '../../errors/index.js';
import type { Accumulator } from './accumulators.js';
import { approximateSize, internalQueryTopNAccumulatorBytes } from './memory_limits.js';
import type { Evaluator, OperatorTable, ParseContext } from './types.js';
import { formatValue, isNullish } from './values.js';

/**
 * The accumulators that take arguments besides their input ($firstN, $lastN, $minN, $maxN here; $topN and its
 * kin in pipeline/top_bottom.ts; $percentile and $median in percentile.ts). Each has an initializer, evaluated once
 * per group (against `{_id: <group key>}` in $group, as mongod does, so `n` may depend on the key), whose value
 * sets up the accumulator, and an input evaluated per document.
 */
export interface InitializedAccumulator {
  /** The accumulator as written ('$minN', ...). */
  readonly op: string;
  readonly init: Evaluator;
  readonly input: Evaluator;
  make(collation: Collation | null, initValue: unknown): Accumulator;
  /** The state of a sliding window: values leave it in the order they came (mongod's removable window functions). */
  makeRemovable(collation: Collation | null, initValue: unknown): RemovableAccumulator;
}

export interface RemovableAccumulator extends Accumulator {
  /** Takes back the oldest value still in the window, which the caller passes again. */
  remove(value: unknown): void;
}

/**
 * A sliding window's values kept in order under `cmp`, equal ones in arrival order, so removing the first of the
 * equal ones removes the oldest, as mongod's multisets do. `result` reads the sorted values.
 */
export function sortedWindow<T>(cmp: (a: T, b: T) => number, result: (sorted: readonly T[]) => unknown) {
  const sorted: T[] = [];
  return {
    insert(v: T): void {
      sorted.splice(upperBound(sorted, v, cmp), 0, v);
    },
    delete(v: T): void {
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cmp(sorted[mid]!, v) < 0) lo = mid + 1;
        else hi = mid;
      }
      if (lo < sorted.length) sorted.splice(lo, 1);
    },
    result: () => result(sorted),
  };
}

export type InitializedAccumulatorParser = (arg: unknown, ctx: ParseContext, op: string) => InitializedAccumulator;

/** ExceededMemoryLimit as mongod's AccumulatorN words it. */
export function accumulatorNTooLarge(op: string, limit: number): MongoServerError {
  return mongoError(
    'ExceededMemoryLimit',
    `${op} used too much memory and spilling to disk cannot reduce memory consumption any further. Memory limit: ${limit} bytes`,
  );
}

/** mongod's AccumulatorN::validateN: a positive integral number (any numeric type whose value is whole). */
export function validateN(v: unknown): number {
  if (!isNumeric(v)) throw new MongoServerError(5787902, `Value for 'n' must be of integral type, but found ${formatValue(v)}`);
  const d = toNumber(v);
  const n = Number.isFinite(d) ? Math.trunc(d) : d;
  if (n !== d || Number.isNaN(d)) throw new MongoServerError(5787903, `Value for 'n' must be of integral type, but found ${formatValue(v)}`);
  if (!(n > 0)) throw new MongoServerError(5787908, `'n' must be greater than 0, found ${n}`);
  return n;
}

/** The `{n, input}` argument of $firstN/$lastN/$minN/$maxN (mongod's AccumulatorN::parseArgs). */
function parseNInput(arg: unknown, ctx: ParseContext, op: string): { n: Evaluator; input: Evaluator } {
  const notObjectCode = op === '$firstN' || op === '$lastN' ? 5787801 : 5787900;
  if (!isDocument(arg)) throw new MongoServerError(notObjectCode, `specification must be an object; found ${elementToString(op, arg)}`);
  let n: Evaluator | undefined;
  let input: Evaluator | undefined;
  for (const key of Object.keys(arg)) {
    if (key === 'input') input = ctx.parse(arg[key]);
    else if (key === 'n') n = ctx.parse(arg[key]);
    else throw new MongoServerError(5787901, `Unknown argument for 'n' operator: ${key}`);
  }
  if (!n) throw new MongoServerError(5787906, "Missing value for 'n'");
  if (!input) throw new MongoServerError(5787907, "Missing value for 'input'");
  return { n, input };
}

/** Holds accumulated values under internalQueryTopNAccumulatorBytes. */
class MemoryTracker {
  private bytes = 0;
  constructor(private readonly op: string) {}
  add(v: unknown): number {
    const size = approximateSize(v);
    this.bytes += size;
    if (this.bytes >= internalQueryTopNAccumulatorBytes) throw accumulatorNTooLarge(this.op, internalQueryTopNAccumulatorBytes);
    return size;
  }
  release(size: number): void {
    this.bytes -= size;
  }
}

/** $firstN/$lastN: missing counts as null; $lastN keeps a sliding window of the last n. */
function firstLastN(last: boolean, op: string) {
  return (_collation: Collation | null, initValue: unknown): Accumulator => {
    const n = validateN(initValue);
    const values: unknown[] = [];
    const sizes: number[] = [];
    const memory = new MemoryTracker(op);
    return {
      add(v) {
        const value = v === undefined ? null : v;
        if (values.length === n) {
          if (!last) return;
          values.shift();
          memory.release(sizes.shift()!);
        }
        sizes.push(memory.add(value));
        values.push(value);
      },
      result: () => values.slice(),
    };
  };
}

/** Index of the first element of `sorted` that `cmp` puts after `v` (so equal values keep their arrival order). */
export function upperBound<T>(sorted: readonly T[], v: T, cmp: (a: T, b: T) => number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cmp(sorted[mid]!, v) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** $minN/$maxN: the n smallest (largest) non-nullish values, in ascending (descending) order. */
function minMaxN(sign: 1 | -1, op: string) {
  return (collation: Collation | null, initValue: unknown): Accumulator => {
    const n = validateN(initValue);
    // Kept in result order: ascending for $minN, descending for $maxN.
    const cmp = (a: unknown, b: unknown): number => compareValues(a, b, collation) * sign;
    const values: unknown[] = [];
    const sizes: number[] = [];
    const memory = new MemoryTracker(op);
    return {
      add(v) {
        if (isNullish(v)) return;
        if (values.length === n) {
          if (cmp(values[n - 1], v) <= 0) return;
          values.pop();
          memory.release(sizes.pop()!);
        }
        const at = upperBound(values, v, cmp);
        values.splice(at, 0, v);
        sizes.splice(at, 0, memory.add(v));
      },
      result: () => values.slice(),
    };
  };
}

/** $firstN/$lastN over a sliding window: the window's values in order, the first (last) n of them. */
function removableFirstLastN(last: boolean) {
  return (_collation: Collation | null, initValue: unknown): RemovableAccumulator => {
    const n = validateN(initValue);
    const values: unknown[] = [];
    let head = 0;
    return {
      add: (v) => void values.push(v === undefined ? null : v),
      remove() {
        head++;
        // Drops the removed prefix now and then, so the array stays about the window's size.
        if (head > 1024 && head * 2 > values.length) {
          values.splice(0, head);
          head = 0;
        }
      },
      result: () => (last ? values.slice(Math.max(head, values.length - n)) : values.slice(head, head + n)),
    };
  };
}

/** $minN/$maxN over a sliding window: every non-nullish value of the window, ordered; the first n of them. */
function removableMinMaxN(sign: 1 | -1) {
  return (collation: Collation | null, initValue: unknown): RemovableAccumulator => {
    const n = validateN(initValue);
    const window = sortedWindow<unknown>((a, b) => compareValues(a, b, collation) * sign, (sorted) => sorted.slice(0, n));
    return {
      add: (v) => { if (!isNullish(v)) window.insert(v); },
      remove: (v) => { if (!isNullish(v)) window.delete(v); },
      result: window.result,
    };
  };
}

function nAccumulator(
  op: string,
  make: (collation: Collation | null, initValue: unknown) => Accumulator,
  makeRemovable: (collation: Collation | null, initValue: unknown) => RemovableAccumulator,
): InitializedAccumulatorParser {
  return (arg, ctx) => {
    const { n, input } = parseNInput(arg, ctx, op);
    return { op, init: n, input, make, makeRemovable };
  };
}

/** The accumulators of this file, by name, for $group and $setWindowFields. */
export const nAccumulatorParsers: Readonly<Record<string, InitializedAccumulatorParser>> = {
  $firstN: nAccumulator('$firstN', firstLastN(false, '$firstN'), removableFirstLastN(false)),
  $lastN: nAccumulator('$lastN', firstLastN(true, '$lastN'), removableFirstLastN(true)),
  $maxN: nAccumulator('$maxN', minMaxN(-1, '$maxN'), removableMinMaxN(-1)),
  $minN: nAccumulator('$minN', minMaxN(1, '$minN'), removableMinMaxN(1)),
};

/** The array expression form: `{$minN: {n, input: <array>}}` accumulates the array's elements (5788200 otherwise). */
function expressionForm(op: string) {
  return (arg: unknown, ctx: ParseContext) => {
    const parsed = nAccumulatorParsers[op]!(arg, ctx, op);
    const collation = ctx.collation;
    return ((scope) => {
      const acc = parsed.make(collation, parsed.init(scope));
      const values = parsed.input(scope);
      if (!Array.isArray(values)) throw new MongoServerError(5788200, 'Input must be an array');
      for (const v of values) acc.add(v);
      return acc.result();
    }) as Evaluator;
  };
}

export const nExpressionOperators: OperatorTable = {
  $firstN: expressionForm('$firstN'),
  $lastN: expressionForm('$lastN'),
  $maxN: expressionForm('$maxN'),
  $minN: expressionForm('$minN'),
};
