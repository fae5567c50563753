/**
 * Multi-document transactions through the official driver: atomic commit, nothing visible before it, nothing left
 * after an abort, snapshot reads, write conflicts that withTransaction() retries, and change events that arrive
 * only at commit, all of them, with lsid and txnNumber.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Timestamp, type MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { clientFor, rejectsWith, startInProcess } from './harness.js';

type Doc = { _id: number; n?: number; by?: string };

describe('multi-document transactions', () => {
  let server: RunningServer;
  let client: MongoClient;
  let other: MongoClient;

  before(async () => {
    server = await startInProcess();
    client = clientFor(server.address);
    other = clientFor(server.address);
  });
  after(async () => {
    await client.close();
    await other.close();
    await server.close();
  });

  it('commits atomically: invisible to others until commitTransaction, then all there', async () => {
    const coll = client.db('txn').collection<Doc>('commit');
    const seen = other.db('txn').collection<Doc>('commit');
    await coll.insertOne({ _id: 0, n: 0 });
    const session = client.startSession();
    try {
      session.startTransaction();
      await coll.insertOne({ _id: 1 }, { session });
      await coll.updateOne({ _id: 0 }, { $inc: { n: 1 } }, { session });
      assert.deepEqual(await coll.find({}, { session }).sort({ _id: 1 }).toArray(), [{ _id: 0, n: 1 }, { _id: 1 }], 'the transaction reads its own writes');
      assert.deepEqual(await seen.find().sort({ _id: 1 }).toArray(), [{ _id: 0, n: 0 }], 'nobody else sees them yet');
      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
    assert.deepEqual(await seen.find().sort({ _id: 1 }).toArray(), [{ _id: 0, n: 1 }, { _id: 1 }]);
  });

  it('an abort, or a withTransaction callback that throws, leaves nothing behind', async () => {
    const coll = client.db('txn').collection<Doc>('abort');
    const session = client.startSession();
    try {
      session.startTransaction();
      await coll.insertOne({ _id: 1 }, { session });
      await session.abortTransaction();
      await assert.rejects(session.withTransaction(async () => {
        await coll.insertOne({ _id: 2 }, { session });
        throw new Error('the callback fails');
      }), /the callback fails/);
    } finally {
      await session.endSession();
    }
    assert.deepEqual(await coll.find().toArray(), []);
  });

  it('reads one snapshot: a write committed by someone else after the first read stays invisible', async () => {
    const coll = client.db('txn').collection<Doc>('snapshot');
    await coll.insertMany([{ _id: 1, n: 1 }, { _id: 2, n: 2 }]);
    const session = client.startSession();
    try {
      session.startTransaction();
      assert.equal((await coll.findOne({ _id: 1 }, { session }))?.n, 1);
      await other.db('txn').collection<Doc>('snapshot').updateOne({ _id: 2 }, { $set: { n: 20 } });
      await other.db('txn').collection<Doc>('snapshot').insertOne({ _id: 3, n: 3 });
      await other.db('txn').collection<Doc>('snapshot').deleteOne({ _id: 1 });
      assert.deepEqual(await coll.find({}, { session }).sort({ _id: 1 }).toArray(), [{ _id: 1, n: 1 }, { _id: 2, n: 2 }]);
      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
  });

  it('a write conflict is WriteConflict with TransientTransactionError, and withTransaction retries to success', async () => {
    const coll = client.db('txn').collection<Doc>('conflict');
    await coll.insertOne({ _id: 1, n: 0 });
    const first = client.startSession();
    const second = client.startSession();
    try {
      first.startTransaction();
      await coll.updateOne({ _id: 1 }, { $inc: { n: 1 } }, { session: first });
      second.startTransaction();
      const err = await rejectsWith(coll.updateOne({ _id: 1 }, { $inc: { n: 10 } }, { session: second }), 112, { codeName: 'WriteConflict' });
      assert.ok(err.hasErrorLabel('TransientTransactionError'));
      await second.abortTransaction().catch(() => undefined);
      await first.commitTransaction();

      // Two withTransaction() callbacks racing on one document both end committed: the loser retries.
      let attempts = 0;
      await Promise.all([first, second].map((session, i) => session.withTransaction(async () => {
        attempts++;
        const doc = await coll.findOne({ _id: 1 }, { session });
        await coll.updateOne({ _id: 1 }, { $set: { n: (doc?.n ?? 0) + 1, by: String(i) } }, { session });
      })));
      assert.ok(attempts >= 2);
      assert.equal((await coll.findOne({ _id: 1 }))?.n, 3, 'both increments, none lost');
    } finally {
      await first.endSession();
      await second.endSession();
    }
  });

  it('change streams see the transaction only when it commits, every write in order, with lsid and txnNumber', async () => {
    const coll = client.db('txn').collection<Doc>('events');
    const stream = other.db('txn').collection<Doc>('events').watch();
    await stream.tryNext();
    const session = client.startSession();
    try {
      session.startTransaction();
      await coll.insertOne({ _id: 1 }, { session });
      await coll.insertOne({ _id: 2 }, { session });
      await coll.deleteOne({ _id: 1 }, { session });
      assert.equal(await stream.tryNext(), null, 'nothing before the commit');
      await session.commitTransaction();
      // An aborted transaction leaves no event.
      session.startTransaction();
      await coll.insertOne({ _id: 9 }, { session });
      await session.abortTransaction();
    } finally {
      await session.endSession();
    }
    await coll.insertOne({ _id: 3 });
    const events = [await stream.next(), await stream.next(), await stream.next(), await stream.next()];
    assert.deepEqual(events.map((e) => [e.operationType, (e as { documentKey: { _id: number } }).documentKey._id]), [['insert', 1], ['insert', 2], ['delete', 1], ['insert', 3]]);
    for (const e of events.slice(0, 3)) {
      assert.ok((e as { lsid?: unknown }).lsid, 'lsid on a transaction event');
      assert.ok((e as { txnNumber?: unknown }).txnNumber !== undefined, 'txnNumber on a transaction event');
    }
    assert.equal((events[3] as { lsid?: unknown }).lsid, undefined);
    await stream.close();
  });

  it('commands mongod refuses in a transaction are refused: count is 263, a commit retried after success is fine, abort after commit is 256', async () => {
    const coll = client.db('txn').collection<Doc>('rules');
    await coll.insertOne({ _id: 1 });
    const session = client.startSession();
    try {
      session.startTransaction();
      await rejectsWith(client.db('txn').command({ count: 'rules' }, { session }), 263, { codeName: 'OperationNotSupportedInTransaction' });
      await session.abortTransaction().catch(() => undefined);
      session.startTransaction();
      await coll.insertOne({ _id: 2 }, { session });
      await session.commitTransaction();
      await session.commitTransaction();
      await rejectsWith(session.abortTransaction(), 256).catch((err: unknown) => {
        // The driver refuses abort after commit itself, without asking the server.
        assert.match(String(err), /Cannot call abortTransaction after calling commitTransaction/);
      });
    } finally {
      await session.endSession();
    }
    assert.equal(await coll.countDocuments(), 2);
  });

  it('ending a session aborts its open transaction: nothing of it is applied', async () => {
    const coll = client.db('txn').collection<Doc>('ended');
    const session = client.startSession();
    try {
      session.startTransaction();
      await coll.insertOne({ _id: 1 }, { session });
      await other.db('admin').command({ endSessions: [session.id] });
      await rejectsWith(session.commitTransaction(), 251, { codeName: 'NoSuchTransaction' });
    } finally {
      await session.endSession();
    }
    assert.equal(await coll.countDocuments(), 0);
  });

  it('a transaction open longer than transactionLifetimeLimitSeconds is aborted, and getParameter reports the limit', async () => {
    const short = await startInProcess({ transactionLifetimeLimitSeconds: 1 });
    const shortClient = clientFor(short.address);
    try {
      const param = await shortClient.db('admin').command({ getParameter: 1, transactionLifetimeLimitSeconds: 1 });
      assert.equal(param.transactionLifetimeLimitSeconds, 1);
      const coll = shortClient.db('txn').collection<Doc>('lifetime');
      const session = shortClient.startSession();
      try {
        session.startTransaction();
        await coll.insertOne({ _id: 1 }, { session });
        // Only a lower bound on the wait: the limit has certainly passed afterwards.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        await rejectsWith(coll.insertOne({ _id: 2 }, { session }), 251, { codeName: 'NoSuchTransaction', labels: ['TransientTransactionError'] });
        await session.abortTransaction().catch(() => undefined);
      } finally {
        await session.endSession();
      }
      assert.equal(await coll.countDocuments(), 0);
    } finally {
      await shortClient.close();
      await short.close();
    }
  });

  it('a snapshot session reads at its first read time, whatever is written after it', async () => {
    const coll = client.db('snap').collection<Doc>('c');
    await coll.insertMany([{ _id: 1, n: 1 }, { _id: 2, n: 2 }]);
    const session = client.startSession({ snapshot: true });
    try {
      assert.deepEqual(await coll.find({}, { session }).sort({ _id: 1 }).toArray(), [{ _id: 1, n: 1 }, { _id: 2, n: 2 }]);
      await coll.updateOne({ _id: 1 }, { $set: { n: 10 } });
      await coll.deleteOne({ _id: 2 });
      await coll.insertOne({ _id: 3, n: 3 });
      assert.deepEqual(await coll.find({}, { session }).sort({ _id: 1 }).toArray(), [{ _id: 1, n: 1 }, { _id: 2, n: 2 }], 'the same snapshot');
      assert.deepEqual((await coll.distinct('n', {}, { session })).sort(), [1, 2]);
      assert.equal(await coll.countDocuments({}, { session }), 2);
    } finally {
      await session.endSession();
    }
    assert.deepEqual(await coll.find().sort({ _id: 1 }).toArray(), [{ _id: 1, n: 10 }, { _id: 3, n: 3 }]);
  });

  it('an atClusterTime older than the kept history is SnapshotTooOld (239); writes with snapshot read concern are refused', async () => {
    const db = client.db('snap');
    await db.collection<Doc>('old').insertOne({ _id: 1 });
    // Long before any history was kept (the server keeps versions only while a snapshot or a transaction needs them).
    await rejectsWith(db.command({ find: 'old', readConcern: { level: 'snapshot', atClusterTime: new Timestamp({ t: 1, i: 0 }) } }), 239, { codeName: 'SnapshotTooOld' });
    await rejectsWith(db.command({ insert: 'old', documents: [{ _id: 3 }], readConcern: { level: 'snapshot' } }), 72);
  });

  it('an explicit create and an implicit one exist for others only once the transaction commits', async () => {
    const db = client.db('txn_create');
    const session = client.startSession();
    try {
      session.startTransaction();
      await db.createCollection('explicit', { session });
      await db.collection<Doc>('implicit').insertOne({ _id: 1 }, { session });
      const outside = (await client.db('txn_create').listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
      assert.deepEqual(outside, [], 'not visible before the commit');
      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
    assert.deepEqual(names, ['explicit', 'implicit']);
    assert.deepEqual(await db.collection<Doc>('implicit').find().toArray(), [{ _id: 1 }]);
  });
});
