import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RegexCache } from '../../../../src/query/regex/regex_cache.js';

test('the least recently used entry goes first when the cache is full', () => {
  const cache = new RegexCache<number>(2, 100);
  cache.set('a', 1, 1);
  cache.set('b', 2, 1);
  assert.equal(cache.get('a'), 1);
  cache.set('c', 3, 1);
  assert.equal(cache.get('b'), undefined);
  assert.equal(cache.get('a'), 1);
  assert.equal(cache.get('c'), 3);
  assert.equal(cache.size, 2);
});

test('entries are dropped to stay within the weight budget, and a heavy one is not kept', () => {
  const cache = new RegexCache<string>(10, 100);
  cache.set('a', 'a', 25);
  cache.set('b', 'b', 25);
  cache.set('c', 'c', 25);
  cache.set('d', 'd', 25);
  cache.set('e', 'e', 10);
  assert.equal(cache.get('a'), undefined);
  assert.deepEqual(['b', 'c', 'd', 'e'].map((k) => cache.get(k)), ['b', 'c', 'd', 'e']);
  cache.set('huge', 'huge', 26);
  assert.equal(cache.get('huge'), undefined);
  assert.equal(cache.size, 4);
  cache.set('b', 'b2', 5);
  assert.equal(cache.get('b'), 'b2');
  cache.set('f', 'f', 20);
  assert.equal(cache.get('c'), 'c', 'replacing b lowered the total, so nothing more had to go');
});
