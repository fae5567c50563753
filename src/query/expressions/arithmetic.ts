import {
  addNumbers, bsonTypeOf, divideNumbers, isNumeric, multiplyNumbers, subtractNumbers, toNumber, Decimal128,
} from '../../bson/index.js';
import { MongoServerError, mongoError } from '../../errors/index.js';
import { fixedArgs, nullableBinary, parseArgs, rangedArgs } from './args.js';
import { decimalFromDouble34, isDecimalNegative, isDecimalZero, quantizeDecimal, roundDouble, type RoundingMode } from './decimal.js';
import type { Evaluator, OperatorTable, ParseContext } from './types.js';
import { double, formatDouble, int32, intOrLong, isIntegral32, isNullish, long, toBigIntValue, typeName } from './values.js';

/**
 * Arithmetic expression operators (https://www.mongodb.com/docs/manual/reference/operator/aggregation/#arithmetic-expression-operators)
 * with mongod's result types: int op int is an int (a long on overflow), a long widens to long, a double to double,
 * a decimal to decimal. Null or missing operands give null.
 */

const INT64_MIN = -(2n ** 63n);

function isDate(v: unknown): v is Date {
  return v instanceof Date;
}

/** $add: numbers and at most one date (the result is then a date). */
function parseAdd(arg: unknown, ctx: ParseContext): Evaluator {
  const args = parseArgs(arg, ctx);
  return (scope) => {
    let total: unknown = int32(0);
    let dateMs: number | null = null;
    for (const ev of args) {
      const v = ev(scope);
      if (isNumeric(v)) {
        total = addNumbers(total, v);
      } else if (isDate(v)) {
        if (dateMs !== null) throw new MongoServerError(16612, 'only one date allowed in an $add expression');
        dateMs = v.getTime();
      } else if (isNullish(v)) {
        return null;
      } else {
        throw new MongoServerError(16554, `$add only supports numeric or date types, not ${typeName(v)}`);
      }
    }
    if (dateMs === null) return total;
    const sum = dateMs + Math.round(toNumber(total));
    if (!Number.isFinite(sum) || Math.abs(sum) > 9.2e18) throw mongoError('Overflow', 'date overflow in $add');
    return new Date(sum);
  };
}

function parseSubtract(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  return nullableBinary(name, arg, ctx, (lhs, rhs) => {
    if (isNumeric(lhs) && isNumeric(rhs)) return subtractNumbers(lhs, rhs);
    if (isDate(lhs)) {
      if (isDate(rhs)) return long(lhs.getTime() - rhs.getTime());
      if (isNumeric(rhs)) return new Date(lhs.getTime() - Number(toBigIntValue(rhs)));
      throw new MongoServerError(16613, `cant $subtract a ${typeName(rhs)} from a Date`);
    }
    throw new MongoServerError(16556, `cant $subtract a ${typeName(rhs)} from a ${typeName(lhs)}`);
  });
}

function parseMultiply(arg: unknown, ctx: ParseContext): Evaluator {
  const args = parseArgs(arg, ctx);
  return (scope) => {
    let product: unknown = int32(1);
    for (const ev of args) {
      const v = ev(scope);
      if (isNumeric(v)) product = multiplyNumbers(product, v);
      else if (isNullish(v)) return null;
      else throw new MongoServerError(16555, `$multiply only supports numeric types, not ${typeName(v)}`);
    }
    return product;
  };
}

/** $divide and $mod: two numeric operands; any other type on either side is error `code`, naming both types. */
function numericBinary(code: number, op: (lhs: unknown, rhs: unknown) => unknown) {
  return (arg: unknown, ctx: ParseContext, name: string): Evaluator =>
    nullableBinary(name, arg, ctx, (lhs, rhs) => {
      if (!isNumeric(lhs) || !isNumeric(rhs)) {
        throw new MongoServerError(code, `${name} only supports numeric types, not ${typeName(lhs)} and ${typeName(rhs)}`);
      }
      return op(lhs, rhs);
    });
}

const divide = numericBinary(16609, (lhs, rhs) => {
  const r = divideNumbers(lhs, rhs);
  if (r === null) throw mongoError('BadValue', "can't $divide by zero");
  return r;
});

/**
 * mongod's $mod: a decimal operand computes in decimal; a double dividend or a non-integral double divisor uses
 * fmod; otherwise the result is a long if either side is a long, else an int (so `5 mod 2.0` is the int 1).
 */
