import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, MongoServerError, Timestamp, type Document } from '../../../src/index.js';
import { removeDir, tempDir } from '../../helpers/embedded.js';

describe('streams across a restart of a file database', () => {
  it('resumes after a token taken before the restart, with no change lost or repeated', async () => {
    const dir = tempDir();
    try {
      let client = await Client.open(dir);
      let coll = client.db('app').collection('items');
      const stream = coll.watch();
      await coll.insertMany([{ _id: 1 }, { _id: 2 }]);
      assert.deepEqual((await stream.next()).documentKey, { _id: 1 });
      const token = stream.resumeToken as Document;
      const lastTime = (await client.db('admin').command({ ping: 1 })).operationTime as Timestamp;
      await client.close();

      client = await Client.open(dir);
      coll = client.db('app').collection('items');
      await coll.insertOne({ _id: 3 });
      const resumed = coll.watch([], { resumeAfter: token });
      const keys: unknown[] = [];
      for (let i = 0; i < 2; i++) keys.push((await resumed.next()).documentKey);
      assert.deepEqual(keys, [{ _id: 2 }, { _id: 3 }]);
      assert.equal(await resumed.tryNext(), null);
      // The cluster clock never goes back across a restart.
      const afterRestart = (await client.db('admin').command({ ping: 1 })).operationTime as Timestamp;
      assert.ok(afterRestart.greaterThan(lastTime));
      assert.deepEqual(await coll.find({}, { sort: { _id: 1 } }).toArray(), [{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
      await resumed.close();
      await client.close();
    } finally {
      removeDir(dir);
    }
  });

  it('resumes from an idle high-water-mark token after a restart', async () => {
    const dir = tempDir();
    try {
      let client = await Client.open(dir, { synchronous: 'full' });
      let coll = client.db('app').collection('idle');
      const stream = coll.watch([], { maxAwaitTimeMS: 10 });
      assert.equal(await stream.tryNext(), null);
      const token = stream.resumeToken as Document;
      await client.close();
      client = await Client.open(dir);
      coll = client.db('app').collection('idle');
      await coll.insertOne({ _id: 'after' });
      const resumed = coll.watch([], { resumeAfter: token });
      assert.deepEqual((await resumed.next()).documentKey, { _id: 'after' });
      await client.close();
    } finally {
      removeDir(dir);
    }
  });

  it('refuses a second client on a folder that is in use (DBPathInUse)', async () => {
    const dir = tempDir();
    try {
      const client = await Client.open(dir);
      await assert.rejects(() => Client.open(dir), (err: Error) => /DBPathInUse|already running|lock/i.test(err.message) || (err instanceof MongoServerError && err.code === 98));
      // The refused claim shares this process's pid with the first: giving it up must not remove the first's file.
      assert.equal(readFileSync(join(dir, 'mongod.lock'), 'utf8').trim(), String(process.pid));
      await client.close();
      const again = await Client.open(dir);
      await again.close();
    } finally {
      removeDir(dir);
    }
  });
});
