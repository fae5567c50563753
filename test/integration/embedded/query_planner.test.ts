// The planner on every storage mode, through the embedded API: an indexed equality reads one document, hint and
// explain work, a multikey index flag survives a restart, and a transaction's reads see its snapshot, not the index.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../../../src/index.js';
import { modes, openClient, removeDir, tempDir } from '../../helpers/embedded.js';

type Explained = { queryPlanner: { winningPlan: { stage: string; inputStage?: { stage: string; indexName?: string; isMultiKey?: boolean } } }; executionStats: { nReturned: number; totalDocsExamined: number; totalKeysExamined: number } };

for (const mode of modes()) {
  describe(`query planner (${mode})`, () => {
    it('reads an indexed equality through its index, and a hint or $natural as asked', async () => {
      const { client, cleanup } = await openClient(mode);
      try {
        const c = client.db('p').collection('c');
        await c.insertMany(Array.from({ length: 500 }, (_, i) => ({ _id: i, k: `k${i}`, g: i % 10 })));
        await c.createIndex({ k: 1 });
        await c.createIndex({ g: 1 });
        const explained = (await c.find({ k: 'k42' }).explain('executionStats')) as unknown as Explained;
        assert.equal(explained.queryPlanner.winningPlan.stage, 'FETCH');
        assert.equal(explained.queryPlanner.winningPlan.inputStage?.indexName, 'k_1');
        assert.deepEqual([explained.executionStats.nReturned, explained.executionStats.totalDocsExamined, explained.executionStats.totalKeysExamined], [1, 1, 1]);
        const hinted = (await c.find({ k: 'k42', g: 2 }).hint('g_1').explain('executionStats')) as unknown as Explained;
        assert.equal(hinted.queryPlanner.winningPlan.inputStage?.indexName, 'g_1');
        assert.equal(hinted.executionStats.totalDocsExamined, 50);
        assert.deepEqual((await c.find({ g: 3 }).hint({ $natural: -1 }).limit(2).toArray()).map((d) => d._id), [493, 483]);
        await assert.rejects(c.find({}).hint('none_1').toArray(), { code: 2 });
      } finally {
        await cleanup();
      }
    });

    it('inside a transaction reads the snapshot by a collection scan, not the current index entries', async () => {
      const { client, cleanup } = await openClient(mode);
      try {
        const c = client.db('p').collection('t');
        await c.createIndex({ v: 1 });
        await c.insertMany([{ _id: 1, v: 1 }, { _id: 2, v: 2 }]);
        const session = client.startSession();
        try {
          session.startTransaction();
          assert.equal((await c.find({ v: 1 }, { session }).toArray()).length, 1);
          await c.updateOne({ _id: 1 }, { $set: { v: 5 } }); // outside the transaction, after its snapshot
          assert.deepEqual((await c.find({ v: 1 }, { session }).toArray()).map((d) => d._id), [1]);
          assert.deepEqual((await c.find({ v: 5 }, { session }).toArray()).map((d) => d._id), []);
          await session.abortTransaction();
        } finally {
          await session.endSession();
        }
      } finally {
        await cleanup();
      }
    });
  });
}

describe('query planner across a restart', () => {
  it('keeps an index multikey once it met an array', async () => {
    const dir = tempDir('eddydb-planner-');
    try {
      let client = await Client.open(dir);
      await client.db('p').collection('m').createIndex({ a: 1 });
      await client.db('p').collection('m').insertMany([{ _id: 1, a: [1, 9] }, { _id: 2, a: 4 }]);
      await client.close();
      client = await Client.open(dir);
      const c = client.db('p').collection('m');
      const explained = (await c.find({ a: { $gt: 5, $lt: 3 } }).explain('executionStats')) as unknown as Explained;
      assert.equal(explained.queryPlanner.winningPlan.inputStage?.isMultiKey, true);
      assert.deepEqual((await c.find({ a: { $gt: 5, $lt: 3 } }).toArray()).map((d) => d._id), [1]);
      await client.close();
    } finally {
      removeDir(dir);
    }
  });
});