function mod(lhs: unknown, rhs: unknown): unknown {
  const lt = bsonTypeOf(lhs);
  const rt = bsonTypeOf(rhs);
  if (lt === 'decimal' || rt === 'decimal') {
    const l = lt === 'decimal' ? (lhs as Decimal128) : toDecimal(lhs);
    const r = rt === 'decimal' ? (rhs as Decimal128) : toDecimal(rhs);
    if (isDecimalZero(r)) throw new MongoServerError(16610, "can't $mod by zero");
    return modDecimal(l, r);
  }
  const right = toNumber(rhs);
  if (right === 0) throw new MongoServerError(16610, "can't $mod by zero");
  if (lt === 'double' || (rt === 'double' && !Number.isInteger(right))) return double(toNumber(lhs) % right);
  const l = toBigIntValue(lhs);
  const r = toBigIntValue(rhs);
  const result = r === -1n ? 0n : l % r;
  return lt === 'long' || rt === 'long' ? long(result) : int32(Number(result));
}

function toDecimal(v: unknown): Decimal128 {
  const t = bsonTypeOf(v);
  if (t === 'int' || t === 'long') return Decimal128.fromString(toBigIntValue(v).toString());
  return Decimal128.fromStringWithRounding(toNumber(v).toExponential(14));
}

function modDecimal(l: Decimal128, r: Decimal128): unknown {
  // Truncated remainder: l - r * trunc(l / r), computed exactly with the decimal arithmetic of $subtract/$multiply.
  const q = divideNumbers(l, r) as Decimal128;
  const truncated = quantizeDecimal(q, 0, 'towardZero');
  return subtractNumbers(l, multiplyNumbers(r, truncated));
}

/** ExpressionSingleNumericArg: one argument; null/missing give null; other non-numerics are error 28765. */
export function singleNumeric(fn: (v: unknown, name: string) => unknown) {
  return (arg: unknown, ctx: ParseContext, name: string): Evaluator => {
    const [ev] = fixedArgs(name, arg, ctx, 1);
    return (scope) => {
      const v = ev!(scope);
      if (isNullish(v)) return null;
      if (!isNumeric(v)) throw new MongoServerError(28765, `${name} only supports numeric types, not ${typeName(v)}`);
      return fn(v, name);
    };
  };
}

const abs = singleNumeric((v) => {
  switch (bsonTypeOf(v)) {
    case 'double':
      return double(Math.abs(toNumber(v)));
    case 'decimal': {
      const s = (v as Decimal128).toString();
      return s.startsWith('-') ? Decimal128.fromString(s.slice(1)) : v;
    }
    default: {
      const n = toBigIntValue(v);
      if (n === INT64_MIN) throw new MongoServerError(28680, "can't take $abs of long long min");
      const a = n < 0n ? -n : n;
      return bsonTypeOf(v) === 'long' ? long(a) : intOrLong(a);
    }
  }
});

function integerRounding(mode: RoundingMode, fn: (x: number) => number) {
  return singleNumeric((v) => {
    switch (bsonTypeOf(v)) {
      case 'double':
        return double(fn(toNumber(v)));
      case 'decimal':
        return quantizeDecimal(v as Decimal128, 0, mode);
      default:
        // Integers are their own ceiling and floor.
        return v;
    }
  });
}

/** A real-valued function: a double result, or a decimal one for a decimal argument (computed in double). */
function realFunction(check: (x: number, name: string) => void, fn: (x: number) => number) {
  return singleNumeric((v, name) => {
    const x = toNumber(v);
    check(x, name);
    const r = fn(x);
    return bsonTypeOf(v) === 'decimal' ? decimalFromDouble34(r) : double(r);
  });
}

const noCheck = (): void => {};

function positive(code: number) {
  return (x: number, name: string): void => {
    if (!(x > 0 || Number.isNaN(x))) {
      throw new MongoServerError(code, `${name}'s argument must be a positive number, but is ${formatDouble(x)}`);
    }
  };
}

const sqrt = realFunction((x) => {
  if (x < 0) throw new MongoServerError(28714, "$sqrt's argument must be greater than or equal to 0");
}, Math.sqrt);

/**
 * $log and $pow: two operands, each with its own error when it is not numeric ("$pow's exponent must be numeric,
 * not string"); `first` and `second` name them in those messages.
 */
function twoNumerics(
  first: string,
  firstCode: number,
  second: string,
  secondCode: number,
  fn: (a: unknown, b: unknown, name: string) => unknown,
) {
  return (arg: unknown, ctx: ParseContext, name: string): Evaluator =>
    nullableBinary(name, arg, ctx, (a, b) => {
      if (!isNumeric(a)) throw new MongoServerError(firstCode, `${name}'s ${first} must be numeric, not ${typeName(a)}`);
      if (!isNumeric(b)) throw new MongoServerError(secondCode, `${name}'s ${second} must be numeric, not ${typeName(b)}`);
      return fn(a, b, name);
    });
}

const log = twoNumerics('argument', 28756, 'base', 28757, (a, b, name) => {
  const x = toNumber(a);
  const base = toNumber(b);
  positive(28758)(x, name);
  if (!((base > 0 && base !== 1) || Number.isNaN(base))) {
    throw new MongoServerError(28759, `${name}'s base must be a positive number not equal to 1, but is ${formatDouble(base)}`);
  }
  const r = Math.log(x) / Math.log(base);
  return bsonTypeOf(a) === 'decimal' || bsonTypeOf(b) === 'decimal' ? decimalFromDouble34(r) : double(r);
});

