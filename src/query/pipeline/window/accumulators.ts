import { compareValues, isDocument, Int32, type Collation } from '../../../bson/index.js';
import { accumulatorFactories, type Accumulator } from '../../expressions/index.js';
import { DEFAULT_BOUNDS, isWholePartition, parseWindowBounds, type WindowBounds } from './bounds.js';
import { RemovableCovariance, RemovableSum, type RemovableState } from './removable.js';
import {
  endpointsOf, evaluateAll, failedToParse, parseAccumulatorForm, type Partition, type WindowFunctionParser,
} from './window_function.js';

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
export function accumulatorFunction(makeRemovable?: (collation: Collation | null) => RemovableState, sorted = false): WindowFunctionParser {
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
export const parseCount: WindowFunctionParser = (spec, _name, ctx) => {
  let bounds: WindowBounds = DEFAULT_BOUNDS;
  let seen = false;
  for (const key of Object.keys(spec)) {
    if (key === 'window') {
      bounds = parseWindowBounds(spec[key], ctx.sortBy, ctx.evaluateConstant);
    } else if (ctx.isFunction(key)) {
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

/** $covariancePop/$covarianceSamp: the accumulator form over `[x, y]`, with a removable co-moment. */
export function covariance(sample: boolean): WindowFunctionParser {
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
