/**
 * A write queued before a shutdown commits, and its caller must hear that it did: an error for a committed write
 * would make a client that trusts errors (retryWrites off) believe the write never happened. The oplog trim that a
 * write over --oplogSizeMB triggers runs after the commit, when the storage may already be closing.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../../src/engine/engine.js';
import { insertDocuments } from '../../../src/engine/write_ops.js';
import { openStorage } from '../../../src/storage/index.js';
import { findDocuments } from '../../../src/engine/read_ops.js';
import { removeDir, tempDir } from '../../helpers/embedded.js';

describe('a write racing a shutdown', () => {
  test('is acknowledged when it committed, even if the oplog trim after it finds the storage closed', async () => {
    const dir = tempDir();
    try {
      // 1 KB of oplog: every 2 KB insert crosses the limit and triggers a trim.
      let engine = await Engine.open(await openStorage(dir), { oplogSizeBytes: 1024 });
      await insertDocuments(engine, 'a', 'c', [{ _id: 0, pad: 'x'.repeat(2000) }]);
      // Queued before close: it runs and commits before the storage closes.
      const pending = insertDocuments(engine, 'a', 'c', [{ _id: 1, pad: 'x'.repeat(2000) }]);
      const closing = engine.close();
      const outcome = await pending.then((r) => `acknowledged n=${r.n}`, (err: Error) => `failed: ${err.message}`);
      await closing;

      engine = await Engine.open(await openStorage(dir));
      const ids = (await findDocuments(engine, 'a', 'c', { filter: {} })).map((d) => Number(d._id));
      await engine.close();
      assert.deepEqual(ids, [0, 1], 'the queued write committed');
      assert.equal(outcome, 'acknowledged n=1', 'a committed write is reported as committed');
    } finally {
      removeDir(dir);
    }
  });
});
