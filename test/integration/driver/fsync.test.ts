/**
 * fsync and fsyncUnlock through the official driver, as mongod answers them: `{fsync: 1}` checkpoints the store;
 * with `lock: true` it also holds writes back (counted, one fsyncUnlock per lock) while reads go on, and currentOp
 * says so. A write waiting for the lock ends with its maxTimeMS or a killOp.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Long, type Document, type MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { clientFor, eventually, rejectsWith, startInProcess } from './harness.js';

describe('fsync and fsyncUnlock', () => {
  let server: RunningServer;
  let client: MongoClient;

  before(async () => {
    server = await startInProcess();
    client = clientFor(server.address);
    await client.db('fs').collection('docs').insertOne({ _id: 1 } as Document);
  });

  after(async () => {
    server?.engine.fsyncLock.unlockAll();
    await client?.close();
    await server?.close();
  });

  const admin = (): ReturnType<MongoClient['db']> => client.db('admin');

  /** The in-progress insert into fs.docs, from currentOp. */
  async function waitingInsert(): Promise<Document | undefined> {
    const { inprog } = await admin().command({ currentOp: 1, ns: 'fs.docs', 'command.insert': 'docs' });
    return inprog[0];
  }

  test('{fsync: 1} checkpoints and answers numFiles; it runs only on admin', async () => {
    const reply = await admin().command({ fsync: 1 });
    assert.equal(reply.ok, 1);
    assert.equal(reply.numFiles, 1);
    await rejectsWith(client.db('fs').command({ fsync: 1 }), 13, { codeName: 'Unauthorized', message: 'fsync may only be run against the admin database.' });
    await rejectsWith(client.db('fs').command({ fsyncUnlock: 1 }), 13, { codeName: 'Unauthorized' });
  });

  test('fsyncUnlock with nothing locked is IllegalOperation', async () => {
    await rejectsWith(admin().command({ fsyncUnlock: 1 }), 20, { codeName: 'IllegalOperation', message: 'fsyncUnlock called when not locked' });
  });

  test('lock: true holds writes until the last fsyncUnlock; reads go on; currentOp shows the lock', async () => {
    const locked = await admin().command({ fsync: 1, lock: true });
    assert.equal(locked.ok, 1);
    assert.equal(locked.info, 'now locked against writes, use db.fsyncUnlock() to unlock');
    assert.equal(Number(locked.lockCount), 1);
    assert.equal(locked.seeAlso, 'http://dochub.mongodb.org/core/fsynccommand');
    const op = await admin().command({ currentOp: 1 });
    assert.equal(op.fsyncLock, true);
    assert.equal(op.info, 'use db.fsyncUnlock() to terminate the fsync write/snapshot lock');

    const docs = client.db('fs').collection('docs');
    const insert = docs.insertOne({ _id: 2 } as Document);
    await eventually(async () => (await waitingInsert()) !== undefined, 'the insert waits for the lock');
    assert.deepEqual(await docs.find().toArray(), [{ _id: 1 }], 'reads go on and do not see the waiting write');

    const twice = await admin().command({ fsync: 1, lock: true }, { promoteLongs: false });
    assert.ok(Long.isLong(twice.lockCount), 'lockCount is a 64-bit integer');
    assert.equal(Number(twice.lockCount), 2);
    const once = await admin().command({ fsyncUnlock: 1 }, { promoteLongs: false });
    assert.equal(once.info, 'fsyncUnlock completed');
    assert.equal(Number(once.lockCount), 1);
    assert.ok(Long.isLong(once.lockCount));
    assert.notEqual(await waitingInsert(), undefined, 'still locked: the insert still waits');
    assert.deepEqual(await docs.find().toArray(), [{ _id: 1 }]);

    const unlocked = await admin().command({ fsyncUnlock: 1 });
    assert.equal(Number(unlocked.lockCount), 0);
    assert.equal((await insert).insertedId, 2);
    assert.deepEqual(await docs.find().sort({ _id: 1 }).toArray(), [{ _id: 1 }, { _id: 2 }]);
    const after = await admin().command({ currentOp: 1 });
    assert.equal(after.fsyncLock, undefined);
    assert.equal(after.info, undefined);
  });

  test('a write waiting for the lock ends with its maxTimeMS or a killOp', async () => {
    await admin().command({ fsync: 1, lock: true });
    try {
      const docs = client.db('fs').collection('docs');
      await rejectsWith(docs.insertOne({ _id: 3 } as Document, { maxTimeMS: 50 }), 50, { codeName: 'MaxTimeMSExpired' });
      await rejectsWith(client.db('fs').command({ create: 'other', maxTimeMS: 20 }), 50, { codeName: 'MaxTimeMSExpired' });

      const insert = docs.insertOne({ _id: 4 } as Document);
      let waiting: Document | undefined;
      await eventually(async () => (waiting = await waitingInsert()) !== undefined, 'the insert waits for the lock');
      await admin().command({ killOp: 1, op: waiting!.opid });
      await rejectsWith(insert, 11601, { codeName: 'Interrupted' });
    } finally {
      await admin().command({ fsyncUnlock: 1 });
    }
    assert.deepEqual(await client.db('fs').collection<{ _id: number }>('docs').find({ _id: { $in: [3, 4] } }).toArray(), []);
  });
});
