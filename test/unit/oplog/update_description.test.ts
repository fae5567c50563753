import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EJSON, Int32 } from 'bson';
import type { Document } from '../../../src/bson/index.js';
import { computeOplogDiff, computeUpdateDescription, type UpdateDescriptionOptions } from '../../../src/oplog/update_description.js';
import { compileUpdate } from '../../../src/query/update/index.js';

function show(v: unknown): string {
  return EJSON.stringify(v as Document, { relaxed: false });
}

/** Runs an operator update and describes it from its log, as the engine does for operator updates. */
function describeOperatorUpdate(doc: Document, update: Document, options: UpdateDescriptionOptions = {}, arrayFilters?: Document[]) {
  const result = compileUpdate(update, { arrayFilters }).apply(doc);
  return computeUpdateDescription(doc, result.doc, { ...options, updateLog: result.log });
}

interface Case {
  name: string;
  before: Document;
  update?: Document;
  after?: Document;
  arrayFilters?: Document[];
  showExpandedEvents?: boolean;
  expected: Document;
}

const cases: Case[] = [
  { name: '$set one field', before: { _id: 1, x: 1 }, update: { $set: { x: 2 } }, expected: { updatedFields: { x: 2 }, removedFields: [], truncatedArrays: [] } },
  {
    name: '$set and $unset', before: { _id: 1, foo: 1 }, update: { $set: { new: 1 }, $unset: { foo: 1 } },
    expected: { updatedFields: { new: 1 }, removedFields: ['foo'], truncatedArrays: [] },
  },
  {
    name: 'a nested $set is reported by path even in a small sub-document', before: { _id: 1, a: { b: 1, c: 1 } }, update: { $set: { 'a.b': 2 } },
    expected: { updatedFields: { 'a.b': 2 }, removedFields: [], truncatedArrays: [] },
  },
  {
    name: '$push to a non-empty array reports the new element', before: { _id: 1, arr: [1, 2] }, update: { $push: { arr: 3 } },
    expected: { updatedFields: { 'arr.2': 3 }, removedFields: [], truncatedArrays: [] },
  },
  {
    name: '$push with $sort reports the array', before: { _id: 1, arr: [2, 1] }, update: { $push: { arr: { $each: [3], $sort: 1 } } },
    expected: { updatedFields: { arr: [1, 2, 3] }, removedFields: [], truncatedArrays: [] },
  },
  {
    name: '$set of a new nested path reports the created document', before: { _id: 1 }, update: { $set: { 'x.b': 2, 'x.a': 1 } },
    expected: { updatedFields: { x: { a: 1, b: 2 } }, removedFields: [], truncatedArrays: [] },
  },
  {
    name: '$set into an array element', before: { _id: 1, arrayField: [1, 2] }, update: { $set: { 'arrayField.0': 7 } },
    expected: { updatedFields: { 'arrayField.0': 7 }, removedFields: [], truncatedArrays: [] },
  },
  {
    name: '$[] over several elements reports the array', before: { _id: 1, a: [1, 2, 3] }, update: { $inc: { 'a.$[]': 1 } },
    expected: { updatedFields: { a: [2, 3, 4] }, removedFields: [], truncatedArrays: [] },
  },
  {
    name: 'an array filter changing one element reports that element', before: { _id: 1, a: [1, 2, 3] }, update: { $set: { 'a.$[x]': 0 } },
    arrayFilters: [{ x: 2 }],
    expected: { updatedFields: { 'a.1': 0 }, removedFields: [], truncatedArrays: [] },
  },
  {
    name: '$unset of an array element reports null', before: { _id: 1, a: [1, 2] }, update: { $unset: { 'a.0': 1 } },
    expected: { updatedFields: { 'a.0': null }, removedFields: [], truncatedArrays: [] },
  },
  {
    name: '$rename', before: { _id: 1, a: 1 }, update: { $rename: { a: 'b' } },
    expected: { updatedFields: { b: 1 }, removedFields: ['a'], truncatedArrays: [] },
  },
  {
    name: 'numeric field name is disambiguated', before: { _id: 1, a: { '1': 1 } }, update: { $set: { 'a.1': 2 } }, showExpandedEvents: true,
    expected: { updatedFields: { 'a.1': 2 }, removedFields: [], truncatedArrays: [], disambiguatedPaths: { 'a.1': ['a', '1'] } },
  },
  {
    name: 'array index below a numeric field name is an int32', before: { _id: 1, a: [{ '1': 1 }] }, update: { $set: { 'a.0.1': 2 } }, showExpandedEvents: true,
    expected: { updatedFields: { 'a.0.1': 2 }, removedFields: [], truncatedArrays: [], disambiguatedPaths: { 'a.0.1': ['a', new Int32(0), '1'] } },
  },
  {
    name: 'array indexes alone are not ambiguous', before: { _id: 1, a: [1] }, update: { $set: { 'a.0': 2 } }, showExpandedEvents: true,
    expected: { updatedFields: { 'a.0': 2 }, removedFields: [], truncatedArrays: [], disambiguatedPaths: {} },
  },
  {
    name: 'disambiguatedPaths is absent without showExpandedEvents', before: { _id: 1, a: { '1': 1 } }, update: { $set: { 'a.1': 2 } },
    expected: { updatedFields: { 'a.1': 2 }, removedFields: [], truncatedArrays: [] },
  },
  // Document differences (pipeline updates)
  {
    name: 'array truncation', before: { _id: 1, array: ['foo', { a: 'bar' }, 1, 2, 3] }, after: { _id: 1, array: ['foo', { a: 'bar' }] },
    expected: { updatedFields: {}, removedFields: [], truncatedArrays: [{ field: 'array', newSize: 2 }] },
  },
  {
    name: 'appended array elements', before: { _id: 1, long: 'x'.repeat(40), arr: [1, 2] }, after: { _id: 1, long: 'x'.repeat(40), arr: [1, 2, 3, 4] },
    expected: { updatedFields: { 'arr.2': 3, 'arr.3': 4 }, removedFields: [], truncatedArrays: [] },
  },
  {
    name: 'a changed field in a larger sub-document', before: { _id: 1, a: { b: 1, c: 'y'.repeat(40) } }, after: { _id: 1, a: { b: 2, c: 'y'.repeat(40) } },
    expected: { updatedFields: { 'a.b': 2 }, removedFields: [], truncatedArrays: [] },
  },
  {
    name: 'a small sub-document is reported whole', before: { _id: 1, a: { b: 1, c: 1 } }, after: { _id: 1, a: { b: 2, c: 1 } },
    expected: { updatedFields: { a: { b: 2, c: 1 } }, removedFields: [], truncatedArrays: [] },
  },
  {
    name: 'removed and reordered fields', before: { _id: 1, a: 1, b: 2, c: 3 }, after: { _id: 1, c: 3, b: 2 },
    expected: { updatedFields: { b: 2 }, removedFields: ['a'], truncatedArrays: [] },
  },
  {
    name: 'type change of a number is a change', before: { _id: 1, a: 1 }, after: { _id: 1, a: 1.5 },
    expected: { updatedFields: { a: 1.5 }, removedFields: [], truncatedArrays: [] },
  },
  { name: 'no change', before: { _id: 1, a: [1, { b: 2 }] }, after: { _id: 1, a: [1, { b: 2 }] }, expected: { updatedFields: {}, removedFields: [], truncatedArrays: [] } },
  {
    name: 'diff with showExpandedEvents', before: { _id: 1, pad: 'p'.repeat(30), a: { '0': 'z'.repeat(30), '1': 1 } },
    after: { _id: 1, pad: 'p'.repeat(30), a: { '0': 'z'.repeat(30), '1': 2 } }, showExpandedEvents: true,
    expected: { updatedFields: { 'a.1': 2 }, removedFields: [], truncatedArrays: [], disambiguatedPaths: { 'a.1': ['a', '1'] } },
  },
];

