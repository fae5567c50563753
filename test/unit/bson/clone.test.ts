import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Long, ObjectId } from 'bson';
import { deepClone } from '../../../src/bson/index.js';

test('deepClone copies documents and arrays, keeping field order', () => {
  const src = { z: 1, a: { y: [1, { q: 2 }], b: 'x' }, m: [[1], [2]] };
  const copy = deepClone(src);
  assert.deepEqual(copy, src);
  assert.deepEqual(Object.keys(copy), ['z', 'a', 'm']);
  assert.deepEqual(Object.keys(copy.a), ['y', 'b']);
  assert.notEqual(copy.a, src.a);
  assert.notEqual(copy.a.y, src.a.y);
  assert.notEqual(copy.a.y[1], src.a.y[1]);
  (copy.a.y[1] as { q: number }).q = 99;
  copy.m[0]!.push(5);
  assert.equal((src.a.y[1] as { q: number }).q, 2);
  assert.deepEqual(src.m[0], [1]);
});

test('deepClone shares immutable BSON values and copies Dates', () => {
  const id = new ObjectId();
  const n = Long.fromNumber(5);
  const d = new Date(1000);
  const copy = deepClone({ id, n, d });
  assert.equal(copy.id, id);
  assert.equal(copy.n, n);
  assert.notEqual(copy.d, d);
  assert.equal(copy.d.getTime(), 1000);
});

test('deepClone keeps a "__proto__" field as data', () => {
  const src = JSON.parse('{"__proto__": {"x": 1}, "a": 2}') as Record<string, unknown>;
  const copy = deepClone(src);
  assert.deepEqual(Object.keys(copy), ['__proto__', 'a']);
  assert.equal(Object.getPrototypeOf(copy), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value, { x: 1 });
});

test('deepClone passes scalars through', () => {
  for (const v of [1, 'a', null, undefined, true, 5n]) assert.equal(deepClone(v), v);
});
