/**
 * Null, missing and undefined across a fixed set of documents, as mongod 8.0 answers: each query lists the ids it
 * returns. 8.0 stopped matching BSON undefined with null; a document without objects under `a` yields nothing
 * for `a.b` (9.0 changes that, https://jira.mongodb.org/browse/SERVER-36681; eddydb follows 8.0).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilter } from '../../../../src/query/filter/index.js';
import type { Document } from '../../../../src/bson/index.js';
import { show } from './show.js';

const docs: Document[] = [
  { _id: 'a_empty_subobject', a: {} },
  { _id: 'a_null', a: null },
  { _id: 'a_number', a: 4 },
  { _id: 'a_subobject_b_not_null', a: { b: 'hi' } },
  { _id: 'a_subobject_b_null', a: { b: null } },
  { _id: 'a_subobject_b_undefined', a: { b: undefined } },
  { _id: 'a_undefined', a: undefined },
  { _id: 'no_a' },
  { _id: 'a_double_array', a: [[]] },
  { _id: 'a_empty_array', a: [] },
  { _id: 'a_object_array_b_mix', a: [{ b: null }, { b: undefined }, { b: null }, {}] },
  { _id: 'a_object_array_no_b_nulls', a: [{ b: 1 }, { b: 3 }, { b: 'string' }] },
  { _id: 'a_object_array_some_b_nulls', a: [{ b: null }, { b: 3 }, { b: null }] },
  { _id: 'a_object_array_some_b_undefined', a: [{ b: undefined }, { b: 3 }] },
  { _id: 'a_object_array_some_b_missing', a: [{ b: 3 }, {}] },
  { _id: 'a_value_array_all_nulls', a: [null, null] },
  { _id: 'a_value_array_no_nulls', a: [1, 'string', 4] },
  { _id: 'a_value_array_with_null', a: [1, 'string', null, 4] },
  { _id: 'a_value_array_with_undefined', a: [1, 'string', undefined, 4] },
];

const allIds = docs.map((d) => d._id as string);
const except = (...ids: string[]) => allIds.filter((id) => !ids.includes(id));

const eqNull = ['a_null', 'no_a', 'a_value_array_all_nulls', 'a_value_array_with_null'];
const dottedEqNull = [
  'a_empty_subobject', 'a_null', 'a_number', 'a_subobject_b_null', 'a_undefined', 'no_a', 'a_object_array_b_mix',
  'a_object_array_some_b_nulls', 'a_object_array_some_b_missing',
];

const cases: [Document, string[]][] = [
  [{ a: { $eq: null } }, eqNull],
  [{ a: null }, eqNull],
  [{ a: { $ne: null } }, except(...eqNull)],
  [{ a: { $not: { $gte: null } } }, except(...eqNull)],
  [{ a: { $in: [null, 75] } }, eqNull],
  [{ $or: [{ a: null }, { a: 75 }] }, eqNull],
  [{ a: { $nin: [null, 75] } }, except(...eqNull)],
  [{ a: { $nin: [null, []] } }, except(...eqNull, 'a_double_array', 'a_empty_array')],
  [
    { a: { $nin: [null, /^str.*/] } },
    except(...eqNull, 'a_value_array_no_nulls', 'a_value_array_with_undefined'),
  ],
  [{ a: { $exists: false } }, ['no_a']],
  [{ a: { $elemMatch: { $eq: null } } }, ['a_value_array_all_nulls', 'a_value_array_with_null']],
  [
    { a: { $elemMatch: { $ne: null } } },
    [
      'a_double_array', 'a_object_array_b_mix', 'a_object_array_no_b_nulls', 'a_object_array_some_b_nulls',
      'a_object_array_some_b_undefined', 'a_object_array_some_b_missing', 'a_value_array_no_nulls',
      'a_value_array_with_undefined', 'a_value_array_with_null',
    ],
  ],
  [{ 'a.b': { $eq: null } }, dottedEqNull],
  [{ 'a.b': { $ne: null } }, except(...dottedEqNull)],
  [{ 'a.b': { $in: [null, 75] } }, dottedEqNull],
  [{ $or: [{ 'a.b': null }, { 'a.b': 75 }] }, dottedEqNull],
  [{ 'a.b': { $nin: [null, 75] } }, except(...dottedEqNull)],
  [{ 'a.b': { $nin: [null, /^str.*/] } }, except(...dottedEqNull, 'a_object_array_no_b_nulls')],
  [
    { 'a.b': { $exists: false } },
    [
      'no_a', 'a_empty_subobject', 'a_null', 'a_number', 'a_undefined', 'a_double_array', 'a_empty_array',
      'a_value_array_all_nulls', 'a_value_array_no_nulls', 'a_value_array_with_null', 'a_value_array_with_undefined',
    ],
  ],
  [{ 'a.b': { $elemMatch: { $eq: null } } }, []],
  [{ 'a.b': { $elemMatch: { $ne: null } } }, []],
  [
    { a: { $elemMatch: { b: { $eq: null } } } },
    ['a_double_array', 'a_object_array_b_mix', 'a_object_array_some_b_nulls', 'a_object_array_some_b_missing'],
  ],
  [
    { a: { $elemMatch: { b: { $ne: null } } } },
    [
      'a_object_array_no_b_nulls', 'a_object_array_some_b_nulls', 'a_object_array_some_b_undefined',
      'a_object_array_some_b_missing', 'a_object_array_b_mix',
    ],
  ],
  [{ a: { $type: 'undefined' } }, ['a_undefined', 'a_value_array_with_undefined']],
  [{ 'a.b': { $type: 'null' } }, ['a_subobject_b_null', 'a_object_array_b_mix', 'a_object_array_some_b_nulls']],
];

describe('null semantics over a fixed collection (mongod 8.0)', () => {
  for (const [filter, expected] of cases) {
    test(`${show(filter)} -> ${expected.length} documents`, () => {
      const compiled = compileFilter(filter);
      const got = docs.filter((d) => compiled.matches(d)).map((d) => d._id as string);
      assert.deepEqual([...got].sort(), [...expected].sort());
    });
  }
});
