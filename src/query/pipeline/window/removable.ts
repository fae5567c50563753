import { addNumbers, bsonTypeOf, compareValues, divideNumbers, isNumeric, subtractNumbers, toNumber, Decimal128, Int32, Long, type Collation } from '../../../bson/index.js';
import { double, intOrLong, isNullish } from '../../expressions/values.js';

/**
 * Window states that can also forget a value, so a sliding window costs O(1) (amortized) per document instead of
 * re-reading the window: mongod's removable window functions ($sum, $avg, $count, $stdDevPop/Samp, $min, $max,
 * $covariancePop/Samp). Values leave in the order they came in.
 */
export interface RemovableState {
  add(value: unknown): void;
  remove(value: unknown): void;
  result(): unknown;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A sum that can subtract: integers exactly (as a bigint), doubles with Kahan compensation and their non-finite
 * values counted apart (so removing an Infinity gives a finite sum back), decimals exactly. As mongod's removable
 * sum: any decimal makes the result a decimal, else any double a double; an integral sum is an int when it fits,
 * else a long, else a double.
 */
export class RemovableSum implements RemovableState {
  private ints = 0n;
  private doubles = 0;
  private compensation = 0;
  private decimal: unknown = undefined;
  private readonly counts = { int: 0, long: 0, double: 0, decimal: 0, nan: 0, posInf: 0, negInf: 0 };

  add(v: unknown): void {
    this.apply(v, 1);
  }

  remove(v: unknown): void {
    this.apply(v, -1);
  }

  private apply(v: unknown, sign: 1 | -1): void {
    if (!isNumeric(v)) return;
    const type = bsonTypeOf(v);
    const c = this.counts;
    if (type === 'int' || type === 'long') {
      c[type] += sign;
      const b = type === 'long' ? (v as Long).toBigInt() : BigInt(toNumber(v));
      this.ints += sign === 1 ? b : -b;
      return;
    }
    if (type === 'decimal') {
      c.decimal += sign;
      if (c.decimal === 0) this.decimal = undefined;
      else this.decimal = this.decimal === undefined ? v : sign === 1 ? addNumbers(this.decimal, v) : subtractNumbers(this.decimal, v);
      return;
    }
    c.double += sign;
    const x = toNumber(v);
    if (Number.isNaN(x)) c.nan += sign;
    else if (x === Infinity) c.posInf += sign;
    else if (x === -Infinity) c.negInf += sign;
    else this.kahan(sign * x);
  }

  private kahan(x: number): void {
    const y = x - this.compensation;
    const t = this.doubles + y;
    this.compensation = t - this.doubles - y;
    this.doubles = t;
  }

  result(): unknown {
    const c = this.counts;
    const decimal = c.decimal > 0;
    if (c.nan > 0 || (c.posInf > 0 && c.negInf > 0)) return decimal ? Decimal128.fromString('NaN') : double(NaN);
    if (c.posInf > 0) return decimal ? Decimal128.fromString('Infinity') : double(Infinity);
    if (c.negInf > 0) return decimal ? Decimal128.fromString('-Infinity') : double(-Infinity);
    if (decimal) {
      let total = addNumbers(this.decimal, Long.fromBigInt(clampLong(this.ints)));
      if (c.double > 0) total = addNumbers(total, double(this.doubles));
      return total;
    }
    if (c.double > 0) return double(Number(this.ints) + this.doubles);
    // Whatever integer types were added, an integral sum narrows to an int when it fits (mongod's RemovableSum).
    const n = this.ints;
    if (n >= INT64_MIN && n <= INT64_MAX) return intOrLong(n);
    return double(Number(n));
  }

  /** Numeric values currently held. */
  count(): number {
    const c = this.counts;
    return c.int + c.long + c.double + c.decimal;
  }

