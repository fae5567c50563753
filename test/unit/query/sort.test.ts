import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Double, Long, MaxKey, MinKey } from 'bson';
import type { Document } from '../../../src/bson/index.js';
import { parseCollation } from '../../../src/bson/index.js';
import { MongoServerError } from '../../../src/errors/index.js';
import { compileSort } from '../../../src/query/sort.js';

/** Sorts documents (each with an _id) and returns the _ids in order. */
function order(docs: Document[], spec: Document, collation?: Document): unknown[] {
  const cmp = compileSort(spec, collation ? parseCollation(collation) : null);
  return [...docs].sort(cmp).map((d) => d._id);
}

interface Case {
  name: string;
  docs: Document[];
  spec: Document;
  expected: unknown[];
  collation?: Document;
}

const cases: Case[] = [
  { name: 'ascending numbers of mixed types', docs: [{ _id: 1, a: 3 }, { _id: 2, a: new Double(1.5) }, { _id: 3, a: Long.fromNumber(2) }], spec: { a: 1 }, expected: [2, 3, 1] },
  { name: 'descending', docs: [{ _id: 1, a: 3 }, { _id: 2, a: 1 }, { _id: 3, a: 2 }], spec: { a: -1 }, expected: [1, 3, 2] },
  {
    name: 'missing and null sort together, before numbers', docs: [{ _id: 1, a: 1 }, { _id: 2 }, { _id: 3, a: null }],
    spec: { a: 1, _id: 1 }, expected: [2, 3, 1],
  },
  {
    name: 'type order: minKey < null < number < string < object < array < bool < date < maxKey',
    docs: [
      { _id: 'max', a: new MaxKey() }, { _id: 'date', a: new Date(0) }, { _id: 'bool', a: true }, { _id: 'obj', a: { x: 1 } },
      { _id: 'str', a: 'x' }, { _id: 'num', a: 5 }, { _id: 'null', a: null }, { _id: 'min', a: new MinKey() },
    ],
    spec: { a: 1 }, expected: ['min', 'null', 'num', 'str', 'obj', 'bool', 'date', 'max'],
  },
  { name: 'ascending uses the smallest array element', docs: [{ _id: 1, a: [5, 0] }, { _id: 2, a: 1 }, { _id: 3, a: [2, 3] }], spec: { a: 1 }, expected: [1, 2, 3] },
  { name: 'descending uses the largest array element', docs: [{ _id: 1, a: [5, 0] }, { _id: 2, a: 6 }, { _id: 3, a: [2, 3] }], spec: { a: -1 }, expected: [2, 1, 3] },
  { name: 'an empty array sorts below null', docs: [{ _id: 1, a: null }, { _id: 2, a: [] }, { _id: 3, a: 0 }], spec: { a: 1 }, expected: [2, 1, 3] },
  { name: 'dotted path into documents', docs: [{ _id: 1, a: { b: 2 } }, { _id: 2, a: { b: 1 } }], spec: { 'a.b': 1 }, expected: [2, 1] },
  {
    name: 'dotted path through an array of documents', docs: [{ _id: 1, a: [{ b: 9 }, { b: 4 }] }, { _id: 2, a: [{ b: 5 }] }],
    spec: { 'a.b': 1 }, expected: [1, 2],
  },
  {
    name: 'an array element without the field counts as null', docs: [{ _id: 1, a: [{ b: 9 }, { c: 1 }] }, { _id: 2, a: [{ b: 5 }] }],
    spec: { 'a.b': 1 }, expected: [1, 2],
  },
  { name: 'numeric component indexes an array', docs: [{ _id: 1, a: [9, 1] }, { _id: 2, a: [5, 7] }], spec: { 'a.0': 1 }, expected: [2, 1] },
  { name: 'compound keys', docs: [{ _id: 1, a: 1, b: 2 }, { _id: 2, a: 1, b: 1 }, { _id: 3, a: 0, b: 9 }], spec: { a: 1, b: -1 }, expected: [3, 1, 2] },
  { name: 'strings by binary order', docs: [{ _id: 1, s: 'b' }, { _id: 2, s: 'B' }, { _id: 3, s: 'a' }], spec: { s: 1 }, expected: [2, 3, 1] },
  {
    name: 'strings under a case-insensitive collation', docs: [{ _id: 1, s: 'b' }, { _id: 2, s: 'C' }, { _id: 3, s: 'a' }],
    spec: { s: 1 }, collation: { locale: 'en', strength: 2 }, expected: [3, 1, 2],
  },
  { name: 'direction as a double or long', docs: [{ _id: 1, a: 1 }, { _id: 2, a: 2 }], spec: { a: new Double(-1) }, expected: [2, 1] },
  { name: 'empty spec keeps the order', docs: [{ _id: 2 }, { _id: 1 }], spec: {}, expected: [2, 1] },
];

describe('compileSort', () => {
  for (const c of cases) test(c.name, () => assert.deepEqual(order(c.docs, c.spec, c.collation), c.expected));

  const errors: [string, Document, number, string?][] = [
    ['zero direction', { a: 0 }, 15975, '$sort key ordering must be 1 (for ascending) or -1 (for descending)'],
    ['direction 2', { a: 2 }, 15975],
    ['string direction', { a: 'asc' }, 15974, 'Illegal key in $sort specification: a: "asc"'],
    ['unknown $meta', { a: { $meta: 'foo' } }, 31138],
    ['textScore without text search', { a: { $meta: 'textScore' } }, 40218],
    ['$-prefixed field', { $a: 1 }, 16410],
    ['empty field name', { '': 1 }, 40352],
  ];
  for (const [name, spec, code, message] of errors) {
    test(`error: ${name}`, () => {
      assert.throws(() => compileSort(spec), (err: unknown) => {
        assert.ok(err instanceof MongoServerError);
        assert.equal(err.code, code, err.message);
        if (message) assert.equal(err.message, message);
        return true;
      });
    });
  }

  test('parallel arrays cannot be sorted', () => {
    const cmp = compileSort({ a: 1, b: 1 });
    assert.throws(() => cmp({ a: [1, 2], b: [3, 4] }, { a: 1, b: 1 }), (err: unknown) => err instanceof MongoServerError && err.code === 2);
  });

  test('keys in one array are not parallel', () => {
    const cmp = compileSort({ 'a.b': 1, 'a.c': 1 });
    assert.equal(cmp({ a: [{ b: 1, c: 2 }] }, { a: [{ b: 1, c: 3 }] }), -1);
  });
});
