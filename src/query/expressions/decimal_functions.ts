import { Decimal128 } from '../../bson/index.js';

/**
 * Trigonometric and hyperbolic functions of Decimal128 values, computed to 34 significant digits as mongod's
 * decimal library does (a double computation would be right to 16 digits only, and `$sin` of a decimal angle must
 * give the decimal answer the manual prints). Numbers are carried as `m x 10^e` with a bigint `m` of about
 * {@link WORK} digits, so every step keeps far more digits than the result, which is rounded once, half-even.
 */

const WORK = 56;
const RESULT_DIGITS = 34;
const MAX_EXP = 6111;
const MIN_EXP = -6176;

/** m x 10^e. */
interface Big {
  readonly m: bigint;
  readonly e: number;
}

const ZERO: Big = { m: 0n, e: 0 };
const ONE: Big = { m: 1n, e: 0 };
const TWO: Big = { m: 2n, e: 0 };

const pow10Cache = new Map<number, bigint>();
function pow10(k: number): bigint {
  let p = pow10Cache.get(k);
  if (p === undefined) {
    p = 10n ** BigInt(k);
    if (k <= 256) pow10Cache.set(k, p);
  }
  return p;
}

function digits(n: bigint): number {
  if (n === 0n) return 0;
  return (n < 0n ? -n : n).toString().length;
}

/** Position of the leading digit: |x| is in [10^(mag-1), 10^mag). */
function mag(x: Big): number {
  return x.m === 0n ? -Infinity : digits(x.m) + x.e;
}

function norm(x: Big, work = WORK): Big {
  const drop = digits(x.m) - work;
  return drop > 0 ? { m: x.m / pow10(drop), e: x.e + drop } : x;
}

function neg(x: Big): Big {
  return { m: -x.m, e: x.e };
}

function abs(x: Big): Big {
  return x.m < 0n ? neg(x) : x;
}

function add(a: Big, b: Big): Big {
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  if (mag(a) - mag(b) > WORK + 2) return a;
  if (mag(b) - mag(a) > WORK + 2) return b;
  const e = Math.min(a.e, b.e);
  return norm({ m: a.m * pow10(a.e - e) + b.m * pow10(b.e - e), e });
}

function sub(a: Big, b: Big): Big {
  return add(a, neg(b));
}

function mul(a: Big, b: Big): Big {
  return norm({ m: a.m * b.m, e: a.e + b.e });
}

function div(a: Big, b: Big): Big {
  if (a.m === 0n) return ZERO;
  const shift = WORK + 2 + digits(b.m) - digits(a.m);
  return norm({ m: (a.m * pow10(Math.max(0, shift))) / b.m, e: a.e - Math.max(0, shift) - b.e });
}

