import { describe, test } from 'node:test';
import { runCase, runErrorCase, type UpdateCase } from './helpers.js';

const cases: UpdateCase[] = [
  { name: '$set stage', doc: { _id: 1, a: 1 }, update: [{ $set: { b: { $add: ['$a', 1] } } }], expected: { _id: 1, a: 1, b: 2 } },
  { name: '$unset stage', doc: { _id: 1, a: 1, b: 2 }, update: [{ $unset: 'a' }], expected: { _id: 1, b: 2 } },
  // mongod compares the original with the pipeline's output before restoring _id, so this counts as a change.
  { name: 'dropping _id keeps it', doc: { _id: 1, a: 1 }, update: [{ $unset: ['_id'] }], expected: { _id: 1, a: 1 } },
  { name: '$replaceWith keeps _id first', doc: { _id: 1, a: 1 }, update: [{ $replaceWith: { b: '$a' } }], expected: { _id: 1, b: 1 } },
  { name: '$project', doc: { _id: 1, a: 1, b: 2 }, update: [{ $project: { b: 1 } }], expected: { _id: 1, b: 2 } },
  { name: 'same result is a no-op', doc: { _id: 1, a: 1 }, update: [{ $set: { a: 1 } }], expected: { _id: 1, a: 1 }, modified: false },
  {
    name: 'array truncation', doc: { _id: 1, array: ['foo', { a: 'bar' }, 1, 2, 3] },
    update: [{ $set: { array: { $slice: ['$array', 2] } } }], expected: { _id: 1, array: ['foo', { a: 'bar' }] },
  },
  { name: 'let variables', doc: { _id: 1 }, update: [{ $set: { v: '$$x' } }], options: { variables: { x: 5 } }, expected: { _id: 1, v: 5 } },
  { name: 'top-level $ fields are allowed from a pipeline', doc: { _id: 1 }, update: [{ $replaceWith: { $setField: { field: { $literal: '$x' }, input: '$$ROOT', value: 1 } } }], expected: { _id: 1, $x: 1 } },
];

describe('pipeline updates', () => {
  for (const c of cases) test(c.name, () => runCase(c));

  test('changing _id', () =>
    runErrorCase({
      name: 'id', doc: { _id: 1 }, update: [{ $set: { _id: 2 } }], code: 66,
      message: "After applying the update, the (immutable) field '_id' was found to have been altered to _id: 2",
    }));
  test('stage not allowed', () =>
    runErrorCase({ name: 'group', update: [{ $group: { _id: null } }], code: 72, message: '$group is not allowed to be used within an update' }));
  test('unknown stage', () => runErrorCase({ name: 'unknown', update: [{ $foo: {} }], code: 40324 }));
  test('two fields in a stage', () => runErrorCase({ name: 'two', update: [{ $set: { a: 1 }, $unset: 'b' }], code: 40323 }));
});
