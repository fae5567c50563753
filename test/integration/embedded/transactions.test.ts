import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MongoServerError } from '../../../src/index.js';
import { modes, openClient } from '../../helpers/embedded.js';

type Doc = { _id: number; n?: number };

// The embedded client's sessions run transactions as the Node driver's do, through the same commands.
describe('embedded transactions', () => {
  for (const mode of modes()) {
    describe(mode, () => {
      it('commit applies everything at once; abort and a throwing callback leave nothing', async () => {
        const { client, cleanup } = await openClient(mode);
        try {
          const coll = client.db('etx').collection<Doc>('c');
          const stream = coll.watch();
          const session = client.startSession();
          session.startTransaction();
          await coll.insertOne({ _id: 1 }, { session });
          await coll.updateOne({ _id: 1 }, { $set: { n: 1 } }, { session });
          assert.deepEqual(await coll.findOne({ _id: 1 }, { session }), { _id: 1, n: 1 }, 'its own writes');
          assert.equal(await coll.findOne({ _id: 1 }), null, 'invisible outside before the commit');
          assert.equal(await stream.tryNext(), null, 'no event before the commit');
          await session.commitTransaction();
          assert.deepEqual(await coll.findOne({ _id: 1 }), { _id: 1, n: 1 });
          const events = [await stream.next(), await stream.next()];
          assert.deepEqual(events.map((e) => e.operationType), ['insert', 'update']);
          assert.ok(events.every((e) => (e as { lsid?: unknown }).lsid), 'transaction events carry lsid');

          session.startTransaction();
          await coll.insertOne({ _id: 2 }, { session });
          await session.abortTransaction();
          await assert.rejects(session.withTransaction(async (s) => {
            await coll.insertOne({ _id: 3 }, { session: s });
            throw new Error('callback failed');
          }), /callback failed/);
          assert.deepEqual(await coll.find().toArray(), [{ _id: 1, n: 1 }]);
          await session.endSession();
          await stream.close();
        } finally {
          await cleanup();
        }
      });

      it('withTransaction retries a write conflict until both increments commit', async () => {
        const { client, cleanup } = await openClient(mode);
        try {
          const coll = client.db('etx').collection<Doc>('counter');
          await coll.insertOne({ _id: 1, n: 0 });
          const a = client.startSession();
          const b = client.startSession();
          a.startTransaction();
          await coll.updateOne({ _id: 1 }, { $inc: { n: 1 } }, { session: a });
          b.startTransaction();
          const conflict = await coll.updateOne({ _id: 1 }, { $inc: { n: 1 } }, { session: b }).then(() => null, (e: unknown) => e);
          assert.ok(conflict instanceof MongoServerError && conflict.code === 112 && conflict.hasErrorLabel('TransientTransactionError'), String(conflict));
          await b.abortTransaction();
          await a.commitTransaction();
          let attempts = 0;
          await Promise.all([a, b].map((s) => s.withTransaction(async (session) => {
            attempts++;
            const doc = await coll.findOne({ _id: 1 }, { session });
            await coll.updateOne({ _id: 1 }, { $set: { n: (doc?.n ?? 0) + 1 } }, { session });
          })));
          assert.ok(attempts >= 2);
          assert.equal((await coll.findOne({ _id: 1 }))?.n, 3);
          await a.endSession();
          await b.endSession();
        } finally {
          await cleanup();
        }
      });
    });
  }
});