function cmp(a: Big, b: Big): number {
  const d = sub(a, b).m;
  return d === 0n ? 0 : d < 0n ? -1 : 1;
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  // Newton's method from just above the root: a double's square root is right to 15 digits, a few steps finish it.
  const approx = Math.sqrt(Number(n));
  let x = Number.isFinite(approx) ? BigInt(Math.ceil(approx * (1 + 1e-9))) + 1n : 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

function sqrt(a: Big): Big {
  if (a.m <= 0n) return ZERO;
  let k = 2 * WORK + 2 - digits(a.m);
  if ((a.e - k) % 2 !== 0) k += 1;
  const m = k >= 0 ? a.m * pow10(k) : a.m / pow10(-k);
  return norm({ m: isqrt(m), e: (a.e - k) / 2 });
}

/** True once `term` no longer changes `sum` within the working precision. */
function negligible(term: Big, sum: Big): boolean {
  return term.m === 0n || mag(term) < mag(sum) - WORK - 2;
}

// --- constants ---------------------------------------------------------------------------------------------

let piDigits = 0;
let piFixed = 0n;

/** pi x 10^scale, truncated, from Machin's formula in fixed point (cached at the largest scale asked for). */
function piScaled(scale: number): bigint {
  if (scale > piDigits) {
    const s = scale + 10;
    const one = pow10(s);
    const arctanInv = (n: bigint): bigint => {
      let term = one / n;
      let sum = term;
      const n2 = n * n;
      for (let k = 1n; term !== 0n; k += 1n) {
        term /= n2;
        const t = term / (2n * k + 1n);
        sum += k % 2n === 1n ? -t : t;
      }
      return sum;
    };
    piFixed = (16n * arctanInv(5n) - 4n * arctanInv(239n)) / pow10(10);
    piDigits = scale;
  }
  return piFixed / pow10(piDigits - scale);
}

function pi(): Big {
  return norm({ m: piScaled(WORK + 5), e: -(WORK + 5) });
}

// --- series ------------------------------------------------------------------------------------------------

/** sin and cos of |r| <= 1 by their Taylor series. */
function sinSeries(r: Big): Big {
  const r2 = mul(r, r);
  let term = r;
  let sum = r;
  for (let k = 1; ; k++) {
    term = neg(div(mul(term, r2), { m: BigInt(2 * k * (2 * k + 1)), e: 0 }));
    if (negligible(term, sum)) return sum;
    sum = add(sum, term);
  }
}

function cosSeries(r: Big): Big {
  const r2 = mul(r, r);
  let term: Big = ONE;
  let sum: Big = ONE;
  for (let k = 1; ; k++) {
    term = neg(div(mul(term, r2), { m: BigInt((2 * k - 1) * (2 * k)), e: 0 }));
    if (negligible(term, sum)) return sum;
    sum = add(sum, term);
  }
}

/** atan (alternate) or atanh (not) of a small |x| by x - x^3/3 + x^5/5 ... */
function oddPowerSeries(x: Big, alternate: boolean): Big {
  const x2 = mul(x, x);
  let power = x;
  let sum = x;
  for (let k = 1; ; k++) {
    power = mul(power, alternate ? neg(x2) : x2);
    const term = div(power, { m: BigInt(2 * k + 1), e: 0 });
    if (negligible(term, sum)) return sum;
    sum = add(sum, term);
  }
}

/** sinh of |x| <= 1 by its Taylor series (no cancellation near 0, unlike (e^x - e^-x) / 2). */
function sinhSeries(x: Big): Big {
  const x2 = mul(x, x);
  let term = x;
  let sum = x;
  for (let k = 1; ; k++) {
    term = div(mul(term, x2), { m: BigInt(2 * k * (2 * k + 1)), e: 0 });
    if (negligible(term, sum)) return sum;
    sum = add(sum, term);
  }
}

function exp(x: Big): Big {
  // exp(x) = exp(x / 2^n)^(2^n), with the series on an argument below 1/2.
  let n = 0;
  let r = x;
  while (mag(r) > 0 || cmp(abs(r), { m: 5n, e: -1 }) > 0) {
    r = div(r, TWO);
    n++;
  }
  let term: Big = ONE;
  let sum: Big = ONE;
  for (let k = 1; ; k++) {
    term = div(mul(term, r), { m: BigInt(k), e: 0 });
    if (negligible(term, sum)) break;
    sum = add(sum, term);
  }
  for (let i = 0; i < n; i++) sum = mul(sum, sum);
  return sum;
}

let ln10Cache: Big | null = null;

/** ln of a positive value: x = f x 10^d with f in [1, 10), and ln f through square roots and the atanh series. */
function ln(x: Big): Big {
  if (cmp(x, ONE) === 0) return ZERO;
  const d = mag(x) - 1;
  let f: Big = { m: x.m, e: x.e - d };
  const roots = 5;
  for (let i = 0; i < roots; i++) f = sqrt(f);
  const lnF = mul(oddPowerSeries(div(sub(f, ONE), add(f, ONE)), false), { m: BigInt(2 ** (roots + 1)), e: 0 });
  if (d === 0) return lnF;
  ln10Cache ??= lnOfTen();
  return add(lnF, mul(ln10Cache, { m: BigInt(d), e: 0 }));
}

function lnOfTen(): Big {
  let f: Big = { m: 10n, e: 0 };
  const roots = 6;
  for (let i = 0; i < roots; i++) f = sqrt(f);
  return mul(oddPowerSeries(div(sub(f, ONE), add(f, ONE)), false), { m: BigInt(2 ** (roots + 1)), e: 0 });
}

// --- the functions -----------------------------------------------------------------------------------------

/** x reduced by the nearest multiple k of pi/2 (with enough digits of pi for x's integer part), and k mod 4. */
function reduce(x: Big): { r: Big; quadrant: number } {
  if (mag(x) <= 0 && cmp(abs(x), { m: 785n, e: -3 }) <= 0) return { r: x, quadrant: 0 };
  const scale = WORK + 10 + Math.max(0, mag(x));
  const halfPi = piScaled(scale) / 2n;
  const fixed = x.e + scale >= 0 ? x.m * pow10(x.e + scale) : x.m / pow10(-(x.e + scale));
  let k = fixed / halfPi;
  let rest = fixed - k * halfPi;
  if (2n * (rest < 0n ? -rest : rest) > halfPi) {
    const step = rest < 0n ? -1n : 1n;
    k += step;
    rest -= step * halfPi;
  }
  return { r: norm({ m: rest, e: -scale }), quadrant: Number(((k % 4n) + 4n) % 4n) };
}

function sin(x: Big): Big {
  const { r, quadrant } = reduce(x);
  const v = quadrant % 2 === 0 ? sinSeries(r) : cosSeries(r);
  return quadrant >= 2 ? neg(v) : v;
}

function cos(x: Big): Big {
  const { r, quadrant } = reduce(x);
  const v = quadrant % 2 === 0 ? cosSeries(r) : sinSeries(r);
  return quadrant === 1 || quadrant === 2 ? neg(v) : v;
}

function atan(x: Big): Big {
  if (x.m < 0n) return neg(atan(neg(x)));
  if (cmp(x, ONE) > 0) return sub(div(pi(), TWO), atan(div(ONE, x)));
  // Halve the angle until the series converges fast: atan(x) = 2 atan(x / (1 + sqrt(1 + x^2))).
  let y = x;
  let halvings = 0;
  while (cmp(y, { m: 1n, e: -1 }) > 0) {
    y = div(y, add(ONE, sqrt(add(ONE, mul(y, y)))));
    halvings++;
  }
  return mul(oddPowerSeries(y, true), { m: BigInt(2 ** halvings), e: 0 });
}

function atanh(x: Big): Big {
  if (cmp(abs(x), { m: 5n, e: -1 }) < 0) return oddPowerSeries(x, false);
  return div(ln(div(add(ONE, x), sub(ONE, x))), TWO);
}

type Kind = 'sin' | 'cos' | 'tan' | 'asin' | 'acos' | 'atan' | 'sinh' | 'cosh' | 'tanh' | 'asinh' | 'acosh' | 'atanh';

/** Beyond this |x|, e^x overflows every decimal128 (e^14150 is already past 10^6144). */
const EXP_OVERFLOW = { m: 20000n, e: 0 };

function finite(kind: Kind, x: Big): Big | 'inf' | '-inf' {
  switch (kind) {
    case 'sin':
      return sin(x);
    case 'cos':
      return cos(x);
    case 'tan':
      return div(sin(x), cos(x));
    case 'asin':
      if (cmp(abs(x), ONE) === 0) return x.m < 0n ? neg(div(pi(), TWO)) : div(pi(), TWO);
      return atan(div(x, sqrt(sub(ONE, mul(x, x)))));
    case 'acos':
      if (cmp(x, ONE) === 0) return ZERO;
      if (cmp(x, neg(ONE)) === 0) return pi();
      return mul(TWO, atan(sqrt(div(sub(ONE, x), add(ONE, x)))));
    case 'atan':
      return atan(x);
    case 'sinh':
      if (cmp(abs(x), EXP_OVERFLOW) > 0) return x.m < 0n ? '-inf' : 'inf';
      if (cmp(abs(x), ONE) <= 0) return sinhSeries(x);
      return div(sub(exp(x), exp(neg(x))), TWO);
    case 'cosh':
      if (cmp(abs(x), EXP_OVERFLOW) > 0) return 'inf';
      return div(add(exp(x), exp(neg(x))), TWO);
    case 'tanh': {
      if (cmp(abs(x), ONE) <= 0) {
        const s = sinhSeries(x);
        return div(s, sqrt(add(ONE, mul(s, s))));
      }
      if (cmp(abs(x), { m: 200n, e: 0 }) > 0) return x.m < 0n ? neg(ONE) : ONE;
      const e2 = exp(mul(TWO, x));
      return div(sub(e2, ONE), add(e2, ONE));
    }
    case 'asinh':
      if (cmp(abs(x), { m: 5n, e: -1 }) <= 0) return atanh(div(x, sqrt(add(ONE, mul(x, x)))));
      {
        const a = abs(x);
        const r = ln(add(a, sqrt(add(mul(a, a), ONE))));
        return x.m < 0n ? neg(r) : r;
      }
    case 'acosh':
      if (cmp(x, ONE) === 0) return ZERO;
      return ln(add(x, sqrt(sub(mul(x, x), ONE))));
    case 'atanh':
      if (cmp(x, ONE) === 0) return 'inf';
      if (cmp(x, neg(ONE)) === 0) return '-inf';
      return atanh(x);
  }
}

function parseDecimal(s: string): Big | 'nan' | 'inf' | '-inf' {
  if (s === 'NaN' || s === '-NaN') return 'nan';
  if (s === 'Infinity') return 'inf';
  if (s === '-Infinity') return '-inf';
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m) return 'nan';
  const frac = m[3] ?? '';
  const coef = BigInt(`${m[2] ?? ''}${frac}` || '0');
  return { m: m[1] === '-' ? -coef : coef, e: Number(m[4] ?? '0') - frac.length };
}

