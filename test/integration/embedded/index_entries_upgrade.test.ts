// A store whose index entries predate sparse/partial filtering and multikey flags is rebuilt once at open: entries a
// sparse index must not hold are gone, and an index that holds an array's elements is flagged multikey.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../../../src/index.js';
import { encodeKey } from '../../../src/bson/index.js';
import { openSqliteStorage } from '../../../src/storage/index.js';
import { removeDir, tempDir } from '../../helpers/embedded.js';

describe('index entries written before the planner read them', () => {
  it('are rebuilt at open, in chunks, so sparse indexes hold only what they cover', async () => {
    const dir = tempDir('eddydb-upgrade-');
    try {
      let client = await Client.open(dir);
      const c = client.db('u').collection('c');
      await c.createIndex({ s: 1 }, { sparse: true });
      await c.createIndex({ t: 1 });
      await c.insertMany(Array.from({ length: 5000 }, (_, i) => (i % 2 === 0 ? { _id: i, s: i, t: i } : { _id: i, t: [i, i + 1] })));
      await client.close();
      // As an older eddydb left it: a sparse index holding a document without the field, no multikey flag.
      const storage = await openSqliteStorage(dir);
      await storage.write(async (w) => {
        const info = await w.getCollection({ db: 'u', name: 'c' });
        await w.insertIndexEntry({ coll: info!.uuid, index: 's_1', key: encodeKey(null), recordKey: encodeKey(1), unique: false });
        await w.setMeta({ key: `multikey:${info!.uuid}:t_1`, value: '0' });
        await w.setMeta({ key: 'indexEntriesVersion', value: '1' });
      });
      await storage.close();
      client = await Client.open(dir);
      const reopened = client.db('u').collection('c');
      assert.equal(await reopened.countDocuments({}, { hint: 's_1' }), 2500);
      const explained = (await reopened.find({ t: 3 }).explain('queryPlanner')) as { queryPlanner: { winningPlan: { inputStage: { isMultiKey: boolean } } } };
      assert.equal(explained.queryPlanner.winningPlan.inputStage.isMultiKey, true);
      assert.deepEqual((await reopened.find({ t: { $gte: 4, $lte: 3 } }).toArray()).map((d) => d._id), [3]);
      await client.close();
    } finally {
      removeDir(dir);
    }
  });
});
