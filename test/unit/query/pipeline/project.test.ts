import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EJSON } from 'bson';
import type { Document } from '../../../../src/bson/index.js';
import { compilePipeline } from '../../../../src/query/pipeline/index.js';
import { assertBson, assertCode } from '../expressions/helpers.js';
import { SHARED_CASES, SHARED_ERRORS } from '../projection/shared_rules.js';

function run1(stage: Record<string, unknown>, doc: Record<string, unknown>): unknown {
  const out = compilePipeline([stage]).run([doc]);
  assert.equal(out.length, 1);
  return out[0];
}

const event = {
  _id: { _data: '82AB' },
  operationType: 'insert',
  ns: { db: 'test', coll: 'c' },
  documentKey: { _id: 1 },
  fullDocument: { _id: 1, z: 3 },
};

function show(v: unknown): string {
  return EJSON.stringify(v as Document, { relaxed: false });
}

describe('$project: the rules it shares with find', () => {
  for (const c of SHARED_CASES) {
    test(c.name, () => {
      const before = show(c.doc);
      assert.equal(show(run1({ $project: c.spec }, c.doc)), show(c.expected));
      assert.equal(show(c.doc), before, 'input modified');
    });
  }
  for (const [name, spec, code, message] of SHARED_ERRORS) {
    test(`error: ${name}`, () => assertCode(() => compilePipeline([{ $project: spec }]), code, message && `Invalid $project :: caused by :: ${message}`));
  }
});

describe('$project', () => {
  test('change stream: literal replaces operationType', () => {
    assertBson(run1({ $project: { _id: 1, operationType: 'addedInFutureMongoDBVersion' } }, event), {
      _id: { _data: '82AB' },
      operationType: 'addedInFutureMongoDBVersion',
    });
  });

  test('change stream: renamed field path', () => {
    assertBson(run1({ $project: { optype: '$operationType' } }, event), { _id: { _data: '82AB' }, optype: 'insert' });
  });

  test("change stream: dotted output 'ns.viewOn' makes ns exactly {viewOn}", () => {
    assertBson(run1({ $project: { 'ns.viewOn': 'db.coll' } }, event), { _id: { _data: '82AB' }, ns: { viewOn: 'db.coll' } });
  });

  test('change stream: nested output document replaces ns', () => {
    const out = run1({ $project: { ns: { db: '$ns.db', coll: '$ns.coll', viewOn: 'db.coll' } } }, event);
    assertBson(out, { _id: { _data: '82AB' }, ns: { db: 'test', coll: 'c', viewOn: 'db.coll' } });
  });

  test('change stream: dropping _id', () => {
    assertBson(run1({ $project: { _id: 0 } }, event), {
      operationType: 'insert',
      ns: { db: 'test', coll: 'c' },
      documentKey: { _id: 1 },
      fullDocument: { _id: 1, z: 3 },
    });
  });

  test('the input document is not modified', () => {
    const input = { _id: 1, a: { b: 1 } };
    compilePipeline([{ $project: { 'a.c': 'x' } }, { $unset: 'a.b' }]).run([input]);
    assert.deepEqual(input, { _id: 1, a: { b: 1 } });
  });
});

describe("$project errors: find's operators and an empty spec", () => {
  const cases: [string, unknown, number, string?][] = [
    ['not an object', 1, 15969, '$project specification must be an object'],
    ['empty', {}, 51272, 'Invalid $project :: caused by :: projection specification must have at least one field'],
    ['positional', { 'v.$': true }, 31324, 'Invalid $project :: caused by :: Cannot use positional projection in aggregation projection'],
    ['positional twice', { 'v.$.foo.$': true }, 31324, 'Invalid $project :: caused by :: Cannot use positional projection in aggregation projection'],
    ['$elemMatch', { a: { $elemMatch: { b: 1 } } }, 168, 'Invalid $project :: caused by :: Cannot use $elemMatch in this context'],
    ["find's $slice syntax is the $slice expression", { a: { $slice: 1 } }, 28667],
    ['wrong argument count', { v: { $type: ['foo', 'bar'] } }, 16020, 'Invalid $project :: caused by :: Expression $type takes exactly 1 arguments. 2 were passed in.'],
    ["'$' alone", { sum: { $sum: '$' } }, 16872, "Invalid $project :: caused by :: '$' by itself is not a valid FieldPath"],
    ['empty variable', { sum: { $sum: '$$' } }, 9, 'Invalid $project :: caused by :: empty variable names are not allowed'],
  ];
  for (const [name, spec, code, message] of cases) {
    test(name, () => assertCode(() => compilePipeline([{ $project: spec }]), code, message));
  }
});

describe('$addFields shares the engine with every value computed', () => {
  test('$elemMatch is not an expression', () => {
    assertCode(() => compilePipeline([{ $addFields: { a: { $elemMatch: { b: 1 } } } }]), 168, 'Invalid $addFields :: caused by :: Cannot use $elemMatch in this context');
  });
  test('$meta is parsed as in $project', () => {
    assertCode(() => compilePipeline([{ $set: { s: { $meta: 'bogus' } } }]), 17308, 'Invalid $set :: caused by :: Unsupported argument to $meta: bogus');
  });
  test('a positional path is refused', () => {
    assertCode(() => compilePipeline([{ $addFields: { 'a.$': 1 } }]), 31324);
  });
  test('1, true and {} are literals, and an empty $addFields changes nothing', () => {
    assertBson(run1({ $addFields: { one: 1, yes: true, none: {} } }, { _id: 1 }), { _id: 1, one: 1, yes: true, none: {} });
    assertBson(run1({ $addFields: {} }, { _id: 1, a: 2 }), { _id: 1, a: 2 });
  });
});
