/**
 * What a compiled filter reports besides the match: elemMatchKey (for the positional `$`), the equalities an upsert
 * seeds, isEmpty, and `$expr` delegation.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal128, Long } from 'bson';
import { compileFilter, compileValueFilter, matches, type MatchDetails } from '../../../../src/query/filter/index.js';
import { MongoServerError } from '../../../../src/errors/index.js';
import type { Document } from '../../../../src/bson/index.js';
import { show } from './show.js';

describe('elemMatchKey', () => {
  const cases: [Document, Document, string | undefined][] = [
    [{ 'a.b': 2 }, { a: [{ b: 1 }, { b: 2 }] }, '1'],
    [{ a: 2 }, { a: [1, 2] }, '1'],
    [{ a: { $gt: 1 } }, { a: [0, 1, 5] }, '2'],
    [{ a: { $elemMatch: { $gt: 1 } } }, { a: [0, 5] }, '1'],
    [{ a: { $elemMatch: { b: 1 } } }, { a: [{ b: 0 }, { b: 0 }, { b: 1 }] }, '2'],
    [{ 'a.b': { $elemMatch: { $gt: 1 } } }, { a: [{ b: [0] }, { b: [0, 5] }] }, '1'],
    [{ 'a.b.c': 3 }, { a: [{ b: [{ c: 0 }] }, { b: [{ c: 1 }, { c: 3 }] }] }, '1'],
    [{ 'a.b': 1 }, { a: { b: [0, 1] } }, '1'],
    [{ a: [1, 2] }, { a: [1, 2] }, undefined],
    [{ a: 1 }, { a: 1 }, undefined],
    [{ 'a.0': 5 }, { a: [5] }, undefined],
    [{ $or: [{ a: 2 }] }, { a: [1, 2] }, undefined],
    [{ a: { $size: 2 } }, { a: [1, 2] }, undefined],
    [{ a: 1, b: 3 }, { a: [1], b: [2, 3] }, '1'],
  ];
  for (const [filter, doc, key] of cases) {
    test(`${show(filter)} on ${show(doc)} -> ${String(key)}`, () => {
      const details: MatchDetails = {};
      assert.equal(compileFilter(filter).matches(doc, details), true);
      assert.equal(details.elemMatchKey, key);
    });
  }

  test('is cleared before each match', () => {
    const compiled = compileFilter({ a: 2 });
    const details: MatchDetails = {};
    assert.equal(compiled.matches({ a: [1, 2] }, details), true);
    assert.equal(details.elemMatchKey, '1');
    assert.equal(compiled.matches({ a: 3 }, details), false);
    assert.equal(details.elemMatchKey, undefined);
  });
});

describe('equalities (upsert seeding)', () => {
  const cases: [Document, Document][] = [
    [{}, {}],
    [{ a: 1, b: { $gt: 1 } }, { a: 1 }],
    [{ a: { $eq: 2 } }, { a: 2 }],
    [{ $and: [{ a: 1 }, { 'b.c': 2 }] }, { a: 1, 'b.c': 2 }],
    [{ $and: [{ $and: [{ a: 1 }] }, { b: 2 }] }, { a: 1, b: 2 }],
    [{ a: { $in: [5] } }, { a: 5 }],
    [{ a: { $in: [5, 6] } }, {}],
    [{ a: { $in: [/x/] } }, {}],
    [{ $or: [{ a: 1 }] }, { a: 1 }],
    [{ $or: [{ a: 1 }, { b: 2 }] }, {}],
    [{ $nor: [{ a: 1 }] }, {}],
    [{ a: /x/ }, {}],
    [{ a: { $ne: 1 } }, {}],
    [{ a: { $not: { $eq: 1 } } }, {}],
    [{ a: { $elemMatch: { b: 1 } } }, {}],
    [{ a: null }, { a: null }],
    [{ a: { x: 1, y: [1, 2] } }, { a: { x: 1, y: [1, 2] } }],
    [{ a: 1, $comment: 'c' }, { a: 1 }],
    [{ a: { $gte: 1, $eq: 3 } }, { a: 3 }],
  ];
  for (const [filter, expected] of cases) {
    test(`${show(filter)} -> ${show(expected)}`, () => {
      assert.deepEqual(compileFilter(filter).equalities(), expected);
    });
  }

  test('keeps BSON types and copies values', () => {
    const value = { n: Long.fromInt(5), d: Decimal128.fromString('1.5') };
    const seeded = compileFilter({ a: value }).equalities();
    assert.ok(seeded.a !== value);
    assert.deepEqual(seeded, { a: value });
    (seeded.a as Document).n = 0;
    assert.ok(Long.isLong(value.n));
  });

  test('a path matched twice or a path and its prefix are NotSingleValueField', () => {
    const cases: [Document, string][] = [
      [{ a: 1, $and: [{ a: 1 }] }, "cannot infer query fields to set, path 'a' is matched twice"],
      [{ a: 1, 'a.b': 2 }, "cannot infer query fields to set, both paths 'a.b' and 'a' are matched"],
      [{ 'a.b': 2, a: { $eq: 1 } }, "cannot infer query fields to set, both paths 'a' and 'a.b' are matched"],
    ];
    for (const [filter, message] of cases) {
      assert.throws(
        () => compileFilter(filter).equalities(),
        (err: unknown) => err instanceof MongoServerError && err.code === 54 && err.message === message,
        show(filter),
      );
    }
    // 'a' and 'ab' share a prefix string, not a path prefix.
    assert.deepEqual(compileFilter({ a: 1, ab: 2 }).equalities(), { a: 1, ab: 2 });
  });
});

describe('isEmpty', () => {
  const cases: [Document, boolean][] = [
    [{}, true],
    [{ $comment: 'x' }, true],
    [{ a: 1 }, false],
    [{ $alwaysTrue: 1 }, false],
    [{ a: { $exists: true } }, false],
  ];
  for (const [filter, expected] of cases) {
    test(`${show(filter)} -> ${expected}`, () => assert.equal(compileFilter(filter).isEmpty, expected));
  }
});

describe('$expr delegates to evaluateExpr', () => {
  test('receives the expression and the whole document, even under $and/$or', () => {
    const seen: [unknown, Document][] = [];
    const evaluateExpr = (expr: unknown, doc: Document) => {
      seen.push([expr, doc]);
      return (doc.a as number) > (doc.b as number);
    };
    const expr = { $gt: ['$a', '$b'] };
    const compiled = compileFilter({ $or: [{ $expr: expr }, { c: 1 }] }, { evaluateExpr });
    assert.equal(compiled.matches({ a: 2, b: 1 }), true);
    assert.equal(compiled.matches({ a: 1, b: 2 }), false);
    assert.equal(compiled.matches({ a: 1, b: 2, c: 1 }), true);
    assert.deepEqual(seen[0], [expr, { a: 2, b: 1 }]);
  });

  const truth: [unknown, boolean][] = [
    [true, true],
    [false, false],
    [null, false],
    [undefined, false],
    [0, false],
    [Long.fromInt(0), false],
    [Decimal128.fromString('0'), false],
    [Decimal128.fromString('-0.00'), false],
    [NaN, true],
    [1, true],
    ['', true],
    [[], true],
    [{}, true],
  ];
  for (const [result, expected] of truth) {
    test(`an expression result of ${show(result)} is ${expected}`, () => {
      assert.equal(matches({ $expr: { $literal: 1 } }, {}, { evaluateExpr: () => result }), expected);
    });
  }
});

describe('matches()', () => {
  test('compiles and matches in one call', () => {
    assert.equal(matches({ a: { $in: [1, 2] } }, { a: 2 }), true);
    assert.equal(matches({ a: { $in: [1, 2] } }, { a: 3 }), false);
  });

  test('a compiled filter never throws on odd documents', () => {
    const compiled = compileFilter({ 'a.b.0.c': { $gt: 1 }, x: { $regex: 'y' }, z: { $mod: [2, 0] } });
    for (const doc of [{}, { a: null }, { a: [[[]]] }, { a: { b: [[{ c: 2 }]] } }, { x: 5, z: 'q' }] as Document[]) {
      assert.doesNotThrow(() => compiled.matches(doc));
    }
  });
});

describe('compileValueFilter (one value, as $elemMatch value form and $pull use it)', () => {
  const cases: [Document, unknown, boolean][] = [
    [{ $gte: 6 }, 7, true],
    [{ $gte: 6 }, 5, false],
    [{ $gte: 6, $lt: 9 }, 9, false],
    [{ $gt: 1 }, [5], false],
    [{ $in: [1, 2] }, 2, true],
    [{ $regex: '^x', $options: 'i' }, 'Xy', true],
    [{ $not: { $gt: 1 } }, 0, true],
    [{ $size: 2 }, [1, 2], true],
    [{ $elemMatch: { $gt: 1 } }, [0, 2], true],
    [{ $exists: true }, null, true],
    [{ $eq: null }, null, true],
  ];
  for (const [operators, value, expected] of cases) {
    test(`${show(operators)} on ${show(value)} -> ${expected}`, () => {
      assert.equal(compileValueFilter(operators).matches(value), expected);
    });
  }

  test('refuses a plain field', () => {
    assert.throws(() => compileValueFilter({ $gt: 1, b: 2 }), /unknown operator: b/);
  });
});
