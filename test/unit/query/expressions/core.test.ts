import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Int32 } from '../../../../src/bson/index.js';
import { compileExpression, evaluateExpression, expressionOperatorNames } from '../../../../src/query/expressions/index.js';
import { assertBson, assertCode } from './helpers.js';

const doc = {
  _id: 1,
  a: { b: 2, c: [1, 2] },
  arr: [{ x: 1 }, { x: 2 }, 5, { y: 3 }, [{ x: 9 }]],
  nested: [{ b: [{ c: 1 }, { c: 2 }] }, { b: { c: 3 } }],
  s: 'str',
  n: null,
};

describe('field paths and variables', () => {
  const cases: [string, unknown, unknown][] = [
    ['top-level field', '$s', 'str'],
    ['dotted field', '$a.b', 2],
    ['missing field', '$zzz', undefined],
    ['path through scalar is missing', '$s.x', undefined],
    ['array of documents yields array, skipping non-documents', '$arr.x', [1, 2]],
    ['nested arrays yield nested arrays', '$nested.b.c', [[1, 2], 3]],
    ['$$ROOT', '$$ROOT.a.b', 2],
    ['$$CURRENT', '$$CURRENT.s', 'str'],
    ['$$REMOVE is missing', '$$REMOVE', undefined],
    ['null field', '$n', null],
  ];
  for (const [name, expr, expected] of cases) {
    test(name, () => assertBson(evaluateExpression(expr, doc), expected));
  }

  test('$$ROOT is the whole document', () => {
    assert.equal(evaluateExpression('$$ROOT', doc), doc);
  });

  test('$$NOW is a date, the same within one evaluation', () => {
    const v = evaluateExpression({ a: '$$NOW', b: '$$NOW' }, {}) as { a: Date; b: Date };
    assert.ok(v.a instanceof Date);
    assert.equal(v.a, v.b);
  });

  test('user variables from the caller', () => {
    assertBson(evaluateExpression({ $add: ['$$x', 1] }, {}, { x: new Int32(4) }), 5);
    const compiled = compileExpression('$$v.k', { variables: ['v'] });
    assertBson(compiled({}, { v: { k: 'yes' } }), 'yes');
  });

  test('$$REMOVE omits the field from an expression object', () => {
    assertBson(evaluateExpression({ keep: '$s', gone: '$$REMOVE', alsoGone: '$missing' }, doc), { keep: 'str' });
  });

  test('missing values in arrays become null', () => {
    assertBson(evaluateExpression(['$missing', '$s', '$$REMOVE'], doc), [null, 'str', null]);
  });

  test('expression objects nest and evaluate their values', () => {
    assertBson(evaluateExpression({ x: { y: '$a.b', z: { $add: ['$a.b', 1] } }, lit: 'plain' }, doc), {
      x: { y: 2, z: 3 },
      lit: 'plain',
    });
  });

  test('empty object evaluates to an empty document', () => {
    assertBson(evaluateExpression({}, doc), {});
  });

  test('$literal keeps $-strings and operator-looking objects', () => {
    assertBson(evaluateExpression({ $literal: '$a' }, doc), '$a');
    assertBson(evaluateExpression({ $literal: { $add: [1, 2] } }, doc), { $add: [1, 2] });
  });

  test('$let binds variables for in; CURRENT can be rebound', () => {
    assertBson(evaluateExpression({ $let: { vars: { x: 2, y: '$a.b' }, in: { $multiply: ['$$x', '$$y'] } } }, doc), 4);
    assertBson(evaluateExpression({ $let: { vars: { CURRENT: '$a' }, in: '$b' } }, doc), 2);
  });

  test('$let variables are not visible in sibling vars', () => {
    assertCode(() => compileExpression({ $let: { vars: { x: 1, y: '$$x' }, in: '$$y' } }), 17276, 'Use of undefined variable: x');
  });
});

