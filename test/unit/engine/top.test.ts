import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LATENCY_BUCKET_LOWER_BOUNDS, latencyBucket, Top } from '../../../src/engine/top.js';
import type { OplogEntry } from '../../../src/oplog/entry.js';

describe('Top', () => {
  test('has mongod\'s 51 histogram buckets', () => {
    assert.equal(LATENCY_BUCKET_LOWER_BOUNDS.length, 51);
    assert.deepEqual(LATENCY_BUCKET_LOWER_BOUNDS.slice(0, 14), [0, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 3072, 4096]);
    assert.equal(LATENCY_BUCKET_LOWER_BOUNDS[29], 1048576);
    assert.equal(LATENCY_BUCKET_LOWER_BOUNDS[30], 1572864);
    assert.equal(LATENCY_BUCKET_LOWER_BOUNDS[31], 2097152);
    assert.equal(LATENCY_BUCKET_LOWER_BOUNDS[50], 1099511627776);
  });

  test('puts each latency in the bucket whose range holds it', () => {
    assert.equal(latencyBucket(0), 0);
    assert.equal(latencyBucket(1), 0);
    for (let i = 1; i < LATENCY_BUCKET_LOWER_BOUNDS.length; i++) {
      const lower = LATENCY_BUCKET_LOWER_BOUNDS[i]!;
      assert.equal(latencyBucket(lower), i, `lower bound ${lower}`);
      assert.equal(latencyBucket(lower - 1), i - 1, `below ${lower}`);
    }
    assert.equal(latencyBucket(2 ** 50), 50);
  });

  test('sums latencies per namespace and kind, and forgets dropped and renamed collections', () => {
    const top = new Top();
    top.record('db.a', 'reads', 10);
    top.record('db.a', 'reads', 3000);
    top.record('db.a', 'writes', 5);
    top.record('db.b', 'commands', 7);
    top.record('other.c', 'reads', 1);
    const a = top.latencies('db.a');
    assert.equal(a.reads.latency, 3010);
    assert.equal(a.reads.ops, 2);
    assert.equal(a.reads.buckets[latencyBucket(10)], 1);
    assert.equal(a.reads.buckets[latencyBucket(3000)], 1);
    assert.equal(a.writes.ops, 1);
    assert.equal(a.transactions.ops, 0);
    const change = (fields: Partial<OplogEntry>): void => top.noteChange({ ts: 1n, wall: new Date(0), db: 'db', op: 'insert', ...fields } as OplogEntry);
    change({ op: 'drop', coll: 'a' });
    assert.equal(top.latencies('db.a').reads.ops, 0);
    change({ op: 'rename', coll: 'x', to: { db: 'db', coll: 'b' } });
    assert.equal(top.latencies('db.b').commands.ops, 0);
    top.record('db.d', 'reads', 1);
    change({ op: 'dropDatabase' });
    assert.equal(top.latencies('db.d').reads.ops, 0);
    assert.equal(top.latencies('other.c').reads.ops, 1);
  });
});
