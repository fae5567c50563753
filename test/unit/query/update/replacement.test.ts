import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Double } from 'bson';
import { compileUpdate } from '../../../../src/query/update/index.js';
import { runCase, type UpdateCase } from './helpers.js';

const cases: UpdateCase[] = [
  { name: 'replacement keeps _id first', doc: { _id: 1, a: 1, b: 2 }, update: { c: 3 }, expected: { _id: 1, c: 3 } },
  { name: 'replacement with the same _id keeps its own order', doc: { _id: 1, a: 1 }, update: { b: 1, _id: 1 }, expected: { b: 1, _id: 1 } },
  { name: 'replacement with _id 1.0 equal to 1', doc: { _id: 1, a: 1 }, update: { _id: new Double(1), a: 2 }, expected: { _id: new Double(1), a: 2 } },
  { name: 'empty replacement', doc: { _id: 1, a: 1 }, update: {}, expected: { _id: 1 } },
  { name: 'identical replacement is a no-op', doc: { _id: 1, a: 1 }, update: { _id: 1, a: 1 }, expected: { _id: 1, a: 1 }, modified: false },
  // mongod's no-op test compares the original with the replacement as given, so leaving out _id is a change.
  { name: 'same content without _id counts as a change', doc: { _id: 1, a: 1 }, update: { a: 1 }, expected: { _id: 1, a: 1 } },
  { name: 'nested $ fields are allowed', doc: { _id: 1 }, update: { a: { $x: 1 } }, expected: { _id: 1, a: { $x: 1 } } },
];

describe('replacement updates', () => {
  for (const c of cases) test(c.name, () => runCase(c));

  test('kind', () => {
    assert.equal(compileUpdate({ a: 1 }).kind, 'replacement');
    assert.equal(compileUpdate({}).kind, 'replacement');
    assert.equal(compileUpdate({ $set: { a: 1 } }).kind, 'operators');
    assert.equal(compileUpdate([{ $set: { a: 1 } }]).kind, 'pipeline');
  });

  test('positional flag', () => {
    assert.equal(compileUpdate({ $set: { 'a.$': 1 } }).positional, true);
    assert.equal(compileUpdate({ $set: { 'a.$[]': 1 } }).positional, false);
  });

  test('the spec value is copied into each result', () => {
    const u = compileUpdate({ $set: { a: { b: [1] } } });
    const r1 = u.apply({ _id: 1 }).doc;
    const r2 = u.apply({ _id: 2 }).doc;
    ((r1.a as { b: unknown[] }).b).push(2);
    assert.deepEqual(r2.a, { b: [1] });
  });
});
