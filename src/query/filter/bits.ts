import { bsonTypeOf, toNumber } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { elementToString as formatElement } from '../../bson/index.js';
import { decimalToBigInt, parseIntegerToNonNegativeInt, parseIntegerToNonNegativeLong } from './integer.js';
import { PathNode } from './node.js';
import type { FieldOperatorParser } from './types.js';

/** How the tested bits must be. */
type BitTest = 'allSet' | 'allClear' | 'anySet' | 'anyClear';

/** The bytes of a binData value (a Binary, or a Buffer/typed array, which the serializer writes as binData). */
function binaryBytes(v: unknown): Uint8Array {
  if ((v as { _bsontype?: unknown })._bsontype === 'Binary') {
    const b = v as { buffer: Uint8Array; position: number };
    return b.buffer.subarray(0, b.position);
  }
  const view = v as ArrayBufferView;
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * The 64-bit two's complement pattern of a numeric value, or null when it has none: NaN, non-integral and
 * out-of-range doubles never match a bit test.
 */
function integerBits(v: unknown): bigint | null {
  switch (bsonTypeOf(v)) {
    case 'int':
    case 'double': {
      const d = toNumber(v);
      if (!Number.isInteger(d) || d >= 2 ** 63 || d < -(2 ** 63)) return null;
      return BigInt.asUintN(64, BigInt(d));
    }
    case 'long':
      return BigInt.asUintN(64, typeof v === 'bigint' ? v : (v as { toBigInt(): bigint }).toBigInt());
    case 'decimal': {
      const n = decimalToBigInt(String(v as object));
      return n === null || n >= 2n ** 63n || n < -(2n ** 63n) ? null : BigInt.asUintN(64, n);
    }
    default:
      return null;
  }
}

/**
 * `$bitsAllSet`, `$bitsAllClear`, `$bitsAnySet`, `$bitsAnyClear` (mongod's BitTestMatchExpression) on numbers (as
 * 64-bit two's complement, so positions past 63 read the sign) and binData (bit i of byte i/8, absent bytes clear).
 */
export class BitTestNode extends PathNode {
  constructor(
    path: string,
    readonly test: BitTest,
    readonly positions: readonly number[],
  ) {
    super(path);
  }

  matchesSingleElement(value: unknown): boolean {
    let bit: (p: number) => boolean;
    if (bsonTypeOf(value) === 'binData') {
      const bytes = binaryBytes(value);
      bit = (p) => {
        const at = Math.floor(p / 8);
        return at < bytes.length && ((bytes[at]! >> p % 8) & 1) === 1;
      };
    } else {
      const n = integerBits(value);
      if (n === null) return false;
      bit = (p) => ((n >> BigInt(Math.min(p, 63))) & 1n) === 1n;
    }
    switch (this.test) {
      case 'allSet':
        return this.positions.every(bit);
      case 'allClear':
        return this.positions.every((p) => !bit(p));
      case 'anySet':
        return this.positions.some(bit);
      case 'anyClear':
        return this.positions.some((p) => !bit(p));
    }
  }
}

function positionsOf(name: string, path: string, value: unknown): number[] {
  if (Array.isArray(value)) {
    return value.map((item, i) => {
      const p = parseIntegerToNonNegativeInt(String(i), item);
      if (!p.ok) throw mongoError('BadValue', `Failed to parse bit position. ${p.reason}`);
      return Number(p.value);
    });
  }
  const type = bsonTypeOf(value);
  if (type === 'int' || type === 'long' || type === 'double' || type === 'decimal') {
    const mask = parseIntegerToNonNegativeLong(name, value);
    if (!mask.ok) throw mongoError('FailedToParse', mask.reason);
    const out: number[] = [];
    for (let p = 0; p < 64; p++) if ((mask.value >> BigInt(p)) & 1n) out.push(p);
    return out;
  }
  if (type === 'binData') {
    const bytes = binaryBytes(value);
    const out: number[] = [];
    for (let i = 0; i < bytes.length; i++) for (let b = 0; b < 8; b++) if ((bytes[i]! >> b) & 1) out.push(i * 8 + b);
    return out;
  }
  throw mongoError(
    'BadValue',
    `${path} takes an Array, a number, or a BinData but received: ${formatElement(name, value)}`,
  );
}

const parserFor =
  (test: BitTest): FieldOperatorParser =>
  ({ name, path, value }) =>
    new BitTestNode(path, test, positionsOf(name, path, value));

/** `$bitsAllSet`. */
export const parseBitsAllSet = parserFor('allSet');
/** `$bitsAllClear`. */
export const parseBitsAllClear = parserFor('allClear');
/** `$bitsAnySet`. */
export const parseBitsAnySet = parserFor('anySet');
/** `$bitsAnyClear`. */
export const parseBitsAnyClear = parserFor('anyClear');
