import { elementToString, isDocument, isNumeric, toNumber, type Document } from '../../../bson/index.js';
import { type Evaluator } from '../../expressions/index.js';
import { failedToParse, type WindowFunctionParser } from './window_function.js';

/** Parses `by` as mongod's parseIntegerElementToInt: a number with an integral value in the int range. */
function parseShiftBy(v: unknown): number | undefined {
  if (!isNumeric(v)) return undefined;
  const n = toNumber(v);
  if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) return undefined;
  return n;
}

/** $shift: the output expression at the document `by` positions away in the partition, else `default`. */
export const parseShift: WindowFunctionParser = (spec, name, ctx) => {
  let shiftArgs: Document | undefined;
  for (const key of Object.keys(spec)) {
    if (key === 'window') throw failedToParse("$shift does not accept a 'window' field");
    if (ctx.isFunction(key)) {
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
