import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EJSON } from 'bson';
import type { Document } from '../../../../src/bson/index.js';
import { MongoServerError } from '../../../../src/errors/index.js';
import { compileProjection, type ProjectionOptions } from '../../../../src/query/projection/index.js';
import { SHARED_CASES, SHARED_ERRORS } from './shared_rules.js';

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

function run(c: Case): void {
  const before = show(c.doc);
  assert.equal(show(compileProjection(c.spec, c.options).apply(c.doc)), show(c.expected));
  assert.equal(show(c.doc), before, 'input modified');
}

function assertFails(spec: Document, code: number, message?: string, options?: ProjectionOptions): void {
  assert.throws(() => compileProjection(spec, options), (err: unknown) => {
    assert.ok(err instanceof MongoServerError, String(err));
    assert.equal(err.code, code, err.message);
    if (message !== undefined) assert.equal(err.message, message);
    return true;
  });
}

describe('find projection: the rules it shares with $project', () => {
  for (const c of SHARED_CASES) test(c.name, () => run(c));
  for (const [name, spec, code, message] of SHARED_ERRORS) test(`error: ${name}`, () => assertFails(spec, code, message));
});

describe("find projection: find's own rules", () => {
  const cases: Case[] = [
    { name: 'an empty projection returns the whole document', doc: { _id: 1, a: 1 }, spec: {}, expected: { _id: 1, a: 1 } },
    { name: '$slice positive keeps the other fields', doc: { _id: 1, a: [1, 2, 3], z: 1 }, spec: { a: { $slice: 2 } }, expected: { _id: 1, a: [1, 2], z: 1 } },
    { name: '$slice negative', doc: { _id: 1, a: [1, 2, 3] }, spec: { a: { $slice: -2 } }, expected: { _id: 1, a: [2, 3] } },
    { name: '$slice [skip, limit]', doc: { _id: 1, a: [1, 2, 3, 4] }, spec: { a: { $slice: [1, 2] } }, expected: { _id: 1, a: [2, 3] } },
    { name: '$slice [negative skip, limit]', doc: { _id: 1, a: [1, 2, 3, 4] }, spec: { a: { $slice: [-3, 2] } }, expected: { _id: 1, a: [2, 3] } },
    { name: '$slice on a non-array leaves it', doc: { _id: 1, a: 5 }, spec: { a: { $slice: 1 } }, expected: { _id: 1, a: 5 } },
    { name: '$slice with an inclusion', doc: { _id: 1, a: [1, 2, 3], b: 1, c: 2 }, spec: { b: 1, a: { $slice: 1 } }, expected: { _id: 1, a: [1], b: 1 } },
    { name: '$slice through documents', doc: { _id: 1, a: { b: [1, 2, 3] } }, spec: { 'a.b': { $slice: 1 } }, expected: { _id: 1, a: { b: [1] } } },
    {
      name: '$slice through an array of documents', doc: { _id: 1, a: [{ b: [1, 2] }, { b: [3, 4] }, 5] }, spec: { 'a.b': { $slice: -1 } },
      expected: { _id: 1, a: [{ b: [2] }, { b: [4] }, 5] },
    },
    {
      name: '$elemMatch returns the first match, after the inclusions',
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
      name: 'the positional $', doc: { _id: 1, a: [{ x: 1 }, { x: 2 }], b: 1 }, spec: { 'a.$': 1 },
      options: { filter: { 'a.x': 2 } }, expected: { _id: 1, a: [{ x: 2 }] },
    },
    {
      name: 'the positional $ on a nested path', doc: { _id: 1, x: { y: [{ a: 1, b: 1 }, { a: 2, b: 2 }] } }, spec: { 'x.y.$': 1 },
      options: { filter: { 'x.y.a': 2 } }, expected: { _id: 1, x: { y: [{ a: 2, b: 2 }] } },
    },
    {
      name: 'the positional $ inside a sub-projection', doc: { _id: 1, x: { y: [1, 2, 3] } }, spec: { x: { 'y.$': 1 } },
      options: { filter: { 'x.y': 3 } }, expected: { _id: 1, x: { y: [3] } },
    },
    {
      name: 'the positional $ with $slice on another field', doc: { _id: 0, a: [1, 2, 3], z: [11, 12, 13] }, spec: { a: { $slice: 2 }, 'z.$': 1 },
      options: { filter: { z: 13 } }, expected: { _id: 0, a: [1, 2], z: [13] },
    },
  ];
  for (const c of cases) test(c.name, () => run(c));

  test('the type of projections of only _id, $slice and $elemMatch', () => {
    assert.equal(compileProjection({ a: 1 }).type, 'inclusion');
    assert.equal(compileProjection({ a: 0 }).type, 'exclusion');
    assert.equal(compileProjection({ a: { $slice: 1 } }).type, 'exclusion');
    assert.equal(compileProjection({ _id: 1, a: { $slice: 1 } }).type, 'inclusion');
    assert.equal(compileProjection({ a: { $elemMatch: { b: 1 } } }).type, 'inclusion');
    assert.equal(compileProjection({ _id: 0, a: { $elemMatch: { b: 1 } } }).type, 'inclusion');
    assert.equal(compileProjection({ _id: 1 }).type, 'inclusion');
    assert.equal(compileProjection({ _id: 0 }).type, 'exclusion');
  });

  test('the positional $ with no matching element is 51246 when it runs', () => {
    // An $or on other fields records no array index.
    const projection = compileProjection({ 'a.$': 1 }, { filter: { $or: [{ a: 1 }, { b: 1 }] } });
    assert.throws(() => projection.apply({ _id: 1, a: [5, 6], b: 1 }), (err: unknown) => err instanceof MongoServerError && err.code === 51246);
    assert.deepEqual(projection.apply({ _id: 1, b: 1 }), { _id: 1 });
  });

  const errors: [string, Document, number, string?, ProjectionOptions?][] = [
    ['a $slice array that is not [skip, limit]', { a: { $slice: [1] } }, 31272, '$slice array argument should be of form [skip, limit]'],
    // An argument that is not find's syntax is tried as the $slice expression: its error is find's when that fails too.
    ['a $slice skip that is not a number', { a: { $slice: ['$', 1] } }, 31257, '$slice expects the skip argument to be a number, got string'],
    ['a $slice limit that is not a number', { a: { $slice: [1, '$'] } }, 31258, '$slice expects the limit argument to be a number, got string'],
    ['a $slice of a string', { a: { $slice: 'x' } }, 31273, '$slice only supports numbers and [skip, limit] arrays'],
    ['$elemMatch of a non-object', { a: { $elemMatch: 1 } }, 31274, 'elemMatch: Invalid argument, object required, but got int'],
    ['$elemMatch on a nested field', { 'a.b': { $elemMatch: { c: 1 } } }, 31275, 'Cannot use $elemMatch projection on a nested field.'],
    ['$elemMatch in a sub-projection', { a: { b: { $elemMatch: { c: 1 } } } }, 31275],
    ['a positional $ without a query', { 'a.$': 1 }, 51050, 'Projections with a positional operator require a matcher'],
    ['a positional $ the query does not mention', { 'a.$': 1 }, 31277, "Positional projection 'a.$' does not match the query document.", { filter: { b: 1 } }],
    ['two positional $', { 'a.$': 1, 'b.$': 1 }, 31276, 'Cannot specify more than one positional projection per query.', { filter: { a: 1, b: 1 } }],
    ['a positional $ after $elemMatch', { a: { $elemMatch: { x: 1 } }, 'b.$': 1 }, 31256, 'Cannot specify positional operator and $elemMatch.', { filter: { b: 1 } }],
    ['$elemMatch after a positional $', { 'b.$': 1, a: { $elemMatch: { x: 1 } } }, 31255, 'Cannot specify positional operator and $elemMatch.', { filter: { b: 1 } }],
    ['a positional $ with a sub-object', { 'a.$': { $slice: 1 } }, 31271, 'positional projection cannot be used with an expression or sub object', { filter: { a: 1 } }],
    ['a positional $ with a literal', { 'a.$': 'x' }, 31308, 'positional projection cannot be used with a literal', { filter: { a: 1 } }],
    ['a positional $ excluded', { 'a.$': 0 }, 31395, 'positional projection cannot be used with exclusion', { filter: { a: 1 } }],
    ['a positional $ in an exclusion', { 'a.$': 1, b: 0 }, 31254, 'Cannot do exclusion on field b in inclusion projection', { filter: { a: 1 } }],
    ['a positional $ on no field', { '.$': 1 }, 5392900, 'Projection on field .$ is invalid', { filter: { a: 1 } }],
    ['$ alone is a field name', { $: 1 }, 16410, undefined, { filter: { a: 1 } }],
    ['a projection that is not a document', 5 as unknown as Document, 14, 'Expected field projection to be of type object'],
  ];
  for (const [name, spec, code, message, options] of errors) test(`error: ${name}`, () => assertFails(spec, code, message, options));
});
