import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal128, Double, Int32, Long } from 'bson';
import {
  addNumbers, bsonTypeOf, divideNumbers, modNumbers, multiplyNumbers, numberOfType, subtractNumbers,
} from '../../../src/bson/index.js';

/** Asserts the BSON type and the value (as a string, so Long and Decimal128 are exact). */
function is(v: unknown, type: string, value: string): void {
  assert.equal(bsonTypeOf(v), type, `type of ${String(v)}`);
  assert.ok(v !== null && typeof v === 'object' && '_bsontype' in v, 'results are wrapper instances');
  const shown = type === 'double' ? String((v as Double).value) : String(v);
  assert.equal(shown, value);
}

const I = (n: number) => new Int32(n);
const L = (n: bigint) => Long.fromBigInt(n);
const D = (n: number) => new Double(n);
const M = (s: string) => Decimal128.fromString(s);

describe('add / subtract / multiply result types', () => {
  test('int op int stays int, promotes to long on 32-bit overflow', () => {
    is(addNumbers(I(2), I(3)), 'int', '5');
    is(addNumbers(2, 3), 'int', '5');
    is(addNumbers(I(2147483647), I(1)), 'long', '2147483648');
    is(subtractNumbers(I(-2147483648), 1), 'long', '-2147483649');
    is(multiplyNumbers(I(65536), I(65536)), 'long', '4294967296');
    is(multiplyNumbers(I(-3), I(4)), 'int', '-12');
  });

  test('with a long the result is long; 64-bit overflow becomes double, or null in fail mode', () => {
    is(addNumbers(L(1n), I(1)), 'long', '2');
    is(addNumbers(5n, 1), 'long', '6');
    is(addNumbers(Long.MAX_VALUE, I(1)), 'double', String(2 ** 63));
    is(subtractNumbers(Long.MIN_VALUE, I(1)), 'double', String(-(2 ** 63)));
    is(multiplyNumbers(Long.MAX_VALUE, I(2)), 'double', String(2 ** 64));
    assert.equal(addNumbers(Long.MAX_VALUE, I(1), 'fail'), null);
    assert.equal(multiplyNumbers(L(2n ** 62n), I(2), 'fail'), null);
    is(addNumbers(Long.MAX_VALUE, I(-1), 'fail'), 'long', String(2n ** 63n - 2n));
  });

  test('long arithmetic is exact beyond 2^53', () => {
    is(addNumbers(L(2n ** 53n), I(1)), 'long', String(2n ** 53n + 1n));
  });

  test('with a double the result is double', () => {
    is(addNumbers(I(1), D(1)), 'double', '2');
    is(addNumbers(1, 0.5), 'double', '1.5');
    is(addNumbers(L(1n), D(0.5)), 'double', '1.5');
    is(multiplyNumbers(D(2), I(3)), 'double', '6');
    is(subtractNumbers(D(0.5), D(0.25)), 'double', '0.25');
  });

  test('with a decimal the result is decimal, with decimal exponents', () => {
    is(addNumbers(M('1.0'), M('2.00')), 'decimal', '3.00');
    is(addNumbers(M('1'), I(2)), 'decimal', '3');
    is(addNumbers(M('1'), L(2n ** 62n)), 'decimal', '4611686018427387905');
    is(addNumbers(M('1'), D(0.5)), 'decimal', '1.500000000000000');
    is(subtractNumbers(M('0.3'), M('0.1')), 'decimal', '0.2');
    is(multiplyNumbers(M('1.5'), M('2.0')), 'decimal', '3.00');
    is(addNumbers(M('Infinity'), M('-Infinity')), 'decimal', 'NaN');
    is(addNumbers(M('9999999999999999999999999999999999'), I(1)), 'decimal', '1.000000000000000000000000000000000E+34');
  });
});

describe('divide', () => {
  test('always double, decimal if either is decimal', () => {
    is(divideNumbers(I(6), I(3)), 'double', '2');
    is(divideNumbers(I(1), I(4)), 'double', '0.25');
    is(divideNumbers(L(10n), I(4)), 'double', '2.5');
    is(divideNumbers(M('1'), M('3')), 'decimal', '0.3333333333333333333333333333333333');
    is(divideNumbers(M('10'), I(4)), 'decimal', '2.5');
    is(divideNumbers(M('6'), I(3)), 'decimal', '2');
    is(divideNumbers(M('2'), M('3')), 'decimal', '0.6666666666666666666666666666666667');
  });

  test('division by zero (any type) returns null', () => {
    assert.equal(divideNumbers(I(1), I(0)), null);
    assert.equal(divideNumbers(1, 0.0), null);
    assert.equal(divideNumbers(1, -0), null);
    assert.equal(divideNumbers(1, L(0n)), null);
    assert.equal(divideNumbers(1, M('0.00')), null);
  });
});

describe('mod', () => {
  test('result types and truncated sign', () => {
    is(modNumbers(I(7), I(3)), 'int', '1');
    is(modNumbers(I(-7), I(3)), 'int', '-1');
    is(modNumbers(L(7n), I(3)), 'long', '1');
    is(modNumbers(I(7), D(2.5)), 'double', '2');
    is(modNumbers(M('7.5'), I(2)), 'decimal', '1.5');
    is(modNumbers(I(-2147483648), I(-1)), 'int', '0');
  });

  test('mod by zero returns null', () => {
    assert.equal(modNumbers(I(1), I(0)), null);
    assert.equal(modNumbers(D(1), D(0)), null);
  });
});

describe('numberOfType', () => {
  test('builds the requested wrapper', () => {
    is(numberOfType(3, 'int'), 'int', '3');
    is(numberOfType(3, 'long'), 'long', '3');
    is(numberOfType(3, 'double'), 'double', '3');
    is(numberOfType(3, 'decimal'), 'decimal', '3');
    is(numberOfType(0.1, 'decimal'), 'decimal', '0.100000000000000');
  });

  test('widens values that do not fit', () => {
    is(numberOfType(2 ** 40, 'int'), 'long', String(2 ** 40));
    is(numberOfType(1.5, 'int'), 'double', '1.5');
    is(numberOfType(1.5, 'long'), 'double', '1.5');
  });

  test('rejects non-numeric operands with a TypeError', () => {
    assert.throws(() => addNumbers('1', 1), TypeError);
  });
});
