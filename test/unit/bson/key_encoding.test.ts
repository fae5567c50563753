import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  Binary, BSONRegExp, Code, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp,
} from 'bson';
import { compareValues, encodeCompoundKey, encodeKey } from '../../../src/bson/index.js';
import { prng } from '../../helpers/random.js';

function cmpBytes(a: Uint8Array, b: Uint8Array): number {
  return Math.sign(Buffer.compare(a, b));
}

function hex(v: unknown): string {
  return Buffer.from(encodeKey(v)).toString('hex');
}

function generator(seed: number) {
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

  const specialNumbers: unknown[] = [
    0, -0, 1, -1, 0.5, -0.5, 0.1, 1e-300, 5e-324, -5e-324, 1e300, Number.MAX_VALUE, Infinity, -Infinity, NaN,
    2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2 ** 63, -(2 ** 63), 2 ** 31, -(2 ** 31), 2147483647,
    Long.fromBigInt(2n ** 53n + 1n), Long.fromBigInt(2n ** 53n - 1n), Long.fromBigInt(-(2n ** 53n) - 1n),
    Long.MAX_VALUE, Long.MIN_VALUE, Long.fromNumber(0), Long.fromNumber(1), 3n,
    new Int32(1), new Int32(-2147483648), new Double(1), new Double(2.5), new Double(NaN),
    Decimal128.fromString('1'), Decimal128.fromString('1.000'), Decimal128.fromString('0.1'), Decimal128.fromString('-0'),
    Decimal128.fromString('NaN'), Decimal128.fromString('Infinity'), Decimal128.fromString('-Infinity'),
    Decimal128.fromString('9007199254740993'), Decimal128.fromString('1E+6144'), Decimal128.fromString('-1E-6176'),
    Decimal128.fromString('2.5'), Decimal128.fromString('-2.50'), Decimal128.fromString('0.1000000000000000055511151231257827'),
  ];

  function number(): unknown {
    switch (int(8)) {
      case 0: return pick(specialNumbers);
      case 1: return int(200) - 100;
      case 2: return new Int32(int(2000) - 1000);
      case 3: return Long.fromBigInt(BigInt(int(2 ** 30)) * BigInt(int(2 ** 30)) * (rnd() < 0.5 ? -1n : 1n) + BigInt(int(3) - 1));
      case 4: return new Double((rnd() - 0.5) * 10 ** (int(40) - 20));
      case 5: return (int(2000) - 1000) / 8;
      case 6: return Decimal128.fromString(`${rnd() < 0.5 ? '-' : ''}${int(100000)}E${int(20) - 10}`);
      default: return Long.fromBigInt(2n ** 53n + BigInt(int(5) - 2));
    }
  }

  function string(): string {
    const alphabet = ['a', 'b', 'A', 'z', '\0', 'é', '\uFFFD', '\u{1F600}', '\uE000', ' ', '0', '9'];
    let s = '';
    const n = int(5);
    for (let i = 0; i < n; i++) s += pick(alphabet);
    return s;
  }

  function value(depth: number): unknown {
    const kinds = depth > 2 ? 14 : 16;
    switch (int(kinds)) {
      case 0: return number();
      case 1: return number();
      case 2: return string();
      case 3: return pick([null, undefined, new MinKey(), new MaxKey()]);
      case 4: return rnd() < 0.5;
      case 5: return new Date(int(5) * 1e12 - 2e12 + int(3));
      case 6: return new ObjectId(Buffer.from(Array.from({ length: 12 }, () => pick([0, 1, 255]))));
      case 7: return new Binary(new Uint8Array(Array.from({ length: int(4) }, () => int(3))), pick([0, 4, 128]));
      case 8: return new Timestamp({ t: pick([0, 1, 0xffffffff]), i: pick([0, 1, 0x80000000]) });
      case 9: return pick([/a/, /a/i, /b/, new BSONRegExp('a', 'im'), /a\0?/]);
      case 10: return pick([new Code('f'), new Code('g'), new Code('f', { x: 1 }), new Code('f', { x: 2 })]);
      case 11: return string();
      case 12: return number();
      case 13: return pick(specialNumbers);
      case 14: {
        const doc: Record<string, unknown> = {};
        const n = int(4);
        for (let i = 0; i < n; i++) doc[pick(['a', 'b', 'c', 'a\u00e9', 'x'])] = value(depth + 1);
        return doc;
      }
      default:
        return Array.from({ length: int(4) }, () => value(depth + 1));
    }
  }
  return () => value(0);
}

