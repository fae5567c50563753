import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openClient } from '../../helpers/embedded.js';
import { rejectsWith } from '../../helpers/assertions.js';

describe('$collStats', () => {
  it('reports storage stats and the count, and feeds the rest of the pipeline', async () => {
    const { client, cleanup } = await openClient('sqlite-memory');
    try {
      const coll = client.db('stats').collection('c');
      await coll.insertMany([{ _id: 1, a: 'x' }, { _id: 2, a: 'y' }]);
      await coll.createIndex({ a: 1 });
      const [doc] = await coll.aggregate([{ $collStats: { storageStats: {}, count: {}, latencyStats: {} } }]).toArray();
      assert.equal(doc!.ns, 'stats.c');
      assert.equal(doc!.count, 2);
      const storage = doc!.storageStats as Record<string, unknown>;
      assert.equal(storage.count, 2);
      assert.equal(storage.nindexes, 2);
      assert.ok((storage.size as number) > 0);
      assert.ok(doc!.latencyStats);
      const projected = await coll.aggregate([{ $collStats: { count: {} } }, { $project: { _id: 0, n: '$count' } }]).toArray();
      assert.deepEqual(projected, [{ n: 2 }]);
      await rejectsWith(() => coll.aggregate([{ $match: {} }, { $collStats: {} }]).toArray(), 40602);
      await rejectsWith(() => coll.aggregate([{ $collStats: { bogus: {} } }]).toArray(), 40415);
      await rejectsWith(() => client.db('stats').collection('missing').aggregate([{ $collStats: { count: {} } }]).toArray(), 26);
    } finally {
      await cleanup();
    }
  });
});