/** Rounds half-even to 34 digits (fewer for results below decimal128's smallest exponent). */
function toDecimal128(x: Big): Decimal128 {
  if (x.m === 0n) return Decimal128.fromString('0');
  const negative = x.m < 0n;
  let coef = negative ? -x.m : x.m;
  let e = x.e;
  const drop = Math.max(digits(coef) - RESULT_DIGITS, MIN_EXP - e);
  if (drop > 0) {
    const unit = pow10(drop);
    let q = coef / unit;
    const r = coef % unit;
    const twice = 2n * r;
    if (twice > unit || (twice === unit && (q & 1n) === 1n)) q += 1n;
    coef = q;
    e += drop;
    if (digits(coef) > RESULT_DIGITS) {
      coef /= 10n;
      e += 1;
    }
  } else if (drop < 0 && e > MIN_EXP) {
    // Short exact results (1 from cos 0) still print with 34 digits, as the decimal library returns them.
    const pad = Math.min(-drop, e - MIN_EXP, RESULT_DIGITS - digits(coef));
    coef *= pow10(pad);
    e -= pad;
  }
  if (e > MAX_EXP) return Decimal128.fromString(negative ? '-Infinity' : 'Infinity');
  return Decimal128.fromString(`${negative ? '-' : ''}${coef.toString()}E${e}`);
}

