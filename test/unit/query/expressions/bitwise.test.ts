import { describe, test } from 'node:test';
import { Double, Int32, Long } from '../../../../src/bson/index.js';
import { evaluateExpression } from '../../../../src/query/expressions/index.js';
import { assertBson, assertCode } from './helpers.js';

const i = (n: number): Int32 => new Int32(n);
const l = (n: number | bigint): Long => Long.fromBigInt(BigInt(n));

describe('bitwise operators', () => {
  const cases: [string, unknown, unknown][] = [
    ['$bitAnd of ints is an int', { $bitAnd: [i(12), i(10)] }, i(8)],
    ['$bitOr of ints', { $bitOr: [i(12), i(10)] }, i(14)],
    ['$bitXor of ints', { $bitXor: [i(12), i(10)] }, i(6)],
    ['a long makes the result a long', { $bitAnd: [i(12), l(10)] }, l(8)],
    ['$bitOr with a long', { $bitOr: [l(2n ** 40n), i(1)] }, l(2n ** 40n + 1n)],
    ['a negative int extends its sign into a long', { $bitAnd: [i(-1), l(2n ** 40n)] }, l(2n ** 40n)],
    ['one operand', { $bitXor: i(5) }, i(5)],
    ['no operands: $bitAnd is -1', { $bitAnd: [] }, i(-1)],
    ['no operands: $bitOr is 0', { $bitOr: [] }, i(0)],
    ['no operands: $bitXor is 0', { $bitXor: [] }, i(0)],
    ['null gives null', { $bitAnd: [i(1), null] }, null],
    ['missing gives null', { $bitOr: [i(1), '$nope'] }, null],
    ['$bitNot of an int', { $bitNot: i(5) }, i(-6)],
    ['$bitNot of a long', { $bitNot: l(-1) }, l(0)],
    ['$bitNot of the largest long', { $bitNot: l(2n ** 63n - 1n) }, l(-(2n ** 63n))],
    ['$bitNot of null', { $bitNot: null }, null],
  ];
  for (const [name, expr, expected] of cases) test(name, () => assertBson(evaluateExpression(expr, {}), expected));

  const errors: [string, unknown, number, string][] = [
    ['a double operand', { $bitAnd: [i(1), new Double(1)] }, 14, '$bitAnd only supports int and long operands.'],
    ['a string operand', { $bitOr: [i(1), 'x'] }, 14, '$bitOr only supports int and long operands.'],
    ['a type error before a later null', { $bitXor: ['x', null] }, 14, '$bitXor only supports int and long operands.'],
    ['$bitNot of a double names the type', { $bitNot: new Double(1.5) }, 14, '$bitNot only supports int and long, not: double.'],
    ['$bitNot of a string is not numeric', { $bitNot: 'x' }, 28765, '$bitNot only supports numeric types, not string'],
    ['$bitNot takes one argument', { $bitNot: [i(1), i(2)] }, 16020, 'Expression $bitNot takes exactly 1 arguments. 2 were passed in.'],
  ];
  for (const [name, expr, code, message] of errors) test(name, () => assertCode(() => evaluateExpression(expr, {}), code, message));
});
