import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  Binary, BSONRegExp, BSONSymbol, Code, DBRef, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp,
} from 'bson';
import { canonicalTypeOrder, compareValues, valuesEqual } from '../../../src/bson/index.js';

/** One value per canonical type, in MongoDB's ascending cross-type order. */
const typeLadder: [string, unknown][] = [
  ['minKey', new MinKey()],
  ['undefined', undefined],
  ['null', null],
  ['number', new Int32(5)],
  ['string', 'abc'],
  ['object', { a: 1 }],
  ['array', [1]],
  ['binData', new Binary(new Uint8Array([1, 2]))],
  ['objectId', new ObjectId('000000000000000000000001')],
  ['bool', false],
  ['date', new Date(0)],
  ['timestamp', new Timestamp({ t: 1, i: 1 })],
  ['regex', /a/],
  ['javascript', new Code('x')],
  ['javascriptWithScope', new Code('x', { a: 1 })],
  ['maxKey', new MaxKey()],
];

describe('canonical type order', () => {
  test('the ladder is strictly increasing, both through canonicalTypeOrder and compareValues', () => {
    for (let i = 0; i < typeLadder.length; i++) {
      for (let j = 0; j < typeLadder.length; j++) {
        const [na, a] = typeLadder[i]!;
        const [nb, b] = typeLadder[j]!;
        const expected = Math.sign(i - j);
        assert.equal(compareValues(a, b), expected, `${na} vs ${nb}`);
        assert.equal(Math.sign(canonicalTypeOrder(a) - canonicalTypeOrder(b)), expected, `${na} vs ${nb}`);
      }
    }
  });

  test('all numeric types share one rank, as do string and symbol', () => {
    const ranks = [1, 1.5, new Int32(1), new Long(1), new Double(1), Decimal128.fromString('1'), 5n].map(canonicalTypeOrder);
    assert.equal(new Set(ranks).size, 1);
    assert.equal(canonicalTypeOrder('x'), canonicalTypeOrder(new BSONSymbol('x')));
    assert.equal(compareValues('b', new BSONSymbol('a')), 1);
    assert.equal(compareValues(new BSONSymbol('a'), 'a'), 0);
  });

  test('extreme values of one type stay inside its rank', () => {
    assert.equal(compareValues(Infinity, ''), -1);
    assert.equal(compareValues('\u{10ffff}', {}), -1);
    assert.equal(compareValues({ z: [new MaxKey()] }, []), -1);
    assert.equal(compareValues(true, new Date(-8.64e15)), -1);
    assert.equal(compareValues(new Date(8.64e15), new Timestamp({ t: 0, i: 0 })), -1);
  });
});

