import { bsonTypeOf, isNumeric } from '../../bson/index.js';
import { elementToString as formatElement } from '../../bson/index.js';

/** The outcome of reading an integer argument: the value, or mongod's reason (without any operator prefix). */
export type IntegerResult = { ok: true; value: bigint } | { ok: false; reason: string };

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** The double value of an int/double wrapper or JS number. */
function doubleOf(v: unknown): number {
  return typeof v === 'number' ? v : (v as { value: number }).value;
}

/**
 * An integral Decimal128 (by its canonical string: "5", "-1.20E+3", "5.0") as a bigint, or null when it is not an
 * integer (NaN, infinity, or a non-zero fraction).
 */
export function decimalToBigInt(text: string): bigint | null {
  const m = /^([+-]?)(\d+)(?:\.(\d+))?(?:E([+-]?\d+))?$/i.exec(text);
  if (!m) return null;
  const frac = m[3] ?? '';
  let digits = (m[2] ?? '') + frac;
  let exp = Number(m[4] ?? '0') - frac.length;
  if (exp < 0) {
    const cut = digits.length + exp;
    const dropped = cut <= 0 ? digits : digits.slice(cut);
    if (/[1-9]/.test(dropped)) return null;
    digits = cut <= 0 ? '0' : digits.slice(0, cut);
    exp = 0;
  }
  // Exponents this large cannot fit a long anyway; keep BigInt from building huge numbers.
  if (exp > 40) return /[1-9]/.test(digits) ? (m[1] === '-' ? LONG_MIN - 1n : LONG_MAX + 1n) : 0n;
  const n = BigInt(digits) * 10n ** BigInt(exp);
  return m[1] === '-' ? -n : n;
}

/**
 * mongod's BSONElement::parseIntegerElementToLong: a number that is exactly a 64-bit integer. `name` is the
 * element's field name, which mongod prints in the reason ("Expected an integer: $size: 1.5").
 */
export function parseIntegerToLong(name: string, v: unknown): IntegerResult {
  const shown = (): string => formatElement(name, v);
  if (!isNumeric(v)) return { ok: false, reason: `Expected a number in: ${shown()}` };
  switch (bsonTypeOf(v)) {
    case 'double': {
      const d = doubleOf(v);
      if (Number.isNaN(d)) return { ok: false, reason: `Expected an integer, but found NaN in: ${shown()}` };
      if (d >= 2 ** 63 || d < -(2 ** 63)) return { ok: false, reason: `Cannot represent as a 64-bit integer: ${shown()}` };
      if (!Number.isInteger(d)) return { ok: false, reason: `Expected an integer: ${shown()}` };
      return { ok: true, value: BigInt(d) };
    }
    case 'decimal': {
      const n = decimalToBigInt(String(v as object));
      if (n === null || n < LONG_MIN || n > LONG_MAX) {
        return { ok: false, reason: `Cannot represent as a 64-bit integer: ${shown()}` };
      }
      return { ok: true, value: n };
    }
    case 'long':
      return { ok: true, value: typeof v === 'bigint' ? v : (v as { toBigInt(): bigint }).toBigInt() };
    default:
      return { ok: true, value: BigInt(doubleOf(v)) };
  }
}

/** {@link parseIntegerToLong}, refusing negatives ("Expected a non-negative number in: ..."). */
export function parseIntegerToNonNegativeLong(name: string, v: unknown): IntegerResult {
  const r = parseIntegerToLong(name, v);
  if (r.ok && r.value < 0n) return { ok: false, reason: `Expected a non-negative number in: ${formatElement(name, v)}` };
  return r;
}

/** {@link parseIntegerToLong} narrowed to a 32-bit int ("Cannot represent ... in an int"). */
export function parseIntegerToInt(name: string, v: unknown): IntegerResult {
  const r = parseIntegerToLong(name, v);
  if (r.ok && (r.value < -(2n ** 31n) || r.value > 2n ** 31n - 1n)) {
    return { ok: false, reason: `Cannot represent ${formatElement(name, v)} in an int` };
  }
  return r;
}

/** {@link parseIntegerToInt}, refusing negatives. */
export function parseIntegerToNonNegativeInt(name: string, v: unknown): IntegerResult {
  const r = parseIntegerToInt(name, v);
  if (r.ok && r.value < 0n) return { ok: false, reason: `Expected a non-negative number in: ${formatElement(name, v)}` };
  return r;
}
