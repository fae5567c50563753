import { isDocument, isNumeric, toNumber, valuesEqual } from '../../bson/index.js';
import { mongoError, MongoServerError } from '../../errors/index.js';
import { fixedArgs, indexBound, namedArgs, parseArgs, rangedArgs } from './args.js';
import { validateVariableNameForWrite } from './field_path.js';
import {
  approximateSize, internalQueryMaxMapFilterReduceBytes, internalQueryMaxRangeBytes, MAX_EXPRESSION_VALUE_BYTES,
  rememberSize, valueTooLarge,
} from './memory_limits.js';
import type { Evaluator, OperatorTable, ParseContext } from './types.js';
import { coerceToBool, formatValue, int32, intOrLong, isIntegral32, isNullish, typeName } from './values.js';
import { bindVariable } from './variables.js';

/**
 * Array operators (https://www.mongodb.com/docs/manual/reference/operator/aggregation/#array-expression-operators)
 * (set operators are in set.ts). Null or missing arrays give null unless the operator says otherwise ($size and $in require an
 * array; $isArray answers false).
 */

/** mongod's arrayElemAt, shared by $arrayElemAt, $first and $last. */
function elemAt(name: string, unary: boolean, array: unknown, index: unknown): unknown {
  if (isNullish(array) || isNullish(index)) return null;
  if (!Array.isArray(array)) {
    throw new MongoServerError(28689, `${name}'s ${unary ? 'argument' : 'first argument'} must be an array, but is ${typeName(array)}`);
  }
  if (!isNumeric(index)) {
    throw new MongoServerError(28690, `${name}'s second argument must be a numeric value, but is ${typeName(index)}`);
  }
  if (!isIntegral32(index)) {
    throw new MongoServerError(28691, `${name}'s second argument must be representable as a 32-bit integer: ${toNumber(index)}`);
  }
  let i = toNumber(index);
  if (i < 0) i += array.length;
  return i >= 0 && i < array.length ? array[i] : undefined;
}

function parseArrayElemAt(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const [a, i] = fixedArgs(name, arg, ctx, 2);
  return (scope) => elemAt(name, false, a!(scope), i!(scope));
}

function firstOrLast(last: boolean) {
  return (arg: unknown, ctx: ParseContext, name: string): Evaluator => {
    const [a] = fixedArgs(name, arg, ctx, 1);
    return (scope) => elemAt(name, true, a!(scope), last ? -1 : 0);
  };
}

/** The approximate size of an empty array value (what approximateSize counts before the elements). */
const EMPTY_ARRAY_SIZE = approximateSize([]);

function parseConcatArrays(arg: unknown, ctx: ParseContext): Evaluator {
  const args = parseArgs(arg, ctx);
  return (scope) => {
    const arrays: unknown[][] = [];
    let size = EMPTY_ARRAY_SIZE;
    for (const ev of args) {
      const v = ev(scope);
      if (isNullish(v)) return null;
      if (!Array.isArray(v)) throw new MongoServerError(28664, `$concatArrays only supports arrays, not ${typeName(v)}`);
      arrays.push(v);
      size += approximateSize(v) - EMPTY_ARRAY_SIZE;
    }
    // Checked before copying: nested $concatArrays of one variable double at each level.
    if (size > MAX_EXPRESSION_VALUE_BYTES) throw valueTooLarge('$concatArrays', size, MAX_EXPRESSION_VALUE_BYTES);
    const out: unknown[] = [];
    for (const a of arrays) for (const el of a) out.push(el);
    rememberSize(out, size);
    return out;
  };
}

/**
 * The per-element expression of $map (`in`) and $filter (`cond`), compiled with the `as` variable ("this" when
 * absent, validated as a name a user may define) in scope; returns that name and the expression.
 */
function elementExpression(spec: Record<string, unknown>, ctx: ParseContext, field: string): [string, Evaluator] {
  const name = 'as' in spec ? (typeof spec.as === 'string' ? spec.as : '') : 'this';
  validateVariableNameForWrite(name);
  return [name, ctx.withVariables([name]).parse(spec[field])];
}

/** The evaluated `input` of $map and $filter: an array, or null for null or missing; other types are error `code`. */
function inputArray(input: unknown, name: string, code: number): unknown[] | null {
  if (isNullish(input)) return null;
  if (!Array.isArray(input)) throw new MongoServerError(code, `input to ${name} must be an array not ${typeName(input)}`);
  return input;
}

