import { Double, Int32, Long } from 'bson';
import { numericValue, type NumericValue } from './numeric.js';
import {
  decAdd, decDivide, decFromBigInt, decFromDecimal128, decFromDouble, decIsZero, decMod, decMultiply, decSubtract,
  decToDecimal128, type Dec,
} from './decimal_math.js';

/**
 * What to do when a long result overflows 64 bits. Aggregation expressions ($add, $subtract, $multiply) promote
 * to double ('double', the default); update operators ($inc, $mul) fail, which these functions report by
 * returning null ('fail') so the caller can raise mongod's error for its operator.
 */
export type LongOverflow = 'double' | 'fail';

type Kind = 'int' | 'long' | 'double' | 'decimal';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function kindOf(n: NumericValue): Kind {
  return n.kind === 'double' ? (n.isInt ? 'int' : 'double') : n.kind;
}

function operands(a: unknown, b: unknown, op: string): [NumericValue, NumericValue, Kind] {
  const x = numericValue(a);
  const y = numericValue(b);
  if (!x || !y) throw new TypeError(`${op}: both operands must be numeric`);
  const kx = kindOf(x);
  const ky = kindOf(y);
  const kind: Kind =
    kx === 'decimal' || ky === 'decimal' ? 'decimal'
      : kx === 'double' || ky === 'double' ? 'double'
        : kx === 'long' || ky === 'long' ? 'long'
          : 'int';
  return [x, y, kind];
}

function asDouble(n: NumericValue): number {
  return n.kind === 'double' ? n.value : n.kind === 'long' ? Number(n.value) : Number(n.value.toString());
}

function asBigInt(n: NumericValue): bigint {
  // Only called for int and long operands.
  return n.kind === 'long' ? n.value : BigInt((n as { value: number }).value);
}

function asDec(n: NumericValue): Dec {
  switch (n.kind) {
    case 'decimal':
      return decFromDecimal128(n.value);
    case 'long':
      return decFromBigInt(n.value);
    case 'double':
      return n.isInt ? decFromBigInt(BigInt(n.value)) : decFromDouble(n.value);
  }
}

/** An exact integer result as Int32 when `kind` is int and it fits, else Long, else per `overflow`. */
function integerResult(r: bigint, kind: 'int' | 'long', overflow: LongOverflow, approx: () => number): unknown {
  if (kind === 'int' && r >= -2147483648n && r <= 2147483647n) return new Int32(Number(r));
  if (r >= INT64_MIN && r <= INT64_MAX) return Long.fromBigInt(r);
  return overflow === 'double' ? new Double(approx()) : null;
}

/**
 * a + b with mongod's result type: int + int is an Int32, or a Long when it overflows 32 bits; with a long it is a
 * Long, and on 64-bit overflow a Double (`overflow` 'double') or null ('fail'); with a double a Double; with a
 * decimal a Decimal128 (doubles converted with 15 significant digits, as mongod does). Non-numeric operands throw
 * a TypeError: callers check types first and raise their operator's own error.
 */
export function addNumbers(a: unknown, b: unknown, overflow: LongOverflow = 'double'): unknown {
  const [x, y, kind] = operands(a, b, 'addNumbers');
  if (kind === 'decimal') return decToDecimal128(decAdd(asDec(x), asDec(y)));
  if (kind === 'double') return new Double(asDouble(x) + asDouble(y));
  return integerResult(asBigInt(x) + asBigInt(y), kind, overflow, () => asDouble(x) + asDouble(y));
}

/** a - b; result types as {@link addNumbers}. */
export function subtractNumbers(a: unknown, b: unknown, overflow: LongOverflow = 'double'): unknown {
  const [x, y, kind] = operands(a, b, 'subtractNumbers');
  if (kind === 'decimal') return decToDecimal128(decSubtract(asDec(x), asDec(y)));
  if (kind === 'double') return new Double(asDouble(x) - asDouble(y));
  return integerResult(asBigInt(x) - asBigInt(y), kind, overflow, () => asDouble(x) - asDouble(y));
}

/** a * b; result types as {@link addNumbers} (int * int overflowing 32 bits is a Long). */
export function multiplyNumbers(a: unknown, b: unknown, overflow: LongOverflow = 'double'): unknown {
  const [x, y, kind] = operands(a, b, 'multiplyNumbers');
  if (kind === 'decimal') return decToDecimal128(decMultiply(asDec(x), asDec(y)));
  if (kind === 'double') return new Double(asDouble(x) * asDouble(y));
  return integerResult(asBigInt(x) * asBigInt(y), kind, overflow, () => asDouble(x) * asDouble(y));
}

function isZero(n: NumericValue): boolean {
  if (n.kind === 'decimal') return decIsZero(decFromDecimal128(n.value));
  return n.kind === 'long' ? n.value === 0n : n.value === 0;
}

/**
 * a / b: always a Double, or a Decimal128 when either operand is a decimal. Returns null when b is zero (of any
 * type): the caller raises its operator's error (mongod's $divide: code 2 "can't $divide by zero").
 */
export function divideNumbers(a: unknown, b: unknown): unknown {
  const [x, y, kind] = operands(a, b, 'divideNumbers');
  if (isZero(y)) return null;
  if (kind === 'decimal') return decToDecimal128(decDivide(asDec(x), asDec(y)));
  return new Double(asDouble(x) / asDouble(y));
}

/**
 * a mod b, truncated like C's fmod (the result takes the dividend's sign): int % int is an Int32, with a long a
 * Long, with a double a Double, with a decimal a Decimal128. Returns null when b is zero (mongod's $mod: code 16610
 * "can't $mod by zero").
 */
export function modNumbers(a: unknown, b: unknown): unknown {
  const [x, y, kind] = operands(a, b, 'modNumbers');
  if (isZero(y)) return null;
  if (kind === 'decimal') return decToDecimal128(decMod(asDec(x), asDec(y)));
  if (kind === 'double') return new Double(asDouble(x) % asDouble(y));
  const r = asBigInt(x) % asBigInt(y);
  return kind === 'int' ? new Int32(Number(r)) : Long.fromBigInt(r);
}

/**
 * The JS number `n` as a BSON value of the given type: Int32, Long, Double or Decimal128. When `n` does not fit
 * the type ('int' outside int32 range or not integral; 'long' not integral or outside int64), it is widened:
 * to a Long if integral and in int64 range, else to a Double. 'decimal' converts integers exactly and other
 * doubles with 15 significant digits, as mongod does.
 */
export function numberOfType(n: number, like: 'int' | 'long' | 'double' | 'decimal'): unknown {
  switch (like) {
    case 'decimal':
      return decToDecimal128(Number.isInteger(n) ? decFromBigInt(BigInt(n)) : decFromDouble(n));
    case 'double':
      return new Double(n);
    case 'int':
      return Number.isInteger(n) && n >= -2147483648 && n <= 2147483647 ? new Int32(n) : longOrDouble(n);
    case 'long':
      return longOrDouble(n);
  }
}

function longOrDouble(n: number): unknown {
  return Number.isInteger(n) && n >= -9223372036854775808 && n < 9223372036854775808 ? Long.fromBigInt(BigInt(n)) : new Double(n);
}
