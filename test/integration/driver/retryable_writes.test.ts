/**
 * Retryable writes through the official driver: a write sent again with the same session and txnNumber (what a
 * driver does after a network error) answers with its first result instead of running again, across a restart too,
 * and leaves one change event.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Long, UUID, type ClientSession, type Document, type MongoClient } from 'mongodb';
import { bodySection, opMsg, RawSocket } from './raw_wire.js';
import type { RunningServer } from '../../../src/server/index.js';
import { clientFor, disableFailPoints, rejectsWith, startInProcess } from './harness.js';

const DB = 'retryable';

describe('retryable writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddydb-retryable-'));
  let server: RunningServer;
  let client: MongoClient;

  before(async () => {
    server = await startInProcess({ dbpath: join(dir, 'db') });
    client = clientFor(server.address);
  });
  after(async () => {
    await client.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Runs `cmd` with `txnNumber` in an explicit session (the driver sends its lsid). The driver may hand out a pooled
   * server session its own retryable writes numbered from 1, so the numbers sent here start far above them.
   */
  function send(cmd: Document, session: ClientSession, txnNumber: number): Promise<Document> {
    return client.db(DB).command({ ...cmd, txnNumber: Long.fromNumber(1000 + txnNumber) }, { session });
  }

  /** Runs `cmd` twice as one retryable write (same session and txnNumber); returns both replies. */
  async function twice(cmd: Document, session: ClientSession, txnNumber: number): Promise<[Document, Document]> {
    return [await send(cmd, session, txnNumber), await send(cmd, session, txnNumber)];
  }

  it('an update, an insert and a delete sent twice run once; the second reply says which statements were retried', async () => {
    const coll = client.db(DB).collection<{ _id: number; n?: number }>('counts');
    await coll.insertOne({ _id: 1, n: 0 });
    const session = client.startSession();
    const [u1, u2] = await twice({ update: 'counts', updates: [{ q: { _id: 1 }, u: { $inc: { n: 1 } } }, { q: { _id: 9 }, u: { $set: { n: 9 } }, upsert: true }] }, session, 1);
    assert.equal(u1.n, 2);
    assert.equal(u2.n, 2);
    assert.equal(u2.nModified, 1);
    assert.deepEqual(u2.upserted, [{ index: 1, _id: 9 }]);
    assert.deepEqual(u2.retriedStmtIds, [0, 1]);
    assert.equal(u1.retriedStmtIds, undefined);
    assert.deepEqual(await coll.findOne({ _id: 1 }), { _id: 1, n: 1 }, 'one $inc, not two');

    const [i1, i2] = await twice({ insert: 'counts', documents: [{ _id: 2 }, { _id: 3 }] }, session, 2);
    assert.equal(i1.n, 2);
    assert.equal(i2.n, 2);
    assert.equal(i2.writeErrors, undefined, 'no DuplicateKey on the retry');
    assert.deepEqual(i2.retriedStmtIds, [0, 1]);

    const [d1, d2] = await twice({ delete: 'counts', deletes: [{ q: { _id: { $gte: 2 } }, limit: 1 }] }, session, 3);
    assert.equal(d1.n, 1);
    assert.equal(d2.n, 1, 'the first answer again');
    assert.equal(await coll.countDocuments({ _id: { $gte: 2, $lte: 3 } }), 1, 'one document deleted, not two');
  });

  it('findAndModify sent twice returns its original image', async () => {
    const coll = client.db(DB).collection<{ _id: number; v: number }>('images');
    await coll.insertOne({ _id: 1, v: 1 });
    const session = client.startSession();
    const [a, b] = await twice({ findAndModify: 'images', query: { _id: 1 }, update: { $inc: { v: 10 } } }, session, 5);
    assert.deepEqual(a.value, { _id: 1, v: 1 });
    assert.deepEqual(b.value, { _id: 1, v: 1 }, 'the pre-image of the first run');
    assert.deepEqual(await coll.findOne({ _id: 1 }), { _id: 1, v: 11 });
  });

  it('an older txnNumber on the session is TransactionTooOld (225); a newer one runs', async () => {
    const session = client.startSession();
    const db = client.db(DB);
    await send({ insert: 'order', documents: [{ _id: 1 }] }, session, 7);
    await rejectsWith(send({ insert: 'order', documents: [{ _id: 2 }] }, session, 6), 225, { codeName: 'TransactionTooOld' });
    const newer = await send({ insert: 'order', documents: [{ _id: 2 }] }, session, 8);
    assert.equal(newer.n, 1);
    assert.equal(await db.collection('order').countDocuments(), 2);
  });

  it('the driver retries after onPrimaryTransactionalWrite closes the connection, and the write happens once, with one event', async () => {
    const coll = client.db(DB).collection<{ _id: number; n: number }>('network');
    await coll.insertOne({ _id: 1, n: 0 });
    const stream = coll.watch();
    await stream.tryNext();
    await client.db('admin').command({ configureFailPoint: 'onPrimaryTransactionalWrite', mode: { times: 1 } });
    try {
      const result = await coll.updateOne({ _id: 1 }, { $inc: { n: 1 } });
      assert.equal(result.modifiedCount, 1);
    } finally {
      await disableFailPoints(client);
    }
    assert.deepEqual(await coll.findOne({ _id: 1 }), { _id: 1, n: 1 });
    const change = await stream.next();
    assert.equal(change.operationType, 'update');
    await coll.insertOne({ _id: 2, n: 0 });
    assert.equal((await stream.next()).operationType, 'insert', 'no second update event before the next write');
    await stream.close();
  });

  it('a retry after a restart still answers from the record', async () => {
    // Raw OP_MSG, so that both sends carry the same lsid across two server processes.
    const lsid = { id: new UUID() };
    const cmd = { update: 'restart', updates: [{ q: { _id: 1 }, u: { $inc: { n: 1 } }, upsert: true }], lsid, txnNumber: Long.fromNumber(1), $db: DB };
    const first = await rawCommand(server.port, cmd);
    assert.equal(first.n, 1);
    await client.close();
    await server.close();
    server = await startInProcess({ dbpath: join(dir, 'db') });
    client = clientFor(server.address);
    const again = await rawCommand(server.port, cmd);
    assert.deepEqual(again.retriedStmtIds, [0]);
    assert.deepEqual(await client.db(DB).collection<{ _id: number; n: number }>('restart').findOne({ _id: 1 }), { _id: 1, n: 1 });
  });
});

async function rawCommand(port: number, cmd: Document): Promise<Document> {
  const socket = await RawSocket.open(port);
  try {
    socket.write(opMsg([bodySection(cmd)]));
    const outcome = await socket.outcome();
    assert.ok(!('closed' in outcome), 'the server replied');
    assert.equal(outcome.reply.ok, 1, JSON.stringify(outcome.reply));
    return outcome.reply;
  } finally {
    socket.destroy();
  }
}