function parseMap(arg: unknown, ctx: ParseContext): Evaluator {
  const spec = namedArgs(arg, ['input', 'as', 'in'], {
    notObject: [16878, '$map only supports an object as its argument'],
    unknown: [16879, 'Unrecognized parameter to $map: '],
    required: {
      input: [16880, "Missing 'input' parameter to $map"],
      in: [16882, "Missing 'in' parameter to $map"],
    },
  });
  const inputEv = ctx.parse(spec.input);
  const [name, inEv] = elementExpression(spec, ctx, 'in');
  return (scope) => {
    const input = inputArray(inputEv(scope), '$map', 16883);
    if (input === null) return null;
    let size = EMPTY_ARRAY_SIZE;
    const out: unknown[] = [];
    for (const el of input) {
      const v = inEv(bindVariable(scope, name, el));
      out.push(v === undefined ? null : v);
      size += approximateSize(v === undefined ? null : v);
      if (size > internalQueryMaxMapFilterReduceBytes) throw mongoError('ExceededMemoryLimit', '$map would use too much memory and cannot spill');
    }
    rememberSize(out, size);
    return out;
  };
}

function parseFilter(arg: unknown, ctx: ParseContext): Evaluator {
  const spec = namedArgs(arg, ['input', 'as', 'cond', 'limit'], {
    notObject: [28646, '$filter only supports an object as its argument'],
    unknown: [28647, 'Unrecognized parameter to $filter: '],
    required: {
      input: [28648, "Missing 'input' parameter to $filter"],
      cond: [28650, "Missing 'cond' parameter to $filter"],
    },
  });
  const inputEv = ctx.parse(spec.input);
  const limitEv = 'limit' in spec ? ctx.parse(spec.limit) : undefined;
  const [name, condEv] = elementExpression(spec, ctx, 'cond');
  return (scope) => {
    const input = inputArray(inputEv(scope), '$filter', 28651);
    if (input === null) return null;
    let limit = Infinity;
    if (limitEv) {
      const l = limitEv(scope);
      if (!isNullish(l)) {
        if (!isIntegral32(l)) {
          throw new MongoServerError(327391, `$filter: limit must be represented as a 32-bit integral value: ${formatValue(l)}`);
        }
        limit = toNumber(l);
        if (limit < 1) throw new MongoServerError(327392, `$filter: limit must be greater than 0: ${limit}`);
      }
    }
    const out: unknown[] = [];
    for (const el of input) {
      if (out.length >= limit) break;
      if (coerceToBool(condEv(bindVariable(scope, name, el)))) out.push(el);
    }
    return out;
  };
}

function parseReduce(arg: unknown, ctx: ParseContext): Evaluator {
  const spec = namedArgs(arg, ['input', 'initialValue', 'in'], {
    notObject: [40075, `$reduce requires an object as an argument, found: ${typeName(arg)}`],
    unknown: [40076, '$reduce found an unknown argument: '],
    required: {
      input: [40077, "$reduce requires 'input' to be specified"],
      initialValue: [40078, "$reduce requires 'initialValue' to be specified"],
      in: [40079, "$reduce requires 'in' to be specified"],
    },
  });
  const inputEv = ctx.parse(spec.input);
  const initialEv = ctx.parse(spec.initialValue);
  const inEv = ctx.withVariables(['this', 'value']).parse(spec.in);
  return (scope) => {
    const input = inputEv(scope);
    if (isNullish(input)) return null;
    if (!Array.isArray(input)) {
      throw new MongoServerError(40080, `$reduce requires that 'input' be an array, found: ${formatValue(input)}`);
    }
    let acc = initialEv(scope);
    let step = 0;
    let interval = REDUCE_DEPTH_CHECK_INTERVAL;
    let previousDepth = -1;
    for (const el of input) {
      acc = inEv(bindVariable(bindVariable(scope, 'this', el), 'value', acc));
      // A value nested one level per step would overflow every recursive reader of it later; mongod measures the
      // depth every `interval` steps, and checks less often while the depth stays the same.
      if (step++ % interval === 0 && acc !== null && typeof acc === 'object') {
        const depth = depthUpTo(acc, REDUCE_MAX_DEPTH);
        if (depth > REDUCE_MAX_DEPTH) throw mongoError('Overflow', '$reduce accumulated value exceeded max allowable BSON depth');
        if (depth === previousDepth) interval *= 2;
        previousDepth = depth;
      }
      // approximateSize remembers what it measured, so a value grown by one element per step costs one step.
      if (approximateSize(acc) > internalQueryMaxMapFilterReduceBytes) {
        throw mongoError('ExceededMemoryLimit', '$reduce would use too much memory and cannot spill');
      }
    }
    return acc;
  };
}

/** mongod's limit on a $reduce value's depth: twice the BSON depth it accepts (200). */
const REDUCE_MAX_DEPTH = 2 * 200;
const REDUCE_DEPTH_CHECK_INTERVAL = 16;

