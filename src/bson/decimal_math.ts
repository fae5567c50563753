import { Decimal128 } from 'bson';

/**
 * IEEE 754-2008 decimal128 arithmetic on exact bigint coefficients (the bson package stores Decimal128 but has no
 * arithmetic). Results round half-even to 34 digits; exponents follow the standard's preferred exponents
 * (1.0 + 2.00 = 3.00), so results print like mongod's.
 */
export type Dec =
  | { kind: 'nan' }
  | { kind: 'inf'; neg: boolean }
  | { kind: 'fin'; neg: boolean; coef: bigint; exp: number };

const PRECISION = 34;
const MAX_EXP = 6111;
const MIN_EXP = -6176;
const NAN: Dec = { kind: 'nan' };

/** Parses a Decimal128 (keeping its exponent, unlike the normalized comparison form). */
export function decFromDecimal128(d: Decimal128): Dec {
  return decFromString(d.toString());
}

/** Parses a decimal numeric string ("1.50", "-2E+3", "NaN", "-Infinity"). */
export function decFromString(s: string): Dec {
  if (s === 'NaN' || s === '-NaN') return NAN;
  if (s === 'Infinity' || s === '+Infinity') return { kind: 'inf', neg: false };
  if (s === '-Infinity') return { kind: 'inf', neg: true };
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m) return NAN;
  const frac = m[3] ?? '';
  const digits = (m[2] ?? '') + frac;
  return { kind: 'fin', neg: m[1] === '-', coef: BigInt(digits === '' ? '0' : digits), exp: Number(m[4] ?? '0') - frac.length };
}

/** An integer as a decimal (exact). */
export function decFromBigInt(n: bigint): Dec {
  return { kind: 'fin', neg: n < 0n, coef: n < 0n ? -n : n, exp: 0 };
}

/**
 * A double as a decimal the way mongod converts one for arithmetic (Decimal128(double), 15 significant digits):
 * 0.1 becomes 0.100000000000000.
 */
export function decFromDouble(d: number): Dec {
  if (Number.isNaN(d)) return NAN;
  if (!Number.isFinite(d)) return { kind: 'inf', neg: d < 0 };
  if (d === 0) return { kind: 'fin', neg: Object.is(d, -0), coef: 0n, exp: 0 };
  return decFromString(d.toExponential(14));
}

function digitCount(n: bigint): number {
  return n === 0n ? 1 : n.toString().length;
}

const pow10Cache: bigint[] = [];
function pow10(k: number): bigint {
  if (k < 64) return (pow10Cache[k] ??= 10n ** BigInt(k));
  return 10n ** BigInt(k);
}

/** Rounds |coef| x 10^exp half-even to 34 digits and into decimal128's exponent range. */
function finish(neg: boolean, coef: bigint, exp: number): Dec {
  const drop = Math.max(0, digitCount(coef) - PRECISION, MIN_EXP - exp);
  if (drop > 0) {
    const div = pow10(drop);
    let q = coef / div;
    const r = coef % div;
    const half = div / 2n;
    if (r > half || (r === half && (q & 1n) === 1n)) q += 1n;
    coef = q;
    exp += drop;
    if (digitCount(coef) > PRECISION) {
      coef /= 10n;
      exp += 1;
    }
  }
  if (exp > MAX_EXP) {
    // Clamp by padding the coefficient with zeros while it fits; beyond that the value overflows to infinity.
    if (coef === 0n) return { kind: 'fin', neg, coef: 0n, exp: MAX_EXP };
    const room = PRECISION - digitCount(coef);
    if (exp - MAX_EXP > room) return { kind: 'inf', neg };
    coef *= pow10(exp - MAX_EXP);
    exp = MAX_EXP;
  }
  return { kind: 'fin', neg, coef, exp };
}

