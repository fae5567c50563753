import { bsonTypeOf, isNumeric, toNumber } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { PathNode } from './node.js';
import type { FieldOperatorParser } from './types.js';

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/**
 * A numeric value truncated toward zero to a 64-bit integer, as `$mod` reads its field values; null for NaN,
 * infinities and values outside the long range.
 */
function truncatedLong(v: unknown): bigint | null {
  switch (bsonTypeOf(v)) {
    case 'long':
      return typeof v === 'bigint' ? v : (v as { toBigInt(): bigint }).toBigInt();
    case 'decimal': {
      const whole = truncDecimal(String(v as object));
      return whole !== null && whole >= LONG_MIN && whole <= LONG_MAX ? whole : null;
    }
    default: {
      const d = toNumber(v);
      if (!Number.isFinite(d)) return null;
      const t = BigInt(Math.trunc(d));
      return t >= LONG_MIN && t <= LONG_MAX ? t : null;
    }
  }
}

/** A Decimal128's canonical text ("-12.5", "1.25E+1") truncated toward zero; null for NaN and infinities. */
function truncDecimal(text: string): bigint | null {
  const m = /^([+-]?)(\d+)(?:\.(\d+))?(?:E([+-]?\d+))?$/i.exec(text);
  if (!m) return null;
  const digits = m[2]! + (m[3] ?? '');
  const pointAt = m[2]!.length + Number(m[4] ?? '0');
  if (pointAt <= 0) return 0n;
  // Past 40 digits the value is far outside the long range; do not build the huge number.
  if (pointAt > 40) return /[1-9]/.test(digits) ? (m[1] === '-' ? LONG_MIN - 1n : LONG_MAX + 1n) : 0n;
  const whole = pointAt >= digits.length ? digits + '0'.repeat(pointAt - digits.length) : digits.slice(0, pointAt);
  const n = BigInt(whole);
  return m[1] === '-' ? -n : n;
}

/**
 * `$mod: [divisor, remainder]`: a numeric value, truncated toward zero, leaves this remainder (the sign follows
 * the dividend, as in C). NaN, infinities and out-of-range values never match.
 */
export class ModNode extends PathNode {
  constructor(
    path: string,
    readonly divisor: bigint,
    readonly remainder: bigint,
  ) {
    super(path);
  }

  matchesSingleElement(value: unknown): boolean {
    if (!isNumeric(value)) return false;
    const dividend = truncatedLong(value);
    return dividend !== null && dividend % this.divisor === this.remainder;
  }
}

/**
 * A `$mod` operand element coerced to a long the way mongod's BSONElement::tryCoerce does: doubles and decimals
 * are truncated; NaN, infinities and values outside the long range are refused.
 */
function coerceArgument(v: unknown, what: 'divisor' | 'remainder'): bigint {
  const context = `malformed mod, ${what} value is invalid :: caused by :: `;
  if (bsonTypeOf(v) === 'decimal' || bsonTypeOf(v) === 'double') {
    const d = bsonTypeOf(v) === 'double' ? toNumber(v) : Number(String(v as object));
    if (!Number.isFinite(d)) throw mongoError('BadValue', `${context}Unable to coerce NaN/Inf to integral type`);
  }
  const n = truncatedLong(v);
  if (n === null) throw mongoError('BadValue', `${context}Out of bounds coercing to integral value`);
  return n;
}

/** `$mod` (mongod's parseMOD). */
export const parseMod: FieldOperatorParser = ({ path, value }) => {
  if (!Array.isArray(value)) throw mongoError('BadValue', 'malformed mod, needs to be an array');
  if (value.length < 1) throw mongoError('BadValue', 'malformed mod, not enough elements');
  if (!isNumeric(value[0])) throw mongoError('BadValue', 'malformed mod, divisor not a number');
  if (value.length < 2) throw mongoError('BadValue', 'malformed mod, not enough elements');
  if (!isNumeric(value[1])) throw mongoError('BadValue', 'malformed mod, remainder not a number');
  if (value.length > 2) throw mongoError('BadValue', 'malformed mod, too many elements');
  const divisor = coerceArgument(value[0], 'divisor');
  const remainder = coerceArgument(value[1], 'remainder');
  if (divisor === 0n) throw mongoError('BadValue', 'divisor cannot be 0');
  return new ModNode(path, divisor, remainder);
};
