import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchQueue } from '../../../src/client/batch_queue.js';

test('BatchQueue hands out batches in order across pushes, including pushes onto a partly drained queue', () => {
  const q = new BatchQueue<number>();
  assert.equal(q.shift(), undefined);
  q.push([1, 2, 3]);
  assert.equal(q.shift(), 1);
  q.push([4]);
  q.push([]);
  const out: number[] = [];
  while (q.length > 0) out.push(q.shift()!);
  assert.deepEqual(out, [2, 3, 4]);
  q.push([5, 6]);
  q.clear();
  assert.equal(q.length, 0);
  assert.equal(q.shift(), undefined);
});

test('BatchQueue drains a 200,000-document batch (a catch-up reply) without copying it per item', () => {
  const q = new BatchQueue<number>();
  q.push(Array.from({ length: 200_000 }, (_, i) => i));
  let sum = 0;
  for (let n = q.length; n > 0; n--) sum += q.shift()!;
  assert.equal(sum, (199_999 * 200_000) / 2);
});
