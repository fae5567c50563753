import { bsonTypeOf, isNumeric, toNumber, Decimal128 } from '../../bson/index.js';
import { decFromDecimal128, decFromDouble, decMultiply, decToDecimal128, decFromString } from '../../bson/decimal_math.js';
import { MongoServerError } from '../../errors/index.js';
import { fixedArgs } from './args.js';
import { singleNumeric } from './arithmetic.js';
import { decimalAtan2, decimalFunction } from './decimal_functions.js';
import type { Evaluator, OperatorTable, ParseContext } from './types.js';
import { double, isNullish, toBigIntValue, typeName } from './values.js';

/**
 * Trigonometry expression operators
 * (https://www.mongodb.com/docs/manual/reference/operator/aggregation/#trigonometry-expression-operators):
 * an int, long or double argument gives a double, a decimal one a decimal computed to 34 digits. Functions with a
 * bounded domain refuse arguments outside it (50989); NaN passes through them.
 */

type Kind = Parameters<typeof decimalFunction>[0];

/** A double as C's printf("%g") writes it, which is how mongod prints a double into these messages. */
export function formatG(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const precision = 6;
  const [mantissa, expPart] = x.toExponential(precision - 1).split('e');
  const exponent = Number(expPart);
  if (exponent < -4 || exponent >= precision) {
    const m = mantissa!.includes('.') ? mantissa!.replace(/\.?0+$/, '') : mantissa!;
    const sign = exponent < 0 ? '-' : '+';
    return `${m}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  const fixed = x.toFixed(Math.max(0, precision - 1 - exponent));
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

interface Domain {
  readonly lower: number;
  readonly upper: number;
  readonly inclusive: boolean;
}

const UNBOUNDED_OPEN: Domain = { lower: -Infinity, upper: Infinity, inclusive: false };
const UNIT: Domain = { lower: -1, upper: 1, inclusive: true };

function inDomain(x: number, d: Domain): boolean {
  return d.inclusive ? x >= d.lower && x <= d.upper : x > d.lower && x < d.upper;
}

function decimalInDomain(v: Decimal128, d: Domain): boolean {
  const s = v.toString();
  // A finite decimal past the double range is still finite: it lies inside an unbounded domain.
  const n = Number(s);
  const x = s === 'Infinity' ? Infinity : s === '-Infinity' ? -Infinity : Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, n));
  // A decimal rounds to a double only at its 17th digit; at a bound that rounding could hide which side it is on.
  if (Number.isFinite(x) && (x === d.lower || x === d.upper)) {
    const exact = decFromDecimal128(v);
    if (exact.kind === 'fin') {
      const bound = BigInt(x) * 10n ** BigInt(Math.max(0, -exact.exp));
      const scaled = exact.exp >= 0 ? exact.coef * 10n ** BigInt(exact.exp) : exact.coef;
      const signed = exact.neg ? -scaled : scaled;
      if (signed !== bound) return signed > bound ? x === d.lower : x === d.upper;
    }
  }
  return inDomain(x, d);
}

function outOfDomain(name: string, shown: string, d: Domain): MongoServerError {
  const [open, close] = d.inclusive ? ['[', ']'] : ['(', ')'];
  return new MongoServerError(
    50989,
    `cannot apply ${name} to ${shown}, value must in ${open}${formatG(d.lower)},${formatG(d.upper)}${close}`,
  );
}

/** One-argument function with a domain (`null` for functions defined everywhere, infinities included). */
function trig(kind: Kind, domain: Domain | null, fn: (x: number) => number) {
  return singleNumeric((v, name) => {
    if (bsonTypeOf(v) === 'decimal') {
      const dec = v as Decimal128;
      if (domain) {
        if (dec.toString().includes('NaN')) return dec;
        if (!decimalInDomain(dec, domain)) throw outOfDomain(name, dec.toString(), domain);
      }
      return decimalFunction(kind, dec);
    }
    const x = bsonTypeOf(v) === 'double' ? toNumber(v) : Number(toBigIntValue(v));
    if (domain) {
      if (Number.isNaN(x)) return v;
      if (!inDomain(x, domain)) throw outOfDomain(name, formatG(x), domain);
    }
    return double(fn(x));
  });
}

/** ExpressionTwoNumericArgs: each side null or missing gives null, else must be numeric (51044, 51045). */
function parseAtan2(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const [yEv, xEv] = fixedArgs(name, arg, ctx, 2);
  return (scope) => {
    const y = yEv!(scope);
    if (isNullish(y)) return null;
    if (!isNumeric(y)) throw new MongoServerError(51044, `${name} only supports numeric types, not ${typeName(y)}`);
    const x = xEv!(scope);
    if (isNullish(x)) return null;
    if (!isNumeric(x)) throw new MongoServerError(51045, `${name} only supports numeric types, not ${typeName(x)}`);
    if (bsonTypeOf(y) === 'decimal' || bsonTypeOf(x) === 'decimal') return decimalAtan2(toDecimal(y), toDecimal(x));
    return double(Math.atan2(toNumber(y), toNumber(x)));
  };
}

/** Value::coerceToDecimal: integers exactly, doubles to 15 significant digits. */
function toDecimal(v: unknown): Decimal128 {
  switch (bsonTypeOf(v)) {
    case 'decimal':
      return v as Decimal128;
    case 'double':
      return decToDecimal128(decFromDouble(toNumber(v)));
    default:
      return Decimal128.fromString(toBigIntValue(v).toString());
  }
}

// mongod's Decimal128::kPiOver180 and k180OverPi, 34 digits each.
const PI_OVER_180 = decFromString('0.01745329251994329576923690768488613');
const _180_OVER_PI = decFromString('57.29577951308232087679815481410517');
const DOUBLE_PI = 3.141592653589793;

function angleConversion(decimalFactor: typeof PI_OVER_180, doubleFactor: number) {
  return singleNumeric((v) => {
    if (bsonTypeOf(v) === 'decimal') return decToDecimal128(decMultiply(decFromDecimal128(v as Decimal128), decimalFactor));
    const x = bsonTypeOf(v) === 'double' ? toNumber(v) : Number(toBigIntValue(v));
    return double(x * doubleFactor);
  });
}

export const trigonometryOperators: OperatorTable = {
  $acos: trig('acos', UNIT, Math.acos),
  $acosh: trig('acosh', { lower: 1, upper: Infinity, inclusive: true }, Math.acosh),
  $asin: trig('asin', UNIT, Math.asin),
  $asinh: trig('asinh', null, Math.asinh),
  $atan: trig('atan', null, Math.atan),
  $atan2: parseAtan2,
  $atanh: trig('atanh', UNIT, Math.atanh),
  $cos: trig('cos', UNBOUNDED_OPEN, Math.cos),
  $cosh: trig('cosh', null, Math.cosh),
  $degreesToRadians: angleConversion(PI_OVER_180, DOUBLE_PI / 180),
  $radiansToDegrees: angleConversion(_180_OVER_PI, 180 / DOUBLE_PI),
  $sin: trig('sin', UNBOUNDED_OPEN, Math.sin),
  $sinh: trig('sinh', null, Math.sinh),
  $tan: trig('tan', UNBOUNDED_OPEN, Math.tan),
  $tanh: trig('tanh', null, Math.tanh),
};
