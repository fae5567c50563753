import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EJSON } from 'bson';
import type { Document } from '../../../../src/bson/index.js';
import { MongoServerError } from '../../../../src/errors/index.js';
import { compileProjection, type ProjectionOptions } from '../../../../src/query/projection/index.js';

function show(v: unknown): string {
  return EJSON.stringify(v as Document, { relaxed: false });
}

interface Case {
  name: string;
  doc: Document;
  spec: Document;
  expected: Document;
  options?: ProjectionOptions;
}

const doc = { _id: 1, a: 1, b: { c: 2, d: 3 }, e: [{ f: 1, g: 2 }, { f: 3 }, 4], h: 'x' };

const cases: Case[] = [
  { name: 'inclusion keeps _id and document order', doc, spec: { h: 1, a: 1 }, expected: { _id: 1, a: 1, h: 'x' } },
  { name: 'inclusion without _id', doc, spec: { a: 1, _id: 0 }, expected: { a: 1 } },
  { name: '_id only', doc, spec: { _id: 1 }, expected: { _id: 1 } },
  { name: 'exclusion', doc, spec: { b: 0, e: 0 }, expected: { _id: 1, a: 1, h: 'x' } },
  { name: 'exclusion of _id only', doc, spec: { _id: 0 }, expected: { a: 1, b: { c: 2, d: 3 }, e: [{ f: 1, g: 2 }, { f: 3 }, 4], h: 'x' } },
  { name: 'empty projection', doc, spec: {}, expected: doc },
  { name: 'dotted inclusion', doc, spec: { 'b.d': 1 }, expected: { _id: 1, b: { d: 3 } } },
  { name: 'nested sub-projection form', doc, spec: { b: { d: 1 } }, expected: { _id: 1, b: { d: 3 } } },
  { name: 'dotted inclusion through an array drops non-documents', doc, spec: { 'e.f': 1, _id: 0 }, expected: { e: [{ f: 1 }, { f: 3 }] } },
  { name: 'dotted exclusion through an array keeps non-documents', doc, spec: { 'e.f': 0, b: 0 }, expected: { _id: 1, a: 1, e: [{ g: 2 }, {}, 4], h: 'x' } },
  { name: 'dotted inclusion over a scalar drops it', doc: { _id: 1, a: 2 }, spec: { 'a.b': 1 }, expected: { _id: 1 } },
  { name: 'dotted inclusion keeps an empty sub-document', doc: { _id: 1, a: { x: 1 } }, spec: { 'a.b': 1 }, expected: { _id: 1, a: {} } },
  { name: 'boolean and numeric flags', doc, spec: { a: true, h: 5 }, expected: { _id: 1, a: 1, h: 'x' } },
  { name: '$slice positive keeps other fields', doc: { _id: 1, a: [1, 2, 3], z: 1 }, spec: { a: { $slice: 2 } }, expected: { _id: 1, a: [1, 2], z: 1 } },
  { name: '$slice negative', doc: { _id: 1, a: [1, 2, 3] }, spec: { a: { $slice: -2 } }, expected: { _id: 1, a: [2, 3] } },
  { name: '$slice [skip, limit]', doc: { _id: 1, a: [1, 2, 3, 4] }, spec: { a: { $slice: [1, 2] } }, expected: { _id: 1, a: [2, 3] } },
  { name: '$slice [negative skip, limit]', doc: { _id: 1, a: [1, 2, 3, 4] }, spec: { a: { $slice: [-3, 2] } }, expected: { _id: 1, a: [2, 3] } },
  { name: '$slice on a non-array leaves it', doc: { _id: 1, a: 5 }, spec: { a: { $slice: 1 } }, expected: { _id: 1, a: 5 } },
  { name: '$slice with an inclusion', doc: { _id: 1, a: [1, 2, 3], b: 1, c: 2 }, spec: { b: 1, a: { $slice: 1 } }, expected: { _id: 1, a: [1], b: 1 } },
  { name: '$slice through documents', doc: { _id: 1, a: { b: [1, 2, 3] } }, spec: { 'a.b': { $slice: 1 } }, expected: { _id: 1, a: { b: [1] } } },
  {
    name: '$elemMatch returns the first match after the inclusions',
    doc: { _id: 1, grades: [{ g: 80 }, { g: 95 }, { g: 99 }], name: 'n' },
    spec: { grades: { $elemMatch: { g: { $gt: 90 } } }, name: 1 },
    expected: { _id: 1, name: 'n', grades: [{ g: 95 }] },
  },
  { name: '$elemMatch without a match drops the field', doc: { _id: 1, a: [1, 2] }, spec: { a: { $elemMatch: { $gt: 5 } } }, expected: { _id: 1 } },
  {
    name: '$elemMatch in an exclusion projection', doc: { _id: 1, a: [1, 7], b: 1, c: 2 },
    spec: { a: { $elemMatch: { $gt: 5 } }, c: 0 }, expected: { _id: 1, a: [7], b: 1 },
  },
  {
    name: 'positional projection', doc: { _id: 1, a: [{ x: 1 }, { x: 2 }], b: 1 }, spec: { 'a.$': 1 },
    options: { filter: { 'a.x': 2 } }, expected: { _id: 1, a: [{ x: 2 }] },
  },
  { name: 'aggregation $slice expression', doc: { _id: 1, a: [1, 2, 3], b: 9 }, spec: { x: { $slice: ['$a', 1] } }, expected: { _id: 1, x: [1] } },
  { name: 'computed literal', doc, spec: { a: 1, lit: 'hello' }, expected: { _id: 1, a: 1, lit: 'hello' } },
  { name: 'computed field path', doc, spec: { copy: '$b.c', _id: 0 }, expected: { copy: 2 } },
  { name: 'computed expression', doc, spec: { sum: { $add: ['$a', 10] } }, expected: { _id: 1, sum: 11 } },
  { name: 'computed fields come after the included ones', doc, spec: { a: { $literal: 5 }, h: 1 }, expected: { _id: 1, h: 'x', a: 5 } },
  { name: 'computed field below a scalar makes a document', doc: { _id: 1, a: 1 }, spec: { 'a.b': { $literal: 1 } }, expected: { _id: 1, a: { b: 1 } } },
  { name: 'computed field missing value is omitted', doc, spec: { m: '$nope' }, expected: { _id: 1 } },
];

