import { elementToString, isDocument, isNumeric, toNumber, type Collation } from '../../bson/index.js';
import { mongoError, MongoServerError } from '../../errors/index.js';
import type { Accumulator } from './accumulators.js';
import { sortedWindow, type InitializedAccumulator, type InitializedAccumulatorParser, type RemovableAccumulator } from './accumulators_n.js';
import { internalQueryMaxPercentileAccumulatorBytes } from './memory_limits.js';
import type { Evaluator, OperatorTable, ParseContext } from './types.js';
import { double, formatValue, typeName } from './values.js';

/**
 * $percentile and $median (https://www.mongodb.com/docs/manual/reference/operator/aggregation/percentile/), as
 * accumulators, window functions and expressions. mongod 8.0 accepts only `method: 'approximate'`; eddydb answers
 * it with the exact discrete percentile (the smallest value with at least p of the values at or below it), which
 * is what mongod's t-digest gives on the small inputs its tests and manual use, and never further from the true
 * percentile on large ones.
 */

/** What mongod counts per value kept: one double. */
const BYTES_PER_VALUE = 8;

interface PercentileSpec {
  readonly input: Evaluator;
  readonly ps: readonly number[];
}

/** The IDL-parsed `{input, p, method}` ($median has no `p`), with the IDL's codes and messages. */
function parseSpec(op: '$percentile' | '$median', arg: unknown, ctx: ParseContext, notObjectCode: number): PercentileSpec {
  if (!isDocument(arg)) throw new MongoServerError(notObjectCode, `specification must be an object; found ${elementToString(op, arg)}`);
  const fields = op === '$percentile' ? ['input', 'p', 'method'] : ['input', 'method'];
  for (const key of Object.keys(arg)) {
    if (!fields.includes(key)) throw mongoError('IDLUnknownField', `BSON field '${op}.${key}' is an unknown field.`);
    if (key === 'method') {
      const method = arg[key];
      if (typeof method !== 'string') {
        throw mongoError('TypeMismatch', `BSON field '${op}.method' is the wrong type '${typeName(method)}', expected type 'string'`);
      }
      if (method !== 'approximate') throw mongoError('BadValue', "Currently only 'approximate' can be used as percentile 'method'.");
    }
  }
  for (const key of fields) {
    if (!(key in arg)) throw mongoError('IDLFailedToParse', `BSON field '${op}.${key}' is missing but a required field`);
  }
  return { input: ctx.parse(arg.input), ps: op === '$percentile' ? parseP(arg.p) : [0.5] };
}

/** A literal value: nothing in it that an expression would evaluate. */
function isLiteral(v: unknown): boolean {
  if (typeof v === 'string') return !v.startsWith('$');
  if (Array.isArray(v)) return v.every(isLiteral);
  if (isDocument(v)) return Object.keys(v).every((k) => !k.startsWith('$') && isLiteral(v[k]));
  return true;
}

/** `p`: a constant, non-empty array of numbers in [0, 1]. */
function parseP(p: unknown): number[] {
  if (!isLiteral(p)) {
    throw new MongoServerError(7750300, `The $percentile 'p' field must be an array of constant values, but found value: ${formatValue(p)}.`);
  }
  const message = "The $percentile 'p' field must be an array of numbers from [0.0, 1.0], but found: ";
  if (!Array.isArray(p) || p.length === 0) throw new MongoServerError(7750301, message + formatValue(p));
  return p.map((v) => {
    if (!isNumeric(v)) throw new MongoServerError(7750302, message + formatValue(v));
    const d = toNumber(v);
    if (d < 0 || d > 1) throw new MongoServerError(7750303, message + String(d));
    return d;
  });
}

/** The discrete percentile of sorted values: the value at rank ceil(p * n) - 1. */
function discretePercentile(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (p >= 1) return sorted[n - 1]!;
  if (p <= 0) return sorted[0]!;
  return sorted[Math.max(0, Math.ceil(p * n) - 1)]!;
}

/** $percentile's result is an array of doubles (nulls for no numeric input); $median's is one of them. */
function format(op: string, ps: readonly number[], values: number[]): unknown {
  return formatSorted(op, ps, values.slice().sort((a, b) => a - b));
}

function formatSorted(op: string, ps: readonly number[], sorted: readonly number[]): unknown {
  const results = ps.map((p) => (sorted.length === 0 ? null : double(discretePercentile(sorted, p))));
  return op === '$median' ? results[0] : results;
}

function percentileAccumulator(op: string, ps: readonly number[]): Accumulator {
  const values: number[] = [];
  return {
    add(v) {
      if (!isNumeric(v)) return;
      values.push(toNumber(v));
      const used = values.length * BYTES_PER_VALUE;
      if (used > internalQueryMaxPercentileAccumulatorBytes) {
        throw mongoError(
          'ExceededMemoryLimit',
          `$percentile used too much memory and cannot spill to disk. Used: ${used} bytes. Memory limit: ${internalQueryMaxPercentileAccumulatorBytes} bytes`,
        );
      }
    },
    result: () => format(op, ps, values),
  };
}

const NULL_INIT: Evaluator = () => null;

/** Over a sliding window: the window's numbers kept sorted. */
function removablePercentile(op: string, ps: readonly number[]): RemovableAccumulator {
  const window = sortedWindow<number>((a, b) => a - b, (sorted) => formatSorted(op, ps, sorted));
  return {
    add: (v) => { if (isNumeric(v)) window.insert(toNumber(v)); },
    remove: (v) => { if (isNumeric(v)) window.delete(toNumber(v)); },
    result: window.result,
  };
}

function accumulatorParser(op: '$percentile' | '$median'): InitializedAccumulatorParser {
  return (arg, ctx): InitializedAccumulator => {
    const { input, ps } = parseSpec(op, arg, ctx, op === '$percentile' ? 7429703 : 7436100);
    return {
      op,
      init: NULL_INIT,
      input,
      make: (_collation: Collation | null) => percentileAccumulator(op, ps),
      makeRemovable: () => removablePercentile(op, ps),
    };
  };
}

export const percentileAccumulatorParsers: Readonly<Record<string, InitializedAccumulatorParser>> = {
  $median: accumulatorParser('$median'),
  $percentile: accumulatorParser('$percentile'),
};

/** The expression form: a number is every percentile of itself; an array gives the percentiles of its numbers. */
function expressionForm(op: '$percentile' | '$median') {
  return (arg: unknown, ctx: ParseContext): Evaluator => {
    const { input, ps } = parseSpec(op, arg, ctx, op === '$percentile' ? 7436200 : 7436201);
    return (scope) => {
      const v = input(scope);
      if (isNumeric(v)) return format(op, ps, [toNumber(v)]);
      const values = Array.isArray(v) ? v.filter(isNumeric).map((x) => toNumber(x)) : [];
      return format(op, ps, values);
    };
  };
}

export const percentileExpressionOperators: OperatorTable = {
  $median: expressionForm('$median'),
  $percentile: expressionForm('$percentile'),
};
