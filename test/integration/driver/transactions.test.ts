import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { clientFor, rejectsWith, startInProcess } from './harness.js';

// Until transactions exist they are refused, never half-applied: a write sent inside a transaction must not
// become visible or stay after the "transaction" fails.
describe('transactions are refused, nothing applied', () => {
  let server: RunningServer;
  let client: MongoClient;

  before(async () => {
    server = await startInProcess();
    client = clientFor(server.address);
  });
  after(async () => {
    await client.close();
    await server.close();
  });

  it('session.withTransaction() fails with NotImplemented and leaves no write behind', async () => {
    const coll = client.db('txn').collection<{ _id: number }>('c');
    const session = client.startSession();
    try {
      const err = await rejectsWith(
        session.withTransaction(async () => {
          await coll.insertOne({ _id: 1 }, { session });
          await coll.insertOne({ _id: 2 }, { session });
        }),
        238,
        { codeName: 'NotImplemented' },
      );
      assert.match(err.message, /transactions are not supported/);
      assert.equal(err.hasErrorLabel('TransientTransactionError'), false);
    } finally {
      await session.endSession();
    }
    assert.deepEqual(await coll.find().toArray(), []);
  });

  it('a raw command with autocommit: false is refused and not run', async () => {
    const db = client.db('txn');
    await rejectsWith(db.command({ insert: 'raw', documents: [{ _id: 1 }], autocommit: false, startTransaction: true, txnNumber: 1 }), 238);
    assert.equal(await db.collection('raw').countDocuments(), 0);
  });
});