describe('compileProjection', () => {
  for (const c of cases) {
    test(c.name, () => {
      const before = show(c.doc);
      assert.equal(show(compileProjection(c.spec, c.options).apply(c.doc)), show(c.expected));
      assert.equal(show(c.doc), before, 'input modified');
    });
  }

  test('type', () => {
    assert.equal(compileProjection({ a: 1 }).type, 'inclusion');
    assert.equal(compileProjection({ a: 0 }).type, 'exclusion');
    assert.equal(compileProjection({ a: { $slice: 1 } }).type, 'exclusion');
    assert.equal(compileProjection({ a: { $elemMatch: { b: 1 } } }).type, 'inclusion');
    assert.equal(compileProjection({ _id: 1 }).type, 'inclusion');
  });

  const errors: [string, Document, number, string?, ProjectionOptions?][] = [
    ['exclusion in inclusion', { a: 1, b: 0 }, 31254, 'Cannot do exclusion on field b in inclusion projection'],
    ['inclusion in exclusion', { a: 0, b: 1 }, 31253, 'Cannot do inclusion on field b in exclusion projection'],
    ['expression in exclusion', { a: 0, b: { $add: [1, 2] } }, 31252, 'Cannot use expression other than $meta in exclusion projection'],
    ['literal in exclusion', { a: 0, b: 'x' }, 31310, 'Cannot use an expression b: "x" in an exclusion projection'],
    ['path collision', { a: 1, 'a.b': 1 }, 31249, 'Path collision at a.b remaining portion b'],
    ['same path twice', { 'a.b': 1, a: { b: 1 } }, 31250],
    ['bad $slice array', { a: { $slice: [1] } }, 31272],
    ['$slice string', { a: { $slice: 'x' } }, 31273],
    ['$elemMatch not an object', { a: { $elemMatch: 1 } }, 31274],
    ['$elemMatch on a nested field', { 'a.b': { $elemMatch: { c: 1 } } }, 31275],
    ['positional without a query', { 'a.$': 1 }, 51050],
    ['positional not in the query', { 'a.$': 1 }, 31277, "Positional projection 'a.$' does not match the query document.", { filter: { b: 1 } }],
    ['two positionals', { 'a.$': 1, 'b.$': 1 }, 31276, undefined, { filter: { a: 1, b: 1 } }],
    ['positional and $elemMatch', { a: { $elemMatch: { x: 1 } }, 'b.$': 1 }, 31256, undefined, { filter: { b: 1 } }],
    ['unknown expression', { a: { $foo: 1 } }, 31325, 'Unknown expression $foo'],
    ['empty sub-projection', { a: {} }, 51270],
    ['$meta textScore', { s: { $meta: 'textScore' } }, 40218],
    ['$meta unknown', { s: { $meta: 'bogus' } }, 17308],
    ['$-prefixed field', { $a: 1 }, 16410],
  ];
  for (const [name, spec, code, message, options] of errors) {
    test(`error: ${name}`, () => {
      assert.throws(() => compileProjection(spec, options), (err: unknown) => {
        assert.ok(err instanceof MongoServerError, String(err));
        assert.equal(err.code, code, err.message);
        if (message) assert.equal(err.message, message);
        return true;
      });
    });
  }
});
