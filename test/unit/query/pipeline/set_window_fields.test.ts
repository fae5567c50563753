import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Int32 } from '../../../../src/bson/index.js';
import { compilePipeline } from '../../../../src/query/pipeline/index.js';
import { assertCode } from '../expressions/helpers.js';

function run(stage: unknown, docs: Record<string, unknown>[], options = {}): Record<string, unknown>[] {
  return compilePipeline([{ $setWindowFields: stage }], options).run(docs);
}

describe('$setWindowFields: partitions and outputs', () => {
  test('missing and null partition keys are one partition; partitions come out in key order', () => {
    const out = run({ partitionBy: '$p', output: { n: { $count: {} } } }, [
      { _id: 1, p: 'b' }, { _id: 2 }, { _id: 3, p: null }, { _id: 4, p: 'a' }, { _id: 5, p: 'b' },
    ]);
    assert.deepEqual(out.map((d) => [d._id, (d.n as Int32).value]), [[2, 2], [3, 2], [4, 1], [1, 2], [5, 2]]);
  });

  test('a constant partitionBy is one partition; a computed array is refused when it runs', () => {
    const out = run({ partitionBy: 'all', output: { n: { $count: {} } } }, [{ _id: 1 }, { _id: 2 }]);
    assert.deepEqual(out.map((d) => (d.n as Int32).value), [2, 2]);
    assertCode(() => run({ partitionBy: { $literal: [1] }, output: {} }, [{}]), 14, 'An expression used to partition cannot evaluate to value of type array');
    assertCode(() => run({ partitionBy: '$a', output: {} }, [{ a: [1] }]), 14, "Cannot 'partitionBy' an expression of type array");
  });

  test('partitions and ranks follow the collation', () => {
    const options = { collation: { locale: 'en', strength: 2 } };
    const out = run({ partitionBy: '$p', sortBy: { s: 1 }, output: { r: { $denseRank: {} } } }, [
      { _id: 1, p: 'A', s: 'x' }, { _id: 2, p: 'a', s: 'X' }, { _id: 3, p: 'a', s: 'y' },
    ], options);
    assert.deepEqual(out.map((d) => [d._id, (d.r as Int32).value]), [[1, 1], [2, 1], [3, 2]]);
  });

  test('ties keep their input order, and the input is not changed', () => {
    const docs = [{ _id: 1, k: 1 }, { _id: 2, k: 0 }, { _id: 3, k: 1 }, { _id: 4, k: 0 }];
    const out = run({ sortBy: { k: 1 }, output: { n: { $documentNumber: {} } } }, docs);
    assert.deepEqual(out.map((d) => d._id), [2, 4, 1, 3]);
    assert.deepEqual(docs[0], { _id: 1, k: 1 });
  });

  test('outputs are written as $addFields writes: dotted paths, through arrays, missing removes', () => {
    const out = run({ sortBy: { _id: 1 }, output: { 'a.b': { $first: '$v' }, c: { $last: '$missing' } } }, [
      { _id: 1, a: [{ x: 1 }, 2], c: 'old', v: 7 },
    ]);
    assert.deepEqual(out, [{ _id: 1, a: [{ x: 1, b: 7 }, { b: 7 }], v: 7 }]);
  });

  test('a partition of 150,000 documents', () => {
    const docs = Array.from({ length: 150_000 }, (_, i) => ({ _id: i }));
    const out = run({ sortBy: { _id: 1 }, output: { s: { $sum: '$_id', window: { documents: [-1, 0] } } } }, docs);
    assert.equal(out.length, 150_000);
    assert.deepEqual(out[149_999], { _id: 149_999, s: new Int32(149_998 + 149_999) });
  });
});
