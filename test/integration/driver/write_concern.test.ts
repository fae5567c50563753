/**
 * Write concerns as a one-member replica set answers them, through the driver: w above 1 and unknown tags get a
 * writeConcernError after the write is done; j: true is acknowledged only once the write is on disk (the write-ahead
 * log checkpointed, so it is empty afterwards).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { MongoWriteConcernError, type MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { removeDir, tempDir } from '../../helpers/embedded.js';
import { clientFor, startInProcess } from './harness.js';

const WAL = 'eddydb.sqlite-wal';

describe('write concern through the driver', () => {
  const dir = tempDir('eddydb-wc-');
  let server: RunningServer;
  let client: MongoClient;

  before(async () => {
    server = await startInProcess({ dbpath: dir });
    client = clientFor(server.address);
  });

  after(async () => {
    await client?.close();
    await server?.close();
    removeDir(dir);
  });

  test('w: 2 is UnsatisfiableWriteConcern (100) and an unknown tag UnknownReplWriteConcern (79), the write done', async () => {
    const c = client.db('wc').collection<{ _id: number }>('c');
    await assert.rejects(c.insertOne({ _id: 1 }, { writeConcern: { w: 2 } }), (err: unknown) => err instanceof MongoWriteConcernError && err.code === 100);
    await assert.rejects(c.insertOne({ _id: 2 }, { writeConcern: { w: 'dc-east' as 'majority' } }), (err: unknown) => err instanceof MongoWriteConcernError && err.code === 79);
    assert.equal(await c.countDocuments(), 2);
  });

  test('j: true leaves nothing of the write in the write-ahead log: it reached the database file', async () => {
    const c = client.db('wc').collection<{ _id: number; pad: string }>('j');
    await c.insertOne({ _id: 1, pad: 'x'.repeat(10_000) });
    assert.ok(existsSync(join(dir, WAL)) && statSync(join(dir, WAL)).size > 0, 'an ordinary write stays in the WAL');
    await c.insertOne({ _id: 2, pad: 'y'.repeat(10_000) }, { writeConcern: { w: 1, j: true } });
    assert.equal(statSync(join(dir, WAL)).size, 0);
    await c.updateOne({ _id: 1 }, { $set: { pad: 'z' } }, { writeConcern: { w: 'majority', j: true, wtimeoutMS: 1000 } });
    assert.equal(statSync(join(dir, WAL)).size, 0);
    assert.equal((await c.findOne({ _id: 1 }))?.pad, 'z');
  });
});
