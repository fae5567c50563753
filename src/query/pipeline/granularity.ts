import { bsonTypeOf, compareValues, divideNumbers, isNumeric, multiplyNumbers, toNumber, Decimal128, Double } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { typeName } from '../expressions/index.js';
import { intOrLong } from '../expressions/values.js';

/**
 * The rounders of $bucketAuto's `granularity`
 * (https://www.mongodb.com/docs/manual/reference/operator/aggregation/bucketAuto/#granularity): preferred number
 * series (Renard, E, 1-2-5), scaled by powers of ten, and powers of two. `roundUp` gives the smallest series value
 * strictly above a value, `roundDown` the largest strictly below it; zero rounds to itself. Doubles and integers
 * round in double arithmetic (the result is a double), decimals in decimal arithmetic, as mongod does.
 */
export interface GranularityRounder {
  readonly name: string;
  roundUp(value: unknown): unknown;
  roundDown(value: unknown): unknown;
}

const SERIES: Readonly<Record<string, readonly number[]>> = {
  R5: [10, 16, 25, 40, 63],
  R10: [100, 125, 160, 200, 250, 315, 400, 500, 630, 800],
  R20: [100, 112, 125, 140, 160, 180, 200, 224, 250, 280, 315, 355, 400, 450, 500, 560, 630, 710, 800, 900],
  R40: [
    100, 106, 112, 118, 125, 132, 140, 150, 160, 170, 180, 190, 200, 212, 224, 236, 250, 265, 280, 300, 315, 355, 375, 400,
    425, 450, 475, 500, 530, 560, 600, 630, 670, 710, 750, 800, 850, 900, 950,
  ],
  R80: [
    103, 109, 115, 122, 128, 136, 145, 155, 165, 175, 185, 195, 206, 218, 230, 243, 258, 272, 290, 307, 325, 345, 365, 387,
    412, 437, 462, 487, 515, 545, 575, 615, 650, 690, 730, 775, 825, 875, 925, 975,
  ],
  '1-2-5': [10, 20, 50],
  E6: [10, 15, 22, 33, 47, 68],
  E12: [10, 12, 15, 18, 22, 27, 33, 39, 47, 56, 68, 82],
  E24: [10, 11, 12, 13, 15, 16, 18, 20, 22, 24, 27, 30, 33, 36, 39, 43, 47, 51, 56, 62, 68, 75, 82, 91],
  E48: [
    100, 105, 110, 115, 121, 127, 133, 140, 147, 154, 162, 169, 178, 187, 196, 205, 215, 226, 237, 249, 261, 274, 287, 301,
    316, 332, 348, 365, 383, 402, 422, 442, 464, 487, 511, 536, 562, 590, 619, 649, 681, 715, 750, 787, 825, 866, 909, 953,
  ],
  E96: [
    100, 102, 105, 107, 110, 113, 115, 118, 121, 124, 127, 130, 133, 137, 140, 143, 147, 150, 154, 158, 162, 165, 169, 174,
    178, 182, 187, 191, 196, 200, 205, 210, 215, 221, 226, 232, 237, 243, 249, 255, 261, 267, 274, 280, 287, 294, 301, 309,
    316, 324, 332, 340, 348, 357, 365, 374, 383, 392, 402, 412, 422, 432, 442, 453, 464, 475, 487, 499, 511, 523, 536, 549,
    562, 576, 590, 604, 619, 634, 649, 665, 681, 698, 715, 732, 750, 768, 787, 806, 825, 845, 866, 887, 909, 931, 953, 976,
  ],
  E192: [
    100, 101, 102, 104, 105, 106, 107, 109, 110, 111, 113, 114, 115, 117, 118, 120, 121, 123, 124, 126, 127, 129, 130, 132,
    133, 135, 137, 138, 140, 142, 143, 145, 147, 149, 150, 152, 154, 156, 158, 160, 162, 164, 165, 167, 169, 172, 174, 176,
    178, 180, 182, 184, 187, 189, 191, 193, 196, 198, 200, 203, 205, 208, 210, 213, 215, 218, 221, 223, 226, 229, 232, 234,
    237, 240, 243, 246, 249, 252, 255, 258, 261, 264, 267, 271, 274, 277, 280, 284, 287, 291, 294, 298, 301, 305, 309, 312,
    316, 320, 324, 328, 332, 336, 340, 344, 348, 352, 357, 361, 365, 370, 374, 379, 383, 388, 392, 397, 402, 407, 412, 417,
    422, 427, 432, 437, 442, 448, 453, 459, 464, 470, 475, 481, 487, 493, 499, 505, 511, 517, 523, 530, 536, 542, 549, 556,
    562, 569, 576, 583, 590, 597, 604, 612, 619, 626, 634, 642, 649, 657, 665, 673, 681, 690, 698, 706, 715, 723, 732, 741,
    750, 759, 768, 777, 787, 796, 806, 816, 825, 835, 845, 856, 866, 876, 887, 898, 909, 920, 931, 942, 953, 965, 976, 988,
  ],
};

/** The granularity names, in mongod's order. */
export const GRANULARITIES: readonly string[] = [...Object.keys(SERIES), 'POWERSOF2'];

/** A non-negative number, or the rounder's error (each rounder has its own codes). */
function checkRoundable(value: unknown, codes: readonly [number, number, number]): number {
  if (!isNumeric(value)) {
    throw new MongoServerError(codes[0], `A granularity rounder can only round numeric values, but found type: ${typeName(value)}`);
  }
  const n = toNumber(value);
  if (Number.isNaN(n)) throw new MongoServerError(codes[1], 'A granularity rounder cannot round NaN');
  if (n < 0) throw new MongoServerError(codes[2], 'A granularity rounder can only round non-negative numbers');
  return n;
}