/** The nesting depth of arrays and documents in `v` (a scalar is 0), or `max + 1` once it passes `max`. */
function depthUpTo(v: unknown, max: number): number {
  if (v === null || typeof v !== 'object') return 0;
  const children = Array.isArray(v) ? v : isDocument(v) ? Object.values(v) : undefined;
  if (children === undefined) return 0;
  if (max === 0) return 1;
  let deepest = 0;
  for (const child of children) {
    const d = depthUpTo(child, max - 1);
    if (d > deepest) deepest = d;
    if (deepest > max - 1) break;
  }
  return 1 + deepest;
}

function parseIn(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const [needleEv, arrayEv] = fixedArgs(name, arg, ctx, 2);
  const collation = ctx.collation;
  return (scope) => {
    const needle = needleEv!(scope);
    const array = arrayEv!(scope);
    if (!Array.isArray(array)) {
      throw new MongoServerError(40081, `$in requires an array as a second argument, found: ${typeName(array)}`);
    }
    return array.some((el) => valuesEqual(needle, el, collation));
  };
}

function parseSize(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const [ev] = fixedArgs(name, arg, ctx, 1);
  return (scope) => {
    const v = ev!(scope);
    if (!Array.isArray(v)) {
      throw new MongoServerError(17124, `The argument to $size must be an array. Type of the argument is: ${typeName(v)}`);
    }
    return intOrLong(v.length);
  };
}

function parseSlice(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const args = rangedArgs(name, arg, ctx, 2, 3);
  return (scope) => {
    const array = args[0]!(scope);
    const second = args[1]!(scope);
    if (isNullish(array) || isNullish(second)) return null;
    if (!Array.isArray(array)) {
      throw new MongoServerError(28724, `First argument to $slice must be an array, but is of type: ${typeName(array)}`);
    }
    if (!isNumeric(second)) {
      throw new MongoServerError(28725, `Second argument to $slice must be a numeric value, but is of type: ${typeName(second)}`);
    }
    if (!isIntegral32(second)) {
      throw new MongoServerError(28726, `Second argument to $slice can't be represented as a 32-bit integer: ${toNumber(second)}`);
    }
    const n = toNumber(second);
    if (args.length === 2) return n >= 0 ? array.slice(0, n) : array.slice(Math.max(0, array.length + n));
    const start = n < 0 ? Math.max(0, array.length + n) : Math.min(array.length, n);
    const countV = args[2]!(scope);
    if (isNullish(countV)) return null;
    if (!isNumeric(countV)) {
      throw new MongoServerError(28727, `Third argument to $slice must be numeric, but is of type: ${typeName(countV)}`);
    }
    if (!isIntegral32(countV)) {
      throw new MongoServerError(28728, `Third argument to $slice can't be represented as a 32-bit integer: ${toNumber(countV)}`);
    }
    const count = toNumber(countV);
    if (count <= 0) throw new MongoServerError(28729, `Third argument to $slice must be positive: ${count}`);
    return array.slice(start, start + count);
  };
}

function parseIsArray(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const [ev] = fixedArgs(name, arg, ctx, 1);
  return (scope) => Array.isArray(ev!(scope));
}

function parseIndexOfArray(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const args = rangedArgs(name, arg, ctx, 2, 4);
  const collation = ctx.collation;
  return (scope) => {
    const array = args[0]!(scope);
    if (isNullish(array)) return null;
    if (!Array.isArray(array)) {
      throw new MongoServerError(40090, `$indexOfArray requires an array as a first argument, found: ${typeName(array)}`);
    }
    const start = args.length > 2 ? indexBound(args[2]!(scope), name, 'starting index') : 0;
    const end = args.length > 3 ? Math.min(array.length, indexBound(args[3]!(scope), name, 'ending index')) : array.length;
    const needle = args[1]!(scope);
    for (let i = start; i < end; i++) if (valuesEqual(array[i], needle, collation)) return int32(i);
    return int32(-1);
  };
}

function parseReverseArray(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const [ev] = fixedArgs(name, arg, ctx, 1);
  return (scope) => {
    const v = ev!(scope);
    if (isNullish(v)) return null;
    if (!Array.isArray(v)) {
      throw new MongoServerError(34435, `The argument to $reverseArray must be an array, but was of type: ${typeName(v)}`);
    }
    return [...v].reverse();
  };
}