describe('computeUpdateDescription', () => {
  for (const c of cases) {
    test(c.name, () => {
      const options = { showExpandedEvents: c.showExpandedEvents };
      const actual = c.update
        ? describeOperatorUpdate(c.before, c.update, options, c.arrayFilters)
        : computeUpdateDescription(c.before, c.after!, options);
      assert.equal(show(actual), show(c.expected));
    });
  }

  test('values are copies, not shared with the document', () => {
    const after = { _id: 1, a: { b: [1] } };
    const d = computeUpdateDescription({ _id: 1 }, after);
    ((d.updatedFields.a as { b: unknown[] }).b).push(2);
    assert.deepEqual(after.a.b, [1]);
  });
});

describe('computeOplogDiff', () => {
  test('a small delta is a $v:2 diff', () => {
    const before = { _id: 1, array: ['foo', { a: 'bar' }, 1, 2, 3] };
    const after = { _id: 1, array: ['foo', { a: 'bar' }] };
    assert.equal(show(computeOplogDiff(before, after)), show({ sarray: { a: true, l: new Int32(2) } }));
  });

  test('a delta as large as the document means a replacement', () => {
    assert.equal(computeOplogDiff({ _id: 1, a: 1 }, { _id: 1, b: 2 }), null);
    // The description is still computed.
    assert.equal(
      show(computeUpdateDescription({ _id: 1, a: 1 }, { _id: 1, b: 2 })),
      show({ updatedFields: { b: 2 }, removedFields: ['a'], truncatedArrays: [] }),
    );
  });

  test('sections in $v:2 order', () => {
    const before = { _id: 1, pad: 'q'.repeat(60), gone: 1, keep: { x: 1, y: 'w'.repeat(30) }, n: 1 };
    const after = { _id: 1, pad: 'q'.repeat(60), keep: { x: 2, y: 'w'.repeat(30) }, n: 2, added: true };
    assert.equal(
      show(computeOplogDiff(before, after)),
      show({ d: { gone: false }, u: { n: 2 }, i: { added: true }, skeep: { u: { x: 2 } } }),
    );
  });
});
