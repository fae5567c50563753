import { Decimal128 } from '../../bson/index.js';

/**
 * Decimal128 rounding for $round, $trunc, $ceil and $floor (IEEE quantize: the result has exactly the requested
 * exponent), and the 34-digit double-to-decimal conversion mongod uses before rounding a double.
 */

export type RoundingMode = 'halfEven' | 'towardZero' | 'ceiling' | 'floor';

interface Finite {
  neg: boolean;
  coef: bigint;
  exp: number;
}

function parse(s: string): Finite | null {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m) return null;
  const frac = m[3] ?? '';
  const digits = (m[2] ?? '') + frac;
  return { neg: m[1] === '-', coef: BigInt(digits === '' ? '0' : digits), exp: Number(m[4] ?? '0') - frac.length };
}

function divideRounded(coef: bigint, divisor: bigint, neg: boolean, mode: RoundingMode): bigint {
  const q = coef / divisor;
  const r = coef % divisor;
  if (r === 0n) return q;
  switch (mode) {
    case 'towardZero':
      return q;
    case 'ceiling':
      return neg ? q : q + 1n;
    case 'floor':
      return neg ? q + 1n : q;
    case 'halfEven': {
      const twice = r * 2n;
      if (twice > divisor || (twice === divisor && (q & 1n) === 1n)) return q + 1n;
      return q;
    }
  }
}

/**
 * Rounds a decimal string to `places` digits after the point (negative: to tens, hundreds, ...), giving the result
 * exponent -places. Non-finite values come back unchanged. Returns the decimal string.
 */
export function quantizeString(s: string, places: number, mode: RoundingMode): string {
  const d = parse(s);
  if (!d) return s;
  const target = -places;
  let coef = d.coef;
  if (d.exp >= target) {
    coef *= 10n ** BigInt(d.exp - target);
  } else {
    coef = divideRounded(coef, 10n ** BigInt(target - d.exp), d.neg, mode);
  }
  return `${d.neg ? '-' : ''}${coef.toString()}E${target}`;
}

/** {@link quantizeString} on a Decimal128. */
export function quantizeDecimal(d: Decimal128, places: number, mode: RoundingMode): Decimal128 {
  const s = d.toString();
  if (!parse(s)) return d;
  return Decimal128.fromStringWithRounding(quantizeString(s, places, mode));
}

/** A double rounded to `places` digits through a 34-digit decimal, as mongod's $round/$trunc on doubles. */
export function roundDouble(x: number, places: number, mode: RoundingMode): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const r = Number(quantizeString(x.toPrecision(34), places, mode));
  // Keep the sign of a value that rounds to zero, as the decimal-to-double conversion does.
  return r === 0 && x < 0 ? -0 : r;
}

/** A double as a Decimal128 with 34 significant digits (Decimal128(double, kRoundTo34Digits)). */
export function decimalFromDouble34(x: number): Decimal128 {
  if (Number.isNaN(x)) return Decimal128.fromString('NaN');
  if (!Number.isFinite(x)) return Decimal128.fromString(x > 0 ? 'Infinity' : '-Infinity');
  return Decimal128.fromStringWithRounding(x.toPrecision(34));
}

/** True when a Decimal128 is a (positive or negative) zero. */
export function isDecimalZero(d: Decimal128): boolean {
  const p = parse(d.toString());
  return p !== null && p.coef === 0n;
}

/** True when a Decimal128 is negative (including -0 and -Infinity; NaN is not). */
export function isDecimalNegative(d: Decimal128): boolean {
  return d.toString().startsWith('-') && !d.toString().includes('NaN');
}