describe('numbers', () => {
  test('equal values of different numeric types are equal', () => {
    const ones = [1, 1.0, new Int32(1), Long.fromNumber(1), new Double(1), Decimal128.fromString('1'), Decimal128.fromString('1.000'), 1n];
    for (const a of ones) for (const b of ones) assert.equal(compareValues(a, b), 0, `${String(a)} vs ${String(b)}`);
    assert.equal(compareValues(-0, 0), 0);
    assert.equal(compareValues(Decimal128.fromString('-0'), new Int32(0)), 0);
  });

  test('Long vs Double is exact beyond 2^53', () => {
    const big = 2n ** 53n;
    assert.equal(compareValues(Long.fromBigInt(big + 1n), new Double(2 ** 53)), 1);
    assert.equal(compareValues(new Double(2 ** 53), Long.fromBigInt(big + 1n)), -1);
    assert.equal(compareValues(Long.fromBigInt(big), new Double(2 ** 53)), 0);
    // 2^63 as a double is above every long.
    assert.equal(compareValues(Long.MAX_VALUE, new Double(2 ** 63)), -1);
    assert.equal(compareValues(Long.MIN_VALUE, new Double(-(2 ** 63))), 0);
    assert.equal(compareValues(Long.fromNumber(3), 3.5), -1);
    assert.equal(compareValues(Long.fromNumber(4), 3.5), 1);
    assert.equal(compareValues(Long.fromNumber(-4), -3.5), -1);
  });

  test('NaN sorts below every number (even -Infinity) and equals NaN of any type', () => {
    assert.equal(compareValues(NaN, -Infinity), -1);
    assert.equal(compareValues(Long.MIN_VALUE, NaN), 1);
    assert.equal(compareValues(NaN, NaN), 0);
    assert.equal(compareValues(new Double(NaN), Decimal128.fromString('NaN')), 0);
    assert.equal(compareValues(Decimal128.fromString('NaN'), Decimal128.fromString('-Infinity')), -1);
    assert.equal(compareValues(NaN, null), 1, 'NaN is still a number, above null');
  });

  test('Decimal128 compares exactly with doubles (0.1 the double is not 0.1 the decimal)', () => {
    assert.equal(compareValues(Decimal128.fromString('0.1'), 0.1), -1);
    assert.equal(compareValues(Decimal128.fromString('0.5'), 0.5), 0);
    assert.equal(compareValues(Decimal128.fromString('1E+400'), Infinity), -1);
    assert.equal(compareValues(Decimal128.fromString('1E+400'), Number.MAX_VALUE), 1);
    assert.equal(compareValues(Decimal128.fromString('-2.5'), new Int32(-2)), -1);
    assert.equal(compareValues(Decimal128.fromString('9223372036854775808'), Long.MAX_VALUE), 1);
  });

  test('infinities', () => {
    assert.equal(compareValues(Infinity, Long.MAX_VALUE), 1);
    assert.equal(compareValues(-Infinity, Long.MIN_VALUE), -1);
    assert.equal(compareValues(Infinity, Decimal128.fromString('Infinity')), 0);
  });
});

describe('documents and arrays', () => {
  test('field order matters: same fields in another order are different documents', () => {
    assert.notEqual(compareValues({ a: 1, b: 2 }, { b: 2, a: 1 }), 0);
    assert.equal(compareValues({ a: 1, b: 2 }, { b: 2, a: 1 }), -1, "'a' < 'b' at the first field");
  });

  test('per field: value type first, then name, then value', () => {
    // type of the value beats the field name: {z: 1} (number) < {a: "x"} (string)
    assert.equal(compareValues({ z: 1 }, { a: 'x' }), -1);
    // same type: name decides before value
    assert.equal(compareValues({ a: 9 }, { b: 1 }), -1);
    // same name: value decides
    assert.equal(compareValues({ a: 1 }, { a: 2 }), -1);
    assert.equal(compareValues({ a: new Int32(2) }, { a: 2.0 }), 0);
  });

  test('a prefix document sorts first; empty document is smallest', () => {
    assert.equal(compareValues({ a: 1 }, { a: 1, b: new MinKey() }), -1);
    assert.equal(compareValues({}, { a: new MinKey() }), -1);
    assert.equal(compareValues({}, {}), 0);
  });

  test('nested documents compare recursively', () => {
    assert.equal(compareValues({ a: { b: 1, c: 2 } }, { a: { b: 1, c: 3 } }), -1);
    assert.equal(compareValues({ a: { b: 1 } }, { a: { b: 1 } }), 0);
  });

  test('DBRef compares as its {$ref, $id} document', () => {
    const id = new ObjectId('000000000000000000000001');
    assert.equal(compareValues(new DBRef('c', id), { $ref: 'c', $id: id }), 0);
  });

  test('arrays compare element-wise, shorter prefix first', () => {
    assert.equal(compareValues([1, 2], [1, 3]), -1);
    assert.equal(compareValues([1, 2], [1, 2, 0]), -1);
    assert.equal(compareValues([], [new MinKey()]), -1);
    assert.equal(compareValues([2], [1, 9]), 1);
    assert.equal(compareValues([1, 'a'], [new Long(1), 'a']), 0);
    assert.equal(compareValues([[1]], [[1, 1]]), -1);
  });
});