  hasDecimal(): boolean {
    return this.counts.decimal > 0;
  }
}

function clampLong(n: bigint): bigint {
  return n < INT64_MIN ? INT64_MIN : n > INT64_MAX ? INT64_MAX : n;
}

/** $avg over a sliding window: the removable sum over the count of numbers. */
export class RemovableAvg implements RemovableState {
  private readonly sum = new RemovableSum();
  add(v: unknown): void {
    this.sum.add(v);
  }
  remove(v: unknown): void {
    this.sum.remove(v);
  }
  result(): unknown {
    const n = this.sum.count();
    if (n === 0) return null;
    const total = this.sum.result();
    if (this.sum.hasDecimal()) return divideNumbers(total, new Int32(n));
    return double(toNumber(total) / n);
  }
}

/** $stdDevPop/$stdDevSamp: Welford's algorithm, run backwards to remove. */
export class RemovableStdDev implements RemovableState {
  private n = 0;
  private mean = 0;
  private m2 = 0;
  constructor(private readonly sample: boolean) {}
  add(v: unknown): void {
    if (!isNumeric(v)) return;
    const x = toNumber(v);
    this.n++;
    const delta = x - this.mean;
    this.mean += delta / this.n;
    this.m2 += delta * (x - this.mean);
  }
  remove(v: unknown): void {
    if (!isNumeric(v)) return;
    const x = toNumber(v);
    if (this.n <= 1) {
      this.n = 0;
      this.mean = 0;
      this.m2 = 0;
      return;
    }
    const delta = x - this.mean;
    this.n--;
    this.mean -= delta / this.n;
    this.m2 -= delta * (x - this.mean);
    if (this.m2 < 0) this.m2 = 0;
  }
  result(): unknown {
    const denom = this.sample ? this.n - 1 : this.n;
    return denom <= 0 ? null : double(Math.sqrt(this.m2 / denom));
  }
}

/** The pair $covariancePop/$covarianceSamp read: an array of two numbers, or nothing. */
function pairOf(v: unknown): [number, number] | null {
  if (!Array.isArray(v) || v.length !== 2 || !isNumeric(v[0]) || !isNumeric(v[1])) return null;
  return [toNumber(v[0]), toNumber(v[1])];
}

/** $covariancePop/$covarianceSamp: co-moment updated one pair at a time, both ways. */
export class RemovableCovariance implements RemovableState {
  private n = 0;
  private meanX = 0;
  private meanY = 0;
  private c = 0;
  constructor(private readonly sample: boolean) {}
  add(v: unknown): void {
    const p = pairOf(v);
    if (!p) return;
    this.n++;
    const dx = p[0] - this.meanX;
    this.meanX += dx / this.n;
    this.meanY += (p[1] - this.meanY) / this.n;
    this.c += dx * (p[1] - this.meanY);
  }
  remove(v: unknown): void {
    const p = pairOf(v);
    if (!p) return;
    if (this.n <= 1) {
      this.n = 0;
      this.meanX = 0;
      this.meanY = 0;
      this.c = 0;
      return;
    }
    const dx = p[0] - this.meanX;
    this.n--;
    this.meanX -= dx / this.n;
    this.meanY -= (p[1] - this.meanY) / this.n;
    this.c -= dx * (p[1] - this.meanY);
  }
  result(): unknown {
    if (this.sample) return this.n < 2 ? null : double(this.c / (this.n - 1));
    return this.n === 0 ? null : double(this.c / this.n);
  }
}

/**
 * $min/$max over a sliding window: a deque of candidates in window order, each better than every later one, so
 * each value enters and leaves it once. Values are identified by position: callers add and remove in order.
 */
export class SlidingExtreme implements RemovableState {
  private readonly values: unknown[] = [];
  private readonly positions: number[] = [];
  private head = 0;
  private added = 0;
  private removed = 0;
  constructor(private readonly sign: 1 | -1, private readonly collation: Collation | null) {}
  add(v: unknown): void {
    const position = this.added++;
    if (isNullish(v)) return;
    // Earlier candidates that are not better than the new value can never be the answer again.
    while (this.values.length > this.head && compareValues(this.values[this.values.length - 1], v, this.collation) * this.sign <= 0) {
      this.values.pop();
      this.positions.pop();
    }
    this.values.push(v);
    this.positions.push(position);
  }
  remove(): void {
    const position = this.removed++;
    if (this.values.length > this.head && this.positions[this.head] === position) this.head++;
    if (this.head > 1024 && this.head * 2 > this.values.length) {
      this.values.splice(0, this.head);
      this.positions.splice(0, this.head);
      this.head = 0;
    }
  }
  result(): unknown {
    return this.values.length > this.head ? this.values[this.head] : null;
  }
}