describe('parse-time errors', () => {
  const cases: [string, unknown, number, string?][] = [
    ['unknown operator', { $foo: 1 }, 168, "Unrecognized expression '$foo'"],
    ['unknown nested operator', { $add: [{ $nope: 1 }] }, 168, "Unrecognized expression '$nope'"],
    ['wrong argument count', { $type: ['a', 'b'] }, 16020, 'Expression $type takes exactly 1 arguments. 2 were passed in.'],
    ['wrong argument count for $eq', { $eq: [1] }, 16020, 'Expression $eq takes exactly 2 arguments. 1 were passed in.'],
    ['ranged arity', { $slice: [[1]] }, 28667, 'Expression $slice takes at least 2 arguments, and at most 3. 1 were passed in.'],
    ["'$' alone", '$', 16872, "'$' by itself is not a valid FieldPath"],
    ["'$$' alone", '$$', 9, 'empty variable names are not allowed'],
    ['variable starting with $', '$$$', 9, "'$' starts with an invalid character for a user variable name"],
    ['undefined variable', '$$s', 17276, 'Use of undefined variable: s'],
    ['bad variable character', '$$a-b', 9, "'a-b' contains an invalid character for a variable name: '-'"],
    ['operator mixed with fields', { $add: [1], a: 1 }, 15983, 'An object representing an expression must have exactly one field: { $add: [ 1 ], a: 1 }'],
    ['two operators', { $type: 42, $op: 42 }, 15983, 'An object representing an expression must have exactly one field: { $type: 42, $op: 42 }'],
    ['$-field after a plain field', { a: 1, $add: [1] }, 16410],
    ['dotted field in expression object', { 'a.b': 1 }, 16412],
    ['empty path component', '$a..b', 15998, 'FieldPath field names may not be empty strings.'],
    ['path ending with a dot', '$a.', 40353, "FieldPath must not end with a '.'."],
    ['$let without vars', { $let: { in: 1 } }, 16876, "Missing 'vars' parameter to $let"],
    ['$let bad variable name', { $let: { vars: { Up: 1 }, in: 1 } }, 9, "'Up' starts with an invalid character for a user variable name"],
    ['$cond unknown parameter', { $cond: { if: 1, then: 1, else: 1, other: 1 } }, 17083, 'Unrecognized parameter to $cond: other'],
    ['$cond missing else', { $cond: { if: 1, then: 1 } }, 17082, "Missing 'else' parameter to $cond"],
    ['$switch without branches', { $switch: { branches: [] } }, 40068, '$switch requires at least one branch.'],
    ['$map missing in', { $map: { input: [] } }, 16882, "Missing 'in' parameter to $map"],
    ['$filter unknown parameter', { $filter: { input: [], cond: true, x: 1 } }, 28647, 'Unrecognized parameter to $filter: x'],
    ['$reduce missing initialValue', { $reduce: { input: [], in: 1 } }, 40078, "$reduce requires 'initialValue' to be specified"],
    ['$convert missing to', { $convert: { input: 1 } }, 9, "Missing 'to' parameter to $convert"],
    ['$toInt with two arguments', { $toInt: [1, 2] }, 50723, '$toInt requires a single argument, got 2'],
    ['$ifNull with one argument', { $ifNull: [1] }, 1257300],
    ['$dateToString without date', { $dateToString: { format: '%Y' } }, 18628, "Missing 'date' parameter to $dateToString"],
    ['$trim without input', { $trim: { chars: 'x' } }, 50695, "$trim requires an 'input' field"],
  ];
  for (const [name, expr, code, message] of cases) {
    test(name, () => assertCode(() => compileExpression(expr), code, message));
  }

  test('variables bound by $map are only visible in in', () => {
    assertCode(() => compileExpression({ $map: { input: '$$this', in: 1 } }), 17276);
    assertBson(evaluateExpression({ $map: { input: [1, 2], as: 'v', in: { $add: ['$$v', 1] } } }, {}), [2, 3]);
  });
});

test('the registry holds every operator family', () => {
  const names = new Set(expressionOperatorNames());
  for (const op of ['$add', '$concat', '$map', '$mergeObjects', '$toInt', '$year', '$tsSecond', '$cond', '$eq', '$and', '$literal', '$sum']) {
    assert.ok(names.has(op), op);
  }
  const sorted = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  assert.deepEqual([...names], sorted);
});