describe('other types', () => {
  test('binData: length, then subtype, then bytes', () => {
    const b = (bytes: number[], sub = 0) => new Binary(new Uint8Array(bytes), sub);
    assert.equal(compareValues(b([9, 9]), b([0, 0, 0])), -1, 'shorter first, whatever the bytes');
    assert.equal(compareValues(b([9], 0), b([0], 4)), -1, 'then subtype');
    assert.equal(compareValues(b([1, 2]), b([1, 3])), -1);
    assert.equal(compareValues(b([1, 2]), new Uint8Array([1, 2])), 0, 'a Uint8Array is binData subtype 0');
  });

  test('ObjectId by bytes, Date by time, booleans false < true', () => {
    assert.equal(compareValues(new ObjectId('000000000000000000000002'), new ObjectId('0000000000000000000000ff')), -1);
    assert.equal(compareValues(new ObjectId('ff0000000000000000000000'), new ObjectId('0000000000000000000000ff')), 1);
    assert.equal(compareValues(new Date(-1), new Date(0)), -1);
    assert.equal(compareValues(new Date(5), new Date(5)), 0);
    assert.equal(compareValues(false, true), -1);
    assert.equal(compareValues(true, true), 0);
  });

  test('Timestamp by (t, i), unsigned', () => {
    assert.equal(compareValues(new Timestamp({ t: 1, i: 5 }), new Timestamp({ t: 2, i: 0 })), -1);
    assert.equal(compareValues(new Timestamp({ t: 2, i: 1 }), new Timestamp({ t: 2, i: 2 })), -1);
    assert.equal(compareValues(new Timestamp({ t: 0xffffffff, i: 0 }), new Timestamp({ t: 1, i: 0 })), 1);
    assert.equal(compareValues(new Timestamp({ t: 1, i: 0xffffffff }), new Timestamp({ t: 1, i: 1 })), 1);
  });

  test('regex by pattern, then flags; RegExp and BSONRegExp agree', () => {
    assert.equal(compareValues(/a/, /b/), -1);
    assert.equal(compareValues(/a/i, /a/m), -1);
    assert.equal(compareValues(/a/, /a/i), -1);
    assert.equal(compareValues(/a/im, new BSONRegExp('a', 'im')), 0);
  });

  test('MinKey, MaxKey, null and undefined equal themselves', () => {
    assert.equal(compareValues(new MinKey(), new MinKey()), 0);
    assert.equal(compareValues(new MaxKey(), new MaxKey()), 0);
    assert.equal(compareValues(null, null), 0);
    assert.equal(compareValues(undefined, null), -1);
  });
});

describe('strings', () => {
  test('binary order is UTF-8 byte order, not UTF-16 code units', () => {
    assert.equal(compareValues('a', 'b'), -1);
    assert.equal(compareValues('B', 'a'), -1, 'uppercase first in binary order');
    assert.equal(compareValues('a', 'a\0'), -1);
    assert.equal(compareValues('a\0b', 'a\0a'), 1);
    // U+FFFD (EF BF BD) < U+1F600 (F0 9F 98 80) in UTF-8, though its UTF-16 unit is above the surrogate 0xD83D.
    assert.equal(compareValues('\uFFFD', '\u{1F600}'), -1);
    assert.equal(compareValues('\u{1F600}', '\uE000'), 1);
  });

  test('a collation applies to strings nested in documents and arrays', () => {
    const c = { locale: 'en', strength: 2 };
    assert.equal(compareValues({ a: ['X'] }, { a: ['x'] }, c), 0);
    assert.equal(compareValues({ a: ['X'] }, { a: ['x'] }), -1);
    assert.equal(valuesEqual({ a: { b: 'ABC' } }, { a: { b: 'abc' } }, c), true);
    assert.equal(valuesEqual({ a: { b: 'ABC' } }, { a: { b: 'abc' } }), false);
    // field names are never collated
    assert.equal(valuesEqual({ A: 1 }, { a: 1 }, c), false);
  });
});

describe('valuesEqual', () => {
  test('is compareValues === 0', () => {
    assert.equal(valuesEqual(1, new Double(1)), true);
    assert.equal(valuesEqual(1, '1'), false);
    assert.equal(valuesEqual({ a: [1, { b: 2 }] }, { a: [new Long(1), { b: new Int32(2) }] }), true);
    assert.equal(valuesEqual({ a: 1, b: 2 }, { b: 2, a: 1 }), false);
  });
});