const PREFERRED_CODES = [40262, 40263, 40268] as const;
const POWERS_OF_TWO_CODES = [40265, 40266, 40267] as const;

/** Decimal128(double) as mongod builds it: 15 significant digits, trailing zeros kept. */
function decimalOfDouble(n: number): Decimal128 {
  return Decimal128.fromString(n.toPrecision(15));
}

const DECIMAL_ONE = Decimal128.fromString('1');
const DECIMAL_TEN = Decimal128.fromString('10');
const less = (a: unknown, b: unknown): boolean => compareValues(a, b) < 0;
const mul = (a: unknown, b: unknown): unknown => multiplyNumbers(a, b);
const div = (a: unknown, b: unknown): unknown => divideNumbers(a, b);

function preferredNumbers(name: string, series: readonly number[]): GranularityRounder {
  const first = series[0]!;
  const last = series[series.length - 1]!;
  const decimals = series.map(decimalOfDouble);
  const firstDec = decimals[0]!;
  const lastDec = decimals[decimals.length - 1]!;
  return {
    name,
    roundUp(value) {
      const n = checkRoundable(value, PREFERRED_CODES);
      if (n === 0 || n === Infinity) return value;
      if (bsonTypeOf(value) === 'decimal') {
        let m: unknown = DECIMAL_ONE;
        while (!less(value, mul(lastDec, m))) m = mul(m, DECIMAL_TEN);
        while (less(value, mul(firstDec, m))) {
          const previousMin = mul(firstDec, m);
          m = div(m, DECIMAL_TEN);
          if (!less(value, mul(lastDec, m))) return previousMin;
        }
        const s = decimals.find((d) => less(value, mul(d, m)))!;
        return mul(s, m);
      }
      let m = 1;
      while (n >= last * m) m *= 10;
      while (n < first * m) {
        const previousMin = first * m;
        m /= 10;
        if (n >= last * m) return new Double(previousMin);
      }
      const s = series.find((x) => n < x * m)!;
      return new Double(s * m);
    },
    roundDown(value) {
      const n = checkRoundable(value, PREFERRED_CODES);
      if (n === 0 || n === Infinity) return value;
      if (bsonTypeOf(value) === 'decimal') {
        let m: unknown = DECIMAL_ONE;
        while (!less(mul(firstDec, m), value)) m = div(m, DECIMAL_TEN);
        while (less(mul(lastDec, m), value)) {
          const previousMax = mul(lastDec, m);
          m = mul(m, DECIMAL_TEN);
          if (!less(mul(firstDec, m), value)) return previousMax;
        }
        const i = decimals.findIndex((d) => !less(mul(d, m), value));
        return mul(decimals[i - 1]!, m);
      }
      let m = 1;
      while (n <= first * m) {
        m /= 10;
        // Below the smallest series value a double can scale to (a subnormal number), zero is below it.
        if (m === 0) return new Double(0);
      }
      while (n > last * m) {
        const previousMax = last * m;
        m *= 10;
        if (n <= first * m) return new Double(previousMax);
      }
      const i = series.findIndex((x) => x * m >= n);
      return new Double(series[i - 1]! * m);
    },
  };
}

/** 2 to an integer power as mongod's $pow gives it for an int base and exponent: int, long, or double below 1. */
function twoToThe(exp: number): unknown {
  if (exp < 0 || exp > 62) return new Double(2 ** exp);
  return intOrLong(2n ** BigInt(exp));
}

function decimalTwoToThe(exp: number): Decimal128 {
  return Decimal128.fromString(String(2 ** exp));
}

/** The bit length of a positive 64-bit integer (64 minus its leading zeros). */
function bitLength(n: bigint): number {
  return n.toString(2).length;
}

const powersOfTwo: GranularityRounder = {
  name: 'POWERSOF2',
  roundUp(value) {
    const n = checkRoundable(value, POWERS_OF_TWO_CODES);
    if (n === 0) return value;
    const type = bsonTypeOf(value);
    if (type === 'double') return twoToThe(Math.floor(Math.log2(n)) + 1);
    if (type === 'decimal') return decimalTwoToThe(Math.floor(Math.log2(n)) + 1);
    return twoToThe(bitLength(BigInt(integerOf(value))));
  },
  roundDown(value) {
    const n = checkRoundable(value, POWERS_OF_TWO_CODES);
    if (n === 0) return value;
    const type = bsonTypeOf(value);
    if (type === 'double') return twoToThe(Math.ceil(Math.log2(n)) - 1);
    if (type === 'decimal') return decimalTwoToThe(Math.ceil(Math.log2(n)) - 1);
    const big = BigInt(integerOf(value));
    const bits = bitLength(big);
    const isPowerOfTwo = (big & (big - 1n)) === 0n;
    return twoToThe(isPowerOfTwo ? bits - 2 : bits - 1);
  },
};

function integerOf(value: unknown): string {
  return typeof value === 'bigint' ? value.toString() : String((value as { toString(): string }).toString());
}

/** The rounder named `name`, or 40257 as mongod answers an unknown one. */
export function granularityRounder(name: string): GranularityRounder {
  if (name === 'POWERSOF2') return powersOfTwo;
  const series = Object.prototype.hasOwnProperty.call(SERIES, name) ? SERIES[name] : undefined;
  if (!series) throw new MongoServerError(40257, `Unknown rounding granularity '${name}'`);
  return preferredNumbers(name, series);
}
