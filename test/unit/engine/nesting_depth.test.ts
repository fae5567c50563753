import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Int32 } from 'bson';
import { checkNestingDepth, nestingDepth, prepareForInsert, encodeStoredDocument, MAX_USER_NESTING_DEPTH } from '../../../src/engine/documents.js';

function nested(levels: number): Record<string, unknown> {
  let doc: Record<string, unknown> = { leaf: 1 };
  for (let i = 1; i < levels; i++) doc = { n: doc };
  return doc;
}

test('nestingDepth counts non-empty documents and arrays, the top level included', () => {
  assert.equal(nestingDepth({}), 0);
  assert.equal(nestingDepth({ a: 1 }), 1);
  assert.equal(nestingDepth({ a: {} }), 1, 'an empty sub-document adds no level');
  assert.equal(nestingDepth({ a: { b: 1 } }), 2);
  assert.equal(nestingDepth({ a: [[new Int32(1)]] }), 3);
  assert.equal(nestingDepth({ a: new Date(0), b: new Int32(3) }), 1, 'BSON values are leaves');
  assert.equal(nestingDepth(nested(5000)), MAX_USER_NESTING_DEPTH + 1, 'stops counting past the limit');
});

test('over 100 levels is Overflow (15) on insert and on encode; exactly 100 is fine', () => {
  assert.doesNotThrow(() => prepareForInsert({ _id: 1, ...nested(100) }));
  assert.throws(() => prepareForInsert({ _id: 1, ...nested(101) }), (e: { code?: number }) => e.code === 15);
  assert.throws(() => encodeStoredDocument({ _id: 1, ...nested(101) }), (e: { code?: number }) => e.code === 15);
  assert.throws(() => checkNestingDepth(nested(150), false), /maximum nesting depth of 100/);
});