const pow = twoNumerics('base', 28762, 'exponent', 28763, (b, e) => {
  const bt = bsonTypeOf(b);
  const et = bsonTypeOf(e);
  const base = toNumber(b);
  const exp = toNumber(e);
  if (bt === 'decimal' || et === 'decimal') {
    const zeroBase = bt === 'decimal' ? isDecimalZero(b as Decimal128) : base === 0;
    const negExp = et === 'decimal' ? isDecimalNegative(e as Decimal128) : exp < 0;
    if (zeroBase && negExp) throw new MongoServerError(28764, '$pow cannot take a base of 0 and a negative exponent');
    return decimalFromDouble34(Math.pow(base, exp));
  }
  if (base === 0 && exp < 0) throw new MongoServerError(28764, '$pow cannot take a base of 0 and a negative exponent');
  if (bt === 'double' || et === 'double') return double(Math.pow(base, exp));
  const asLong = bt === 'long' || et === 'long';
  const bb = toBigIntValue(b);
  const eb = toBigIntValue(e);
  const format = (r: bigint): unknown => (asLong ? long(r) : intOrLong(r));
  if (bb === 0n) return format(eb === 0n ? 1n : 0n);
  if (bb === 1n) return format(1n);
  if (bb === -1n) return format(eb % 2n === 0n ? 1n : -1n);
  if (eb < 0n || eb > 63n) return double(Math.pow(base, exp));
  const r = bb ** eb;
  if (r < INT64_MIN || r > 2n ** 63n - 1n) return double(Math.pow(base, exp));
  return format(r);
});

/** $round and $trunc: an optional place in [-20, 100]; doubles round through 34-digit decimals as mongod does. */
function roundOrTrunc(mode: RoundingMode) {
  return (arg: unknown, ctx: ParseContext, name: string): Evaluator => {
    const args = rangedArgs(name, arg, ctx, 1, 2);
    return (scope) => {
      const v = args[0]!(scope);
      if (isNullish(v)) return null;
      if (!isNumeric(v)) throw new MongoServerError(51081, `${name} only supports numeric types, not ${typeName(v)}`);
      let places = 0;
      if (args.length > 1) {
        const p = args[1]!(scope);
        if (isNullish(p)) return null;
        if (!isIntegral32(p)) throw new MongoServerError(51082, `precision argument to  ${name} must be a integral value`);
        places = toNumber(p);
        if (places < -20 || places > 100) {
          throw new MongoServerError(51083, `cannot apply ${name} with precision value ${places} value must be in [-20, 100]`);
        }
      }
      switch (bsonTypeOf(v)) {
        case 'decimal':
          return quantizeDecimal(v as Decimal128, places, mode);
        case 'double':
          return double(roundDouble(toNumber(v), places, mode));
        default: {
          if (places >= 0) return v;
          const n = toBigIntValue(v);
          const unit = 10n ** BigInt(-places);
          const q = n / unit;
          const r = n % unit;
          let out = q;
          if (mode === 'halfEven' && r !== 0n) {
            const twice = (r < 0n ? -r : r) * 2n;
            if (twice > unit || (twice === unit && (q & 1n) !== 0n)) out += n < 0n ? -1n : 1n;
          }
          const result = out * unit;
          return bsonTypeOf(v) === 'long' ? long(result) : intOrLong(result);
        }
      }
    };
  };
}

/** $rand: a uniformly distributed double in [0, 1); it takes an empty object and nothing else (mongod: 3040501). */
function rand(arg: unknown): Evaluator {
  const empty = arg !== null && typeof arg === 'object' && !Array.isArray(arg) && Object.keys(arg as object).length === 0 && (arg as { _bsontype?: unknown })._bsontype === undefined;
  if (!empty) throw new MongoServerError(3040501, '$rand not allowed with arguments');
  return () => double(Math.random());
}

export const arithmeticOperators: OperatorTable = {
  $abs: abs,
  $add: parseAdd,
  $ceil: integerRounding('ceiling', Math.ceil),
  $divide: divide,
  $exp: realFunction(noCheck, Math.exp),
  $floor: integerRounding('floor', Math.floor),
  $ln: realFunction(positive(28766), Math.log),
  $log: log,
  $log10: realFunction(positive(28761), Math.log10),
  $mod: numericBinary(16611, mod),
  $multiply: parseMultiply,
  $pow: pow,
  $rand: rand,
  $round: roundOrTrunc('halfEven'),
  $sqrt: sqrt,
  $subtract: parseSubtract,
  $trunc: roundOrTrunc('towardZero'),
};

