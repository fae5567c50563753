import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePipeline } from '../../../../src/query/pipeline/index.js';
import { assertBson, assertCode } from '../expressions/helpers.js';

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

describe('$project', () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>, unknown][] = [
    ['inclusion keeps _id and input order', { b: 1, a: 1 }, { _id: 1, a: 1, b: 2, c: 3 }, { _id: 1, a: 1, b: 2 }],
    ['inclusion without _id', { _id: 0, a: true }, { _id: 1, a: 1, b: 2 }, { a: 1 }],
    ['_id after the field', { a: 1, _id: false }, { _id: 1, a: 1 }, { a: 1 }],
    ['exclusion', { b: 0 }, { _id: 1, a: 1, b: 2 }, { _id: 1, a: 1 }],
    ['only _id: 0 is an exclusion', { _id: 0 }, { _id: 1, a: 1 }, { a: 1 }],
    ['only _id: 1 is an inclusion', { _id: 1 }, { _id: 1, a: 1 }, { _id: 1 }],
    ['exclusion with _id: 1', { a: 0, _id: 1 }, { _id: 1, a: 1, b: 2 }, { _id: 1, b: 2 }],
    ['dotted inclusion', { 'a.b': 1, _id: 0 }, { _id: 1, a: { b: 1, c: 2 }, d: 4 }, { a: { b: 1 } }],
    ['nested inclusion', { a: { b: 1 }, _id: 0 }, { a: { b: 1, c: 2 } }, { a: { b: 1 } }],
    ['inclusion through arrays drops scalars', { 'a.b': 1, _id: 0 }, { a: [{ b: 1, c: 2 }, 5, [{ b: 3 }]] }, { a: [{ b: 1 }, [{ b: 3 }]] }],
    ['inclusion below a scalar drops it', { 'a.b': 1, _id: 0 }, { a: 5 }, {}],
    ['dotted exclusion through arrays keeps scalars', { 'a.b': 0 }, { a: [{ b: 1, c: 2 }, 5] }, { a: [{ c: 2 }, 5] }],
    ['computed literal and field path', { x: 'lit', y: '$a' }, { _id: 1, a: 9 }, { _id: 1, x: 'lit', y: 9 }],
    ['computed expression', { s: { $add: ['$a', 1] } }, { _id: 1, a: 1 }, { _id: 1, s: 2 }],
    ['computed fields come after included ones', { c: '$a', a: 1 }, { _id: 1, a: 1 }, { _id: 1, a: 1, c: 1 }],
    ['$$REMOVE omits the field', { a: 1, b: '$$REMOVE' }, { _id: 1, a: 1, b: 2 }, { _id: 1, a: 1 }],
    ['missing field path omits the field', { x: '$nope' }, { _id: 1 }, { _id: 1 }],
    ['computed under a scalar replaces it', { 'a.b': { $literal: 1 } }, { _id: 1, a: 5 }, { _id: 1, a: { b: 1 } }],
    ['computed in each array element (scalars were not included)', { 'a.b': 'x' }, { _id: 1, a: [{ c: 1 }, 2] }, { _id: 1, a: [{ b: 'x' }] }],
    ['array literal is an expression', { v: [1, '$a'] }, { _id: 1, a: 2 }, { _id: 1, v: [1, 2] }],
  ];
  for (const [name, spec, doc, expected] of cases) {
    test(name, () => assertBson(run1({ $project: spec }, doc), expected));
  }

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

describe('$project errors', () => {
  const cases: [string, unknown, number, string?][] = [
    ['not an object', 1, 15969, '$project specification must be an object'],
    ['empty', {}, 51272, 'Invalid $project :: caused by :: projection specification must have at least one field'],
    ['empty sub-projection', { v: {} }, 51270, 'Invalid $project :: caused by :: An empty sub-projection is not a valid value. Found empty object at path'],
    ['empty field name', { '': true }, 40352, 'Invalid $project :: caused by :: FieldPath cannot be constructed with empty string'],
    ['empty path component', { 'v..d': true }, 15998, 'Invalid $project :: caused by :: FieldPath field names may not be empty strings.'],
    ['exclusion then inclusion', { foo: false, bar: true }, 31253, 'Invalid $project :: caused by :: Cannot do inclusion on field bar in exclusion projection'],
    ['inclusion then exclusion', { foo: true, bar: false }, 31254, 'Invalid $project :: caused by :: Cannot do exclusion on field bar in inclusion projection'],
    ['expression in an exclusion', { a: 0, b: { $add: [1] } }, 31252, 'Invalid $project :: caused by :: Cannot use expression other than $meta in exclusion projection'],
    ['literal in an exclusion', { a: 0, b: 'x' }, 31310, 'Invalid $project :: caused by :: Cannot use an expression b: "x" in an exclusion projection'],
    ['positional', { 'v.$': true }, 31324, 'Invalid $project :: caused by :: Cannot use positional projection in aggregation projection'],
    ['positional in the middle', { 'v.$.foo': true }, 31394],
    ['$-prefixed field', { $v: true }, 16410, "Invalid $project :: caused by :: FieldPath field names may not start with '$'. Consider using $getField or $setField."],
    ['unknown expression', { v: { $nonExistent: 'foo' } }, 31325, 'Invalid $project :: caused by :: Unknown expression $nonExistent'],
    ['unknown nested expression', { v: { $type: { $nonExistent: 'foo' } } }, 168, "Invalid $project :: caused by :: Unrecognized expression '$nonExistent'"],
    ['two operators', { v: { $type: 42, $op: 42 } }, 16410],
    ['wrong argument count', { v: { $type: ['foo', 'bar'] } }, 16020, 'Invalid $project :: caused by :: Expression $type takes exactly 1 arguments. 2 were passed in.'],
    ["'$' alone", { sum: { $sum: '$' } }, 16872, "Invalid $project :: caused by :: '$' by itself is not a valid FieldPath"],
    ['empty variable', { sum: { $sum: '$$' } }, 9, 'Invalid $project :: caused by :: empty variable names are not allowed'],
    ['path collision', { a: 1, 'a.b': 1 }, 31249, 'Invalid $project :: caused by :: Path collision at a.b remaining portion b'],
    ['duplicate path', { 'a.b': 1, a: { b: 1 } }, 31250, 'Invalid $project :: caused by :: Path collision at b'],
  ];
  for (const [name, spec, code, message] of cases) {
    test(name, () => assertCode(() => compilePipeline([{ $project: spec }]), code, message));
  }
});