const SPECIAL: Record<Kind, { inf: string; negInf: string }> = {
  sin: { inf: 'NaN', negInf: 'NaN' },
  cos: { inf: 'NaN', negInf: 'NaN' },
  tan: { inf: 'NaN', negInf: 'NaN' },
  asin: { inf: 'NaN', negInf: 'NaN' },
  acos: { inf: 'NaN', negInf: 'NaN' },
  atan: { inf: 'halfPi', negInf: '-halfPi' },
  sinh: { inf: 'Infinity', negInf: '-Infinity' },
  cosh: { inf: 'Infinity', negInf: 'Infinity' },
  tanh: { inf: '1', negInf: '-1' },
  asinh: { inf: 'Infinity', negInf: '-Infinity' },
  acosh: { inf: 'Infinity', negInf: 'NaN' },
  atanh: { inf: 'NaN', negInf: 'NaN' },
};

/**
 * `kind` of a Decimal128 (its domain already checked by the caller). A zero argument of an odd function gives
 * that zero back.
 */
export function decimalFunction(kind: Kind, value: Decimal128): Decimal128 {
  const x = parseDecimal(value.toString());
  if (x === 'nan') return Decimal128.fromString('NaN');
  if (x === 'inf' || x === '-inf') {
    const special = SPECIAL[kind][x === 'inf' ? 'inf' : 'negInf'];
    if (special === 'halfPi') return toDecimal128(div(pi(), TWO));
    if (special === '-halfPi') return toDecimal128(neg(div(pi(), TWO)));
    if (special === '1' || special === '-1') return toDecimal128({ m: special === '1' ? 1n : -1n, e: 0 });
    return Decimal128.fromString(special);
  }
  if (x.m === 0n && kind !== 'cos' && kind !== 'cosh' && kind !== 'acos' && kind !== 'acosh') return value;
  const r = finite(kind, x);
  if (r === 'inf') return Decimal128.fromString('Infinity');
  if (r === '-inf') return Decimal128.fromString('-Infinity');
  return toDecimal128(r);
}

/** atan2(y, x) of two decimals, with IEEE's results for zeros and infinities. */
export function decimalAtan2(yValue: Decimal128, xValue: Decimal128): Decimal128 {
  const y = parseDecimal(yValue.toString());
  const x = parseDecimal(xValue.toString());
  if (y === 'nan' || x === 'nan') return Decimal128.fromString('NaN');
  const yNeg = y === '-inf' || (typeof y === 'object' && (y.m < 0n || (y.m === 0n && yValue.toString().startsWith('-'))));
  const xNeg = x === '-inf' || (typeof x === 'object' && (x.m < 0n || (x.m === 0n && xValue.toString().startsWith('-'))));
  const signed = (v: Big): Decimal128 => toDecimal128(yNeg ? neg(v) : v);
  const halfPi = div(pi(), TWO);
  if (y === 'inf' || y === '-inf') {
    if (x === 'inf') return signed(div(pi(), { m: 4n, e: 0 }));
    if (x === '-inf') return signed(div(mul(pi(), { m: 3n, e: 0 }), { m: 4n, e: 0 }));
    return signed(halfPi);
  }
  if (x === 'inf') return Decimal128.fromString(yNeg ? '-0' : '0');
  if (x === '-inf') return signed(pi());
  if (y.m === 0n) return xNeg ? signed(pi()) : yValue;
  if (x.m === 0n) return signed(halfPi);
  const base = atan(div(abs(y), abs(x)));
  return signed(xNeg ? sub(pi(), base) : base);
}
