import { addNumbers, compareValues, divideNumbers, isDocument, isNumeric, toNumber, Int32, setField } from '../../bson/index.js';
import { mongoError, MongoServerError } from '../../errors/index.js';
import { parseArgs } from './args.js';
import { approximateSize, internalQueryMaxAddToSetBytes, internalQueryMaxPushBytes } from './memory_limits.js';
import { ValueGroups } from './value_groups.js';
import type { Collation, Evaluator, OperatorTable, ParseContext } from './types.js';
import { double, formatValue, isNullish, typeName } from './values.js';

/**
 * Accumulators (https://www.mongodb.com/docs/manual/reference/operator/aggregation/group/#accumulator-operator):
 * the state machines behind $group's fields, also used by the expression forms of $sum, $avg, $min, $max,
 * $stdDevPop and $stdDevSamp over an array or an argument list.
 */
export interface Accumulator {
  /** Feeds one evaluated value (`undefined` is missing). */
  add(value: unknown): void;
  /** The accumulated result. */
  result(): unknown;
}

export type AccumulatorFactory = (collation: Collation | null) => Accumulator;

function sum(): Accumulator {
  let total: unknown = new Int32(0);
  return {
    add(v) {
      if (isNumeric(v)) total = addNumbers(total, v);
    },
    result: () => total,
  };
}

function avg(): Accumulator {
  let total: unknown = new Int32(0);
  let count = 0;
  return {
    add(v) {
      if (!isNumeric(v)) return;
      total = addNumbers(total, v);
      count++;
    },
    result() {
      if (count === 0) return null;
      const isDecimal = (total as { _bsontype?: string })._bsontype === 'Decimal128';
      return isDecimal ? divideNumbers(total, new Int32(count)) : double(toNumber(total) / count);
    },
  };
}

function minMax(sign: 1 | -1) {
  return (collation: Collation | null): Accumulator => {
    let best: unknown;
    let seen = false;
    return {
      add(v) {
        if (isNullish(v)) return;
        if (!seen || compareValues(v, best, collation) * sign > 0) {
          best = v;
          seen = true;
        }
      },
      result: () => (seen ? best : null),
    };
  };
}

function firstOrLast(last: boolean) {
  return (): Accumulator => {
    let value: unknown = null;
    let seen = false;
    return {
      add(v) {
        if (last || !seen) value = v === undefined ? null : v;
        seen = true;
      },
      result: () => value,
    };
  };
}

function push(): Accumulator {
  const values: unknown[] = [];
  let bytes = 0;
  return {
    add(v) {
      if (v === undefined) return;
      values.push(v);
      bytes += approximateSize(v);
      if (bytes > internalQueryMaxPushBytes) {
        throw mongoError('ExceededMemoryLimit', `$push used too much memory and cannot spill to disk. Memory limit: ${internalQueryMaxPushBytes} bytes`);
      }
    },
    result: () => values,
  };
}

function addToSet(collation: Collation | null): Accumulator {
  const values: unknown[] = [];
  // Bucketed by a coarse key, so each value is compared with the few that may equal it, not with all of them.
  const seen = new ValueGroups<true>(collation);
  let bytes = 0;
  return {
    add(v) {
      if (v === undefined) return;
      let added = false;
      seen.get(v, () => (added = true));
      if (!added) return;
      values.push(v);
      bytes += approximateSize(v);
      if (bytes > internalQueryMaxAddToSetBytes) {
        throw mongoError(
          'ExceededMemoryLimit',
          `$addToSet used too much memory and cannot spill to disk. Used: ${bytes} bytes. Memory limit: ${internalQueryMaxAddToSetBytes} bytes`,
        );
      }
    },
    result: () => values,
  };
}

function stdDev(sample: boolean) {
  return (): Accumulator => {
    // Welford's online algorithm: numerically stable in one pass.
    let n = 0;
    let mean = 0;
    let m2 = 0;
    return {
      add(v) {
        if (!isNumeric(v)) return;
        const x = toNumber(v);
        n++;
        const delta = x - mean;
        mean += delta / n;
        m2 += delta * (x - mean);
      },
      result() {
        const denom = sample ? n - 1 : n;
        return denom <= 0 ? null : double(Math.sqrt(m2 / denom));
      },
    };
  };
}

function mergeObjects(): Accumulator {
  const out: Record<string, unknown> = {};
  return {
    add(v) {
      if (isNullish(v)) return;
      if (!isDocument(v)) {
        throw new MongoServerError(40400, `$mergeObjects requires object inputs, but input ${formatValue(v)} is of type ${typeName(v)}`);
      }
      for (const key of Object.keys(v)) if (v[key] !== undefined) setField(out, key, v[key]);
    },
    result: () => out,
  };
}

/** The accumulators $group accepts, by operator name. */
export const accumulatorFactories: Readonly<Record<string, AccumulatorFactory>> = {
  $addToSet: addToSet,
  $avg: avg,
  $first: firstOrLast(false),
  $last: firstOrLast(true),
  $max: minMax(1),
  $mergeObjects: mergeObjects,
  $min: minMax(-1),
  $push: push,
  $stdDevPop: stdDev(false),
  $stdDevSamp: stdDev(true),
  $sum: sum,
};

/**
 * The expression form of an accumulator: one argument that is an array accumulates its elements; otherwise every
 * argument is one value.
 */
function expressionForm(factory: AccumulatorFactory) {
  return (arg: unknown, ctx: ParseContext): Evaluator => {
    const args = parseArgs(arg, ctx);
    const collation = ctx.collation;
    return (scope) => {
      const acc = factory(collation);
      if (args.length === 1) {
        const v = args[0]!(scope);
        if (Array.isArray(v)) for (const el of v) acc.add(el);
        else acc.add(v);
      } else {
        for (const ev of args) acc.add(ev(scope));
      }
      return acc.result();
    };
  };
}

export const accumulatorExpressionOperators: OperatorTable = {
  $avg: expressionForm(avg),
  $max: expressionForm(minMax(1)),
  $min: expressionForm(minMax(-1)),
  $stdDevPop: expressionForm(stdDev(false)),
  $stdDevSamp: expressionForm(stdDev(true)),
  $sum: expressionForm(sum),
};
