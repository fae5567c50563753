import type { Decimal128 } from 'bson';

/**
 * A numeric value reduced to what comparison needs: a JS double (int and double both fit exactly), a bigint
 * (long) or a Decimal128. Null for non-numerics.
 */
export type NumericValue =
  | { kind: 'double'; value: number; isInt: boolean }
  | { kind: 'long'; value: bigint }
  | { kind: 'decimal'; value: Decimal128 };

/** Classifies int/long/double/decimal wrappers, JS numbers (int when the serializer writes Int32) and bigints. */
export function numericValue(v: unknown): NumericValue | null {
  switch (typeof v) {
    case 'number':
      return { kind: 'double', value: v, isInt: Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 && !Object.is(v, -0) };
    case 'bigint':
      return { kind: 'long', value: v };
    case 'object': {
      if (v === null) return null;
      switch ((v as { _bsontype?: unknown })._bsontype) {
        case 'Int32':
          return { kind: 'double', value: (v as { value: number }).value, isInt: true };
        case 'Double':
          return { kind: 'double', value: (v as { value: number }).value, isInt: false };
        case 'Long':
          return { kind: 'long', value: (v as { toBigInt(): bigint }).toBigInt() };
        case 'Decimal128':
          return { kind: 'decimal', value: v as Decimal128 };
      }
      return null;
    }
    default:
      return null;
  }
}

/**
 * The exact value of a number as a normalized decimal: `0.<digits> x 10^exp` with no leading or trailing zero
 * in `digits`. Every finite double, long and decimal has exactly one such form, so equal values of different
 * BSON types get equal forms (the key encoding relies on this), and comparing forms is exact.
 */
export type DecimalForm =
  | { cls: 'nan' | '-inf' | 'zero' | 'inf' }
  | { cls: 'neg' | 'pos'; digits: string; exp: number };

const NAN: DecimalForm = { cls: 'nan' };
const ZERO: DecimalForm = { cls: 'zero' };
const INF: DecimalForm = { cls: 'inf' };
const NEG_INF: DecimalForm = { cls: '-inf' };

function fromDigits(negative: boolean, intDigits: string, pointExp: number): DecimalForm {
  // value = intDigits x 10^pointExp
  let start = 0;
  while (start < intDigits.length && intDigits.charCodeAt(start) === 48) start++;
  if (start === intDigits.length) return ZERO;
  let end = intDigits.length;
  while (intDigits.charCodeAt(end - 1) === 48) end--;
  const digits = intDigits.slice(start, end);
  return { cls: negative ? 'neg' : 'pos', digits, exp: intDigits.length - start + pointExp };
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The exact decimal expansion of a double (up to 767 significant digits for subnormals). */
export function doubleForm(d: number): DecimalForm {
  if (Number.isNaN(d)) return NAN;
  if (d === 0) return ZERO;
  if (d === Infinity) return INF;
  if (d === -Infinity) return NEG_INF;
  const negative = d < 0;
  const abs = negative ? -d : d;
  if (Number.isInteger(abs)) {
    return fromDigits(negative, abs < 1e21 ? abs.toFixed(0) : BigInt(abs).toString(), 0);
  }
  f64[0] = abs;
  const hi = u32[littleEndian ? 1 : 0]!;
  const lo = u32[littleEndian ? 0 : 1]!;
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (biased === 0) {
    e2 = -1074;
  } else {
    mantissa |= 1n << 52n;
    e2 = biased - 1075;
  }
  // abs is not an integer here, so e2 < 0: abs = m / 2^k = m * 5^k / 10^k.
  const k = -e2;
  return fromDigits(negative, (mantissa * 5n ** BigInt(k)).toString(), -k);
}

/** The exact decimal form of a bigint. */
export function bigintForm(n: bigint): DecimalForm {
  if (n === 0n) return ZERO;
  return n < 0n ? fromDigits(true, (-n).toString(), 0) : fromDigits(false, n.toString(), 0);
}

/** The exact decimal form of a Decimal128, read from its canonical string ("1.23E+5", "-0.001", "NaN"). */
export function decimal128Form(d: Decimal128): DecimalForm {
  return decimalStringForm(d.toString());
}

/** Parses a decimal numeric string (as Decimal128.toString prints) into its exact form. */
export function decimalStringForm(s: string): DecimalForm {
  if (s === 'NaN' || s === '-NaN') return NAN;
  if (s === 'Infinity') return INF;
  if (s === '-Infinity') return NEG_INF;
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m) return NAN;
  const frac = m[3] ?? '';
  return fromDigits(m[1] === '-', (m[2] ?? '') + frac, Number(m[4] ?? '0') - frac.length);
}

/** The exact decimal form of any numeric (see {@link numericValue}). */
export function formOf(n: NumericValue): DecimalForm {
  switch (n.kind) {
    case 'double':
      return doubleForm(n.value);
    case 'long':
      return bigintForm(n.value);
    case 'decimal':
      return decimal128Form(n.value);
  }
}

const classRank = { nan: 0, '-inf': 1, neg: 2, zero: 3, pos: 4, inf: 5 } as const;

/** Compares two exact forms: -1, 0, 1; NaN sorts below every other number and equals NaN. */
export function compareForms(a: DecimalForm, b: DecimalForm): number {
  if (a.cls !== b.cls) return classRank[a.cls] < classRank[b.cls] ? -1 : 1;
  if (a.cls !== 'pos' && a.cls !== 'neg') return 0;
  const bb = b as { digits: string; exp: number };
  let r: number;
  if (a.exp !== bb.exp) r = a.exp < bb.exp ? -1 : 1;
  else r = a.digits === bb.digits ? 0 : a.digits < bb.digits ? -1 : 1;
  return a.cls === 'neg' && r !== 0 ? -r : r;
}

function compareBigIntToDouble(l: bigint, d: number): number {
  if (Number.isNaN(d)) return 1;
  if (d === Infinity) return -1;
  if (d === -Infinity) return 1;
  const f = Math.floor(d);
  const bf = BigInt(f);
  if (l < bf) return -1;
  if (l > bf) return 1;
  return d > f ? -1 : 0;
}

/**
 * MongoDB's numeric comparison, exact across types: -1, 0 or 1. NaN (double or decimal) is below every
 * other number and equal to NaN; -0 equals 0.
 */
export function compareNumeric(a: NumericValue, b: NumericValue): number {
  if (a.kind === 'double' && b.kind === 'double') {
    const x = a.value;
    const y = b.value;
    if (x < y) return -1;
    if (x > y) return 1;
    if (x === y) return 0;
    const xn = Number.isNaN(x);
    const yn = Number.isNaN(y);
    return xn && yn ? 0 : xn ? -1 : 1;
  }
  if (a.kind === 'long' && b.kind === 'long') return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  if (a.kind === 'long' && b.kind === 'double') return compareBigIntToDouble(a.value, b.value);
  if (a.kind === 'double' && b.kind === 'long') return 0 - compareBigIntToDouble(b.value, a.value);
  return compareForms(formOf(a), formOf(b));
}
