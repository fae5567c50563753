import { describe, test } from 'node:test';
import { runCase, runErrorCase, type UpdateCase } from './helpers.js';

const cases: UpdateCase[] = [
  { name: '$ uses the matched index', doc: { _id: 1, a: [1, 2, 3] }, update: { $set: { 'a.$': 9 } }, match: { elemMatchKey: '1' }, expected: { _id: 1, a: [1, 9, 3] } },
  {
    name: '$ followed by a field',
    doc: { _id: 1, a: [{ b: 1 }, { b: 2 }] },
    update: { $inc: { 'a.$.b': 10 } },
    match: { elemMatchKey: '1' },
    expected: { _id: 1, a: [{ b: 1 }, { b: 12 }] },
  },
  {
    name: '$ merged with a named child at the same index',
    doc: { _id: 1, a: [{ b: 1 }, { b: 2 }] },
    update: { $set: { 'a.$.b': 5, 'a.1.c': 6 } },
    match: { elemMatchKey: '1' },
    expected: { _id: 1, a: [{ b: 1 }, { b: 5, c: 6 }] },
  },
  { name: '$[] updates every element', doc: { _id: 1, a: [1, 2, 3] }, update: { $inc: { 'a.$[]': 1 } }, expected: { _id: 1, a: [2, 3, 4] } },
  { name: '$[] on an empty array is a no-op', doc: { _id: 1, a: [] }, update: { $inc: { 'a.$[]': 1 } }, expected: { _id: 1, a: [] }, modified: false },
  {
    name: '$[] with a field below',
    doc: { _id: 1, a: [{ b: 1 }, { c: 1 }] },
    update: { $set: { 'a.$[].b': 0 } },
    expected: { _id: 1, a: [{ b: 0 }, { c: 1, b: 0 }] },
  },
  {
    name: '$[x] with an array filter',
    doc: { _id: 1, a: [1, 2, 3] },
    update: { $set: { 'a.$[x]': 0 } },
    options: { arrayFilters: [{ x: { $gte: 2 } }] },
    expected: { _id: 1, a: [1, 0, 0] },
  },
  {
    name: '$[x] matching nothing is a no-op',
    doc: { _id: 1, a: [1, 2, 3] },
    update: { $set: { 'a.$[x]': 0 } },
    options: { arrayFilters: [{ x: { $gt: 5 } }] },
    expected: { _id: 1, a: [1, 2, 3] },
    modified: false,
  },
  {
    name: 'nested $[i] and $[j] with field filters',
    doc: { _id: 1, a: [{ k: 1, b: [{ v: 1 }, { v: 2 }] }, { k: 2, b: [{ v: 1 }] }] },
    update: { $set: { 'a.$[i].b.$[j].v': 9 } },
    options: { arrayFilters: [{ 'i.k': 1 }, { 'j.v': 2 }] },
    expected: { _id: 1, a: [{ k: 1, b: [{ v: 1 }, { v: 9 }] }, { k: 2, b: [{ v: 1 }] }] },
  },
  {
    name: 'two filters on disjoint elements',
    doc: { _id: 1, a: [0, 1] },
    update: { $set: { 'a.$[i]': 'zero', 'a.$[j]': 'one' } },
    options: { arrayFilters: [{ i: 0 }, { j: 1 }] },
    expected: { _id: 1, a: ['zero', 'one'] },
  },
];

describe('positional operators', () => {
  for (const c of cases) test(c.name, () => runCase(c));

  test('$ without a match is BadValue', () =>
    runErrorCase({
      name: 'no match', doc: { _id: 1, a: [1] }, update: { $set: { 'a.$': 1 } }, code: 2,
      message: 'The positional operator did not find the match needed from the query.',
    }));
  test('two filters matching the same element conflict', () =>
    runErrorCase({
      name: 'merge conflict', doc: { _id: 1, a: [0] }, update: { $set: { 'a.$[i]': 2, 'a.$[j]': 3 } },
      options: { arrayFilters: [{ i: 0 }, { j: 0 }] }, code: 40, message: "Update created a conflict at 'a.0'",
    }));
  test('$[] below a missing field', () =>
    runErrorCase({
      name: 'missing array', doc: { _id: 1 }, update: { $set: { 'a.b.$[]': 1 } }, code: 2,
      message: "The path 'a.b' must exist in the document in order to apply array updates.",
    }));
  test('$[] on a non-array', () =>
    runErrorCase({
      name: 'non-array', doc: { _id: 1, a: 5 }, update: { $set: { 'a.$[]': 1 } }, code: 2,
      message: 'Cannot apply array updates to non-array element a: 5',
    }));
  test('identifier without a filter', () =>
    runErrorCase({
      name: 'no filter', update: { $set: { 'a.$[x]': 1 } }, code: 2, message: "No array filter found for identifier 'x' in path 'a.$[x]'",
    }));
  test('unused filter', () =>
    runErrorCase({
      name: 'unused', update: { $set: { a: 1 } }, options: { arrayFilters: [{ x: 1 }] }, code: 9,
      message: "The array filter for identifier 'x' was not used in the update { $set: { a: 1 } }",
    }));
  test('filter with two identifiers', () =>
    runErrorCase({
      name: 'two ids', update: { $set: { 'a.$[x]': 1 } }, options: { arrayFilters: [{ x: 1, y: 1 }] }, code: 9,
      message: "Error parsing array filter :: caused by :: Expected a single top-level field name, found 'x' and 'y'",
    }));
  test('bad identifier', () =>
    runErrorCase({ name: 'bad id', update: { $set: { 'a.$[X]': 1 } }, options: { arrayFilters: [{ X: 1 }] }, code: 2 }));
  test('duplicate identifier', () =>
    runErrorCase({
      name: 'dup', update: { $set: { 'a.$[x]': 1 } }, options: { arrayFilters: [{ x: 1 }, { x: 2 }] }, code: 9,
      message: 'Found multiple array filters with the same top-level field name x',
    }));
  test('filter without a field name', () =>
    runErrorCase({ name: 'empty filter', update: { $set: { 'a.$[x]': 1 } }, options: { arrayFilters: [{}] }, code: 9 }));
  test('two positional operators', () =>
    runErrorCase({ name: 'two $', update: { $set: { 'a.$.b.$': 1 } }, code: 2, message: "Too many positional (i.e. '$') elements found in path 'a.$.b.$'" }));
  test('positional first', () =>
    runErrorCase({ name: '$ first', update: { $set: { '$.a': 1 } }, code: 2, message: "Cannot have positional (i.e. '$') element in the first position in path '$.a'" }));
  test('$[] and a plain field under one parent conflict', () =>
    runErrorCase({ name: 'mixed', update: { $set: { 'a.$[]': 1, 'a.b': 2 } }, code: 40, message: "Updating the path 'a.b' would create a conflict at 'a'" }));
});