function addFinite(a: Extract<Dec, { kind: 'fin' }>, b: Extract<Dec, { kind: 'fin' }>): Dec {
  // Exact alignment then one rounding: correct for every input (exponents span at most ~12k digits).
  const exp = Math.min(a.exp, b.exp);
  const ac = a.coef * pow10(a.exp - exp);
  const bc = b.coef * pow10(b.exp - exp);
  const sum = (a.neg ? -ac : ac) + (b.neg ? -bc : bc);
  if (sum === 0n) {
    // IEEE: an exact zero sum is +0 unless both operands are negative.
    return finish(a.neg && b.neg, 0n, exp);
  }
  return finish(sum < 0n, sum < 0n ? -sum : sum, exp);
}

/** a + b. */
export function decAdd(a: Dec, b: Dec): Dec {
  if (a.kind === 'nan' || b.kind === 'nan') return NAN;
  if (a.kind === 'inf') return b.kind === 'inf' && b.neg !== a.neg ? NAN : a;
  if (b.kind === 'inf') return b;
  return addFinite(a, b);
}

/** -a. */
export function decNegate(a: Dec): Dec {
  return a.kind === 'nan' ? a : { ...a, neg: !a.neg };
}

/** a - b. */
export function decSubtract(a: Dec, b: Dec): Dec {
  return decAdd(a, decNegate(b));
}

/** a * b. */
export function decMultiply(a: Dec, b: Dec): Dec {
  if (a.kind === 'nan' || b.kind === 'nan') return NAN;
  const neg = a.neg !== b.neg;
  if (a.kind === 'inf' || b.kind === 'inf') {
    const other = a.kind === 'inf' ? b : a;
    return other.kind === 'fin' && other.coef === 0n ? NAN : { kind: 'inf', neg };
  }
  return finish(neg, a.coef * b.coef, a.exp + b.exp);
}

/** a / b; the caller rules out a zero divisor. */
export function decDivide(a: Dec, b: Dec): Dec {
  if (a.kind === 'nan' || b.kind === 'nan') return NAN;
  const neg = a.neg !== b.neg;
  if (a.kind === 'inf') return b.kind === 'inf' ? NAN : { kind: 'inf', neg };
  if (b.kind === 'inf') return { kind: 'fin', neg, coef: 0n, exp: MIN_EXP };
  const ideal = a.exp - b.exp;
  if (a.coef === 0n) return finish(neg, 0n, ideal);
  // Scale the dividend so the quotient has more digits than we keep, then round with the remainder as sticky.
  const shift = Math.max(0, PRECISION + 2 + digitCount(b.coef) - digitCount(a.coef));
  const num = a.coef * pow10(shift);
  let q = num / b.coef;
  const r = num % b.coef;
  let exp = ideal - shift;
  if (r === 0n) {
    // Exact: use the exponent closest to the ideal one.
    while (exp < ideal && q % 10n === 0n) {
      q /= 10n;
      exp++;
    }
    return finish(neg, q, exp);
  }
  // Inexact: append a sticky digit so round-half-even sees "more than half" correctly.
  q = q * 10n + 1n;
  exp -= 1;
  return finish(neg, q, exp);
}

/** a mod b, truncated (the result has the dividend's sign); the caller rules out a zero divisor. */
export function decMod(a: Dec, b: Dec): Dec {
  if (a.kind === 'nan' || b.kind === 'nan' || a.kind === 'inf') return NAN;
  if (b.kind === 'inf') return a;
  const exp = Math.min(a.exp, b.exp);
  const ac = a.coef * pow10(a.exp - exp);
  const bc = b.coef * pow10(b.exp - exp);
  return finish(a.neg, ac % bc, exp);
}

/** True for a finite zero. */
export function decIsZero(a: Dec): boolean {
  return a.kind === 'fin' && a.coef === 0n;
}

/** The Decimal128 for a result. */
export function decToDecimal128(a: Dec): Decimal128 {
  switch (a.kind) {
    case 'nan':
      return Decimal128.fromString('NaN');
    case 'inf':
      return Decimal128.fromString(a.neg ? '-Infinity' : 'Infinity');
    case 'fin':
      return Decimal128.fromString(`${a.neg ? '-' : ''}${a.coef.toString()}E${a.exp}`);
  }
}