describe('encodeKey', () => {
  test('equal numbers of every type encode to the same bytes', () => {
    const ones = [1, new Int32(1), new Double(1), Long.fromNumber(1), 1n, Decimal128.fromString('1'), Decimal128.fromString('1.000'), Decimal128.fromString('0.01E2')];
    const keys = new Set(ones.map(hex));
    assert.equal(keys.size, 1);
    assert.equal(hex(0), hex(-0));
    assert.equal(hex(0), hex(Decimal128.fromString('-0.00')));
    assert.equal(hex(NaN), hex(Decimal128.fromString('NaN')));
    assert.equal(hex({ a: [1, { b: 2.0 }] }), hex({ a: [Long.fromNumber(1), { b: new Int32(2) }] }));
    assert.notEqual(hex({ a: 1, b: 2 }), hex({ b: 2, a: 1 }));
  });

  test('Long(2^53+1) and Double(2^53) are different keys in the right order', () => {
    const l = encodeKey(Long.fromBigInt(2n ** 53n + 1n));
    const d = encodeKey(new Double(2 ** 53));
    assert.equal(cmpBytes(d, l), -1);
    assert.equal(hex(Long.fromBigInt(2n ** 53n)), hex(2 ** 53));
  });

  test('strings with embedded NULs keep their order', () => {
    const xs = ['', '\0', '\0\0', '\0a', 'a', 'a\0', 'a\0\0', 'a\0b', 'a\x01', 'ab', 'b'];
    for (let i = 0; i + 1 < xs.length; i++) {
      assert.equal(cmpBytes(encodeKey(xs[i]), encodeKey(xs[i + 1])), -1, `${JSON.stringify(xs[i])} < ${JSON.stringify(xs[i + 1])}`);
    }
  });

  test('property: bytewise order of keys is compareValues order, for random mixed values', () => {
    for (const seed of [1, 2, 3]) {
      const next = generator(seed);
      const values = Array.from({ length: 300 }, next);
      const keys = values.map(encodeKey);
      for (let i = 0; i < values.length; i++) {
        for (let j = i; j < values.length; j++) {
          const expected = compareValues(values[i], values[j]);
          const actual = cmpBytes(keys[i]!, keys[j]!);
          if (actual !== expected) {
            assert.fail(`seed ${seed}: key order ${actual} but compareValues ${expected} for\n${String(keys[i])}\n${String(keys[j])}\n${inspect(values[i])} vs ${inspect(values[j])}`);
          }
          // and compareValues is antisymmetric
          assert.equal(compareValues(values[j], values[i]), -expected || 0);
        }
      }
    }
  });
});

function inspect(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
  } catch {
    return String(v);
  }
}

describe('encodeCompoundKey', () => {
  const pairs: [unknown, unknown][] = [
    [1, 'a'], [1, 'b'], [2, 'a'], [new Long(1), 'a\0'], ['a', 1], [null, 5], [[1], { x: 1 }], [[1, 2], {}],
    [1.5, new MinKey()], [1.5, new MaxKey()], ['', ''], ['', '\0'],
  ];

  function expectedOrder(a: [unknown, unknown], b: [unknown, unknown], dirs: number[]): number {
    const c0 = compareValues(a[0], b[0]) * dirs[0]!;
    if (c0 !== 0) return c0;
    return compareValues(a[1], b[1]) * dirs[1]! || 0;
  }

  for (const dirs of [[1, 1], [1, -1], [-1, 1], [-1, -1]]) {
    test(`directions ${JSON.stringify(dirs)} sort like the component comparisons`, () => {
      for (const a of pairs) {
        for (const b of pairs) {
          const ka = encodeCompoundKey(a, dirs);
          const kb = encodeCompoundKey(b, dirs);
          assert.equal(cmpBytes(ka, kb), expectedOrder(a, b, dirs), `${inspect(a)} vs ${inspect(b)}`);
        }
      }
    });
  }

  test('with all directions ascending it is the concatenation of the single keys', () => {
    const k = encodeCompoundKey([1, 'x']);
    assert.deepEqual(Buffer.from(k), Buffer.concat([encodeKey(1), encodeKey('x')]));
  });
});
