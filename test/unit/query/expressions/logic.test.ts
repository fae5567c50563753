import { describe, test } from 'node:test';
import { Decimal128, Double, Int32, Long } from '../../../../src/bson/index.js';
import { compileExpression, evaluateExpression } from '../../../../src/query/expressions/index.js';
import { assertBson, assertCode } from './helpers.js';

const doc = { a: 5, s: 'abc', n: null, arr: [1, 2], t: true, z: 0 };

describe('comparison, boolean and conditional operators', () => {
  const cases: [string, unknown, unknown][] = [
    ['$eq across numeric types', { $eq: [new Int32(1), new Double(1)] }, true],
    ['$eq long and decimal', { $eq: [Long.fromNumber(2), Decimal128.fromString('2.0')] }, true],
    ['$eq missing vs null is false', { $eq: ['$missing', null] }, false],
    ['$eq arrays compare whole', { $eq: ['$arr', [1, 2]] }, true],
    ['$eq does not look into arrays', { $eq: ['$arr', 1] }, false],
    ['$ne', { $ne: ['$a', 5] }, false],
    ['$gt type order: string > number', { $gt: ['$s', 100] }, true],
    ['$gte', { $gte: ['$a', 5] }, true],
    ['$lt null < number', { $lt: ['$n', 0] }, true],
    ['$lte', { $lte: ['$a', 4] }, false],
    ['$cmp less', { $cmp: ['a', 'b'] }, new Int32(-1)],
    ['$cmp equal', { $cmp: [2, new Double(2)] }, new Int32(0)],
    ['$cmp greater', { $cmp: [{ a: 2 }, { a: 1 }] }, new Int32(1)],
    ['$and', { $and: [1, 'x', '$t'] }, true],
    ['$and with zero', { $and: [1, '$z'] }, false],
    ['$and empty', { $and: [] }, true],
    ['$or with null and missing', { $or: ['$n', '$missing', false] }, false],
    ['$or', { $or: [0, '$a'] }, true],
    ['$not', { $not: ['$n'] }, true],
    ['$not of an empty array is false', { $not: [[]] }, false],
    ['$cond array form', { $cond: [{ $gt: ['$a', 3] }, 'big', 'small'] }, 'big'],
    ['$cond object form', { $cond: { if: '$n', then: 'yes', else: 'no' } }, 'no'],
    ['$ifNull', { $ifNull: ['$missing', '$n', 'default'] }, 'default'],
    ['$ifNull first non-null', { $ifNull: ['$n', '$a', 'default'] }, 5],
    ['$ifNull last may be missing', { $ifNull: ['$n', '$missing'] }, undefined],
    [
      '$switch',
      { $switch: { branches: [{ case: { $lt: ['$a', 0] }, then: 'neg' }, { case: { $gt: ['$a', 0] }, then: 'pos' }], default: 'zero' } },
      'pos',
    ],
    ['$switch default', { $switch: { branches: [{ case: false, then: 1 }], default: 'd' } }, 'd'],
  ];
  for (const [name, expr, expected] of cases) {
    test(name, () => assertBson(evaluateExpression(expr, doc), expected));
  }

  test('$switch without a matching branch or default', () => {
    assertCode(
      () => evaluateExpression({ $switch: { branches: [{ case: false, then: 1 }] } }, doc),
      40066,
      '$switch could not find a matching branch for an input, and no default was specified.',
    );
  });

  test('$cond only evaluates the chosen branch', () => {
    assertBson(evaluateExpression({ $cond: [true, 1, { $divide: [1, 0] }] }, doc), 1);
  });

  test('string comparisons use the collation', () => {
    const insensitive = compileExpression({ $eq: ['$s', 'ABC'] }, { collation: { locale: 'en', strength: 2 } });
    assertBson(insensitive(doc), true);
    assertBson(compileExpression({ $eq: ['$s', 'ABC'] })(doc), false);
    const inArray = compileExpression({ $in: ['ABC', ['x', '$s']] }, { collation: { locale: 'en', strength: 1 } });
    assertBson(inArray(doc), true);
  });
});