function parseRange(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const args = rangedArgs(name, arg, ctx, 2, 3);
  return (scope) => {
    const startV = args[0]!(scope);
    const endV = args[1]!(scope);
    if (!isNumeric(startV)) {
      throw new MongoServerError(34443, `$range requires a numeric starting value, found value of type: ${typeName(startV)}`);
    }
    if (!isIntegral32(startV)) {
      throw new MongoServerError(34444, `$range requires a starting value that can be represented as a 32-bit integer, found value: ${formatValue(startV)}`);
    }
    if (!isNumeric(endV)) {
      throw new MongoServerError(34445, `$range requires a numeric ending value, found value of type: ${typeName(endV)}`);
    }
    if (!isIntegral32(endV)) {
      throw new MongoServerError(34446, `$range requires an ending value that can be represented as a 32-bit integer, found value: ${formatValue(endV)}`);
    }
    let step = 1;
    if (args.length === 3) {
      const stepV = args[2]!(scope);
      if (!isNumeric(stepV)) {
        throw new MongoServerError(34447, `$range requires a numeric step value, found value of type:${typeName(stepV)}`);
      }
      if (!isIntegral32(stepV)) {
        throw new MongoServerError(34448, `$range requires a step value that can be represented as a 32-bit integer, found value: ${formatValue(stepV)}`);
      }
      step = toNumber(stepV);
      if (step === 0) throw new MongoServerError(34449, '$range requires a non-zero step value');
    }
    const start = toNumber(startV);
    const end = toNumber(endV);
    // mongod's estimate, checked before anything is built: a vector plus one Value per element.
    const steps = Math.trunc((end - start) / step);
    const length = steps >= 0 ? 1 + steps : 0;
    const memNeeded = RANGE_VECTOR_BYTES + length * RANGE_ELEMENT_BYTES;
    if (memNeeded >= internalQueryMaxRangeBytes) throw valueTooLarge('$range', memNeeded, internalQueryMaxRangeBytes);
    const out: unknown[] = [];
    for (let i = start; step > 0 ? i < end : i > end; i += step) out.push(int32(i));
    return out;
  };
}

/** mongod's sizeof(std::vector<Value>) and sizeof(Value), the terms of its $range estimate. */
const RANGE_VECTOR_BYTES = 24;
const RANGE_ELEMENT_BYTES = 16;

function parseZip(arg: unknown, ctx: ParseContext): Evaluator {
  if (!isDocument(arg)) throw new MongoServerError(34460, `$zip only supports an object as an argument, found ${typeName(arg)}`);
  let inputs: Evaluator[] = [];
  let defaults: Evaluator[] = [];
  let longest = false;
  for (const key of Object.keys(arg)) {
    const v = arg[key];
    if (key === 'inputs') {
      if (!Array.isArray(v)) throw new MongoServerError(34461, `inputs must be an array of expressions, found ${typeName(v)}`);
      inputs = v.map((e) => ctx.parse(e));
    } else if (key === 'defaults') {
      if (!Array.isArray(v)) throw new MongoServerError(34462, `defaults must be an array of expressions, found ${typeName(v)}`);
      defaults = v.map((e) => ctx.parse(e));
    } else if (key === 'useLongestLength') {
      if (typeof v !== 'boolean') throw new MongoServerError(34463, `useLongestLength must be a bool, found ${typeName(v)}`);
      longest = v;
    } else {
      throw new MongoServerError(34464, `$zip found an unknown argument: ${key}`);
    }
  }
  if (inputs.length === 0) throw new MongoServerError(34465, '$zip requires at least one input array');
  if (!longest && defaults.length > 0) throw new MongoServerError(34466, 'cannot specify defaults unless useLongestLength is true');
  if (defaults.length > 0 && defaults.length !== inputs.length) {
    throw new MongoServerError(34467, 'defaults and inputs must have the same length');
  }
  return (scope) => {
    const arrays: unknown[][] = [];
    for (const ev of inputs) {
      const v = ev(scope);
      if (isNullish(v)) return null;
      if (!Array.isArray(v)) throw new MongoServerError(34468, `$zip found a non-array expression in input: ${formatValue(v)}`);
      arrays.push(v);
    }
    const lengths = arrays.map((a) => a.length);
    const n = longest ? Math.max(...lengths) : Math.min(...lengths);
    const fill = defaults.length > 0 ? defaults.map((d) => d(scope)) : arrays.map(() => null);
    // The rows are new arrays of shared elements: n rows of one value per input, checked before they are built.
    const size = EMPTY_ARRAY_SIZE + n * (EMPTY_ARRAY_SIZE + arrays.length * approximateSize(null));
    if (size > MAX_EXPRESSION_VALUE_BYTES) throw valueTooLarge('$zip', size, MAX_EXPRESSION_VALUE_BYTES);
    const out: unknown[][] = [];
    for (let row = 0; row < n; row++) out.push(arrays.map((a, col) => (row < a.length ? a[row] : fill[col])));
    return out;
  };
}

export const arrayOperators: OperatorTable = {
  $arrayElemAt: parseArrayElemAt,
  $concatArrays: parseConcatArrays,
  $filter: parseFilter,
  $first: firstOrLast(false),
  $in: parseIn,
  $indexOfArray: parseIndexOfArray,
  $isArray: parseIsArray,
  $last: firstOrLast(true),
  $map: parseMap,
  $range: parseRange,
  $reduce: parseReduce,
  $reverseArray: parseReverseArray,
  $size: parseSize,
  $slice: parseSlice,
  $zip: parseZip,
};
