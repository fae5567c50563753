/**
 * TTL indexes through the official driver: with `ttlMonitorSleepSecs` set to 1, the monitor deletes the documents
 * whose indexed field holds a date (or an array holding a date) older than `expireAfterSeconds`, and keeps the
 * others: future dates, non-date values, missing fields, documents outside a partial index. A clustered collection
 * with `expireAfterSeconds` expires by `_id`. Each deletion is a plain delete event on a change stream (with its
 * pre-image where the collection records them), and serverStatus counts passes and deleted documents. setParameter
 * and getParameter read and change the monitor's parameters with mongod's errors. The tests wait for documents to be
 * gone with a generous deadline and never depend on when a pass runs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Document, MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { Client } from '../../../src/index.js';
import { clientFor, eventually, rejectsWith, startInProcess, type Stream } from './harness.js';

const DB = 'ttl_test';

interface Doc {
  _id: unknown;
  [field: string]: unknown;
}
const PAST = new Date('2000-01-01T00:00:00Z');
const FUTURE = new Date('2100-01-01T00:00:00Z');
/** Long enough for several passes on a loaded two-core machine. */
const DEADLINE_MS = 60_000;

async function ids(client: MongoClient, coll: string): Promise<unknown[]> {
  return (await client.db(DB).collection(coll).find({}, { sort: { _id: 1 } }).toArray()).map((d) => d._id);
}

/** Reads events from `stream` until `count` of them are deletes; returns the deletes. */
async function deletes(stream: Stream, count: number): Promise<Document[]> {
  const found: Document[] = [];
  const deadline = Date.now() + DEADLINE_MS;
  while (found.length < count) {
    assert.ok(Date.now() < deadline, `only ${found.length} of ${count} delete events arrived`);
    const event = await stream.tryNext();
    if (event?.operationType === 'delete') found.push(event);
  }
  return found;
}

describe('TTL monitor', () => {
  let server: RunningServer;
  let client: MongoClient;

  before(async () => {
    server = await startInProcess();
    client = clientFor(server.address);
    await client.connect();
  });

  after(async () => {
    await client?.close();
    await server?.close();
  });

  it('getParameter shows the defaults and setParameter changes them, answering the old value', async () => {
    const admin = client.db('admin');
    const got = await admin.command({ getParameter: 1, ttlMonitorSleepSecs: 1, ttlMonitorEnabled: 1 });
    assert.equal(got.ttlMonitorSleepSecs, 60);
    assert.equal(got.ttlMonitorEnabled, true);
    const set = await admin.command({ setParameter: 1, ttlMonitorSleepSecs: 1 });
    assert.equal(set.was, 60);
    const details = await admin.command({ getParameter: { showDetails: true }, ttlMonitorSleepSecs: 1 });
    assert.deepEqual(details.ttlMonitorSleepSecs, { value: 1, settableAtRuntime: true, settableAtStartup: true });
  });

  it('setParameter refuses what mongod refuses', async () => {
    const admin = client.db('admin');
    await rejectsWith(admin.command({ setParameter: 1, ttlMonitorSleepSecs: 0 }), 2, {
      codeName: 'BadValue', message: 'Invalid value for parameter ttlMonitorSleepSecs: 0 is not greater than 0',
    });
    await rejectsWith(admin.command({ setParameter: 1, ttlMonitorSleepSecs: 'soon' }), 2, { codeName: 'BadValue', message: "Can't coerce value" });
    await rejectsWith(admin.command({ setParameter: 1, ttlMonitorSleepSecs: 1e12 }), 2, { codeName: 'BadValue', message: "Can't coerce value" });
    await rejectsWith(admin.command({ setParameter: 1, noSuchParameter: 1 }), 72, {
      codeName: 'InvalidOptions', message: 'attempted to set unrecognized parameter [noSuchParameter], use help:true to see options ',
    });
    await rejectsWith(admin.command({ setParameter: 1, enableTestCommands: 0 }), 20, {
      codeName: 'IllegalOperation', message: 'not allowed to change [enableTestCommands] at runtime',
    });
    await rejectsWith(admin.command({ setParameter: 1 }), 72, { codeName: 'InvalidOptions', message: 'no option found to set, use help:true to see options ' });
    await rejectsWith(client.db(DB).command({ setParameter: 1, ttlMonitorSleepSecs: 1 }), 13, { codeName: 'Unauthorized' });
    // Nothing was changed by the refused commands.
    assert.equal((await admin.command({ getParameter: 1, ttlMonitorSleepSecs: 1 })).ttlMonitorSleepSecs, 1);
  });

  it('deletes expired documents as ordinary deletes, and keeps the rest', async () => {
    const db = client.db(DB);
    const coll = db.collection<Doc>('sessions');
    await coll.createIndex({ lastSeen: 1 }, { expireAfterSeconds: 0 });
    const stream = db.collection<Doc>('sessions').watch([], { showExpandedEvents: true }) as unknown as Stream;
    await stream.tryNext();
    const before = (await db.admin().serverStatus()).metrics.ttl;
    await coll.insertMany([
      { _id: 1, lastSeen: PAST },
      { _id: 2, lastSeen: FUTURE },
      { _id: 3, lastSeen: [FUTURE, PAST] },
      { _id: 4, lastSeen: [FUTURE] },
      { _id: 5, lastSeen: 'yesterday' },
      { _id: 6, lastSeen: 946684800000 },
      { _id: 7 },
      { _id: 8, lastSeen: null },
      { _id: 9, lastSeen: new Date(Date.now() - 1000) },
      { _id: 10, lastSeen: { nested: PAST } },
    ]);
    await eventually(async () => (await coll.countDocuments()) === 7, 'the expired documents to be deleted', DEADLINE_MS);
    assert.deepEqual(await ids(client, 'sessions'), [2, 4, 5, 6, 7, 8, 10]);
    const events = await deletes(stream, 3);
    assert.deepEqual(events.map((e) => e.documentKey._id).sort(), [1, 3, 9]);
    for (const event of events) {
      assert.equal(event.operationType, 'delete');
      assert.deepEqual(event.ns, { db: DB, coll: 'sessions' });
      assert.deepEqual(Object.keys(event).sort(), ['_id', 'clusterTime', 'collectionUUID', 'documentKey', 'ns', 'operationType', 'wallTime']);
    }
    await stream.close();
    const status = (await db.admin().serverStatus()).metrics.ttl;
    assert.ok(Number(status.deletedDocuments) >= Number(before.deletedDocuments) + 3);
    assert.ok(Number(status.passes) > Number(before.passes));
    assert.ok(Number(status.subPasses) >= Number(status.passes));
  });

  it('expires through a descending index, and through a partial index only the documents it holds', async () => {
    const db = client.db(DB);
    await db.collection<Doc>('desc').createIndex({ at: -1 }, { expireAfterSeconds: 60 });
    await db.collection<Doc>('partial').createIndex({ at: 1 }, { expireAfterSeconds: 0, partialFilterExpression: { kind: 'temp' } });
    await db.collection<Doc>('desc').insertMany([{ _id: 1, at: PAST }, { _id: 2, at: new Date() }, { _id: 3, at: FUTURE }, { _id: 4, at: [PAST, PAST] }]);
    await db.collection<Doc>('partial').insertMany([{ _id: 1, at: PAST, kind: 'temp' }, { _id: 2, at: PAST, kind: 'keep' }, { _id: 3, at: PAST }]);
    await eventually(async () => (await db.collection<Doc>('desc').countDocuments()) === 2 && (await db.collection<Doc>('partial').countDocuments()) === 2, 'the expired documents to be deleted', DEADLINE_MS);
    assert.deepEqual(await ids(client, 'desc'), [2, 3]);
    assert.deepEqual(await ids(client, 'partial'), [2, 3]);
  });

  it('deletes more documents than one batch holds, with a pre-image for each where the collection keeps them', async () => {
    const db = client.db(DB);
    await db.createCollection('many', { changeStreamPreAndPostImages: { enabled: true } });
    const coll = db.collection<Doc>('many');
    await coll.createIndex({ expires: 1 }, { expireAfterSeconds: 0 });
    const stream = coll.watch([], { fullDocumentBeforeChange: 'required' }) as unknown as Stream;
    await stream.tryNext();
    const docs = Array.from({ length: 1000 }, (_, i) => ({ _id: i, expires: i % 2 === 0 ? PAST : FUTURE, n: i }));
    await coll.insertMany(docs);
    await eventually(async () => (await coll.countDocuments()) === 500, 'the expired half to be deleted', DEADLINE_MS);
    assert.equal(await coll.countDocuments({ expires: PAST }), 0);
    const events = await deletes(stream, 500);
    assert.deepEqual(events.map((e) => e.documentKey._id).sort((a, b) => a - b), docs.filter((d) => d.n % 2 === 0).map((d) => d._id));
    for (const event of events) assert.deepEqual(event.fullDocumentBeforeChange, docs[event.documentKey._id as number]);
    await stream.close();
  });

  it('expires a clustered collection by its _id', async () => {
    const db = client.db(DB);
    await db.createCollection('clustered', { clusteredIndex: { key: { _id: 1 }, unique: true }, expireAfterSeconds: 0 });
    const coll = db.collection<Doc>('clustered');
    await coll.insertMany([{ _id: PAST }, { _id: FUTURE }, { _id: 5 }, { _id: new Date(Date.now() - 5000) }]);
    await eventually(async () => (await coll.countDocuments()) === 2, 'the expired documents to be deleted', DEADLINE_MS);
    assert.deepEqual(await ids(client, 'clustered'), [5, FUTURE]);
  });

  it('runs no pass while ttlMonitorEnabled is false', async () => {
    const admin = client.db('admin');
    assert.equal((await admin.command({ setParameter: 1, ttlMonitorEnabled: false })).was, true);
    try {
      const coll = client.db(DB).collection<Doc>('disabled');
      await coll.createIndex({ at: 1 }, { expireAfterSeconds: 0 });
      await coll.insertOne({ _id: 1, at: PAST });
      const passes = server.engine.ttl.metrics.passes;
      // A pass asked for directly does nothing while disabled; the timer's passes call the same method.
      await server.engine.ttl.pass();
      assert.equal(server.engine.ttl.metrics.passes, passes);
      assert.equal(await coll.countDocuments(), 1);
    } finally {
      await admin.command({ setParameter: 1, ttlMonitorEnabled: true });
    }
    await eventually(async () => (await client.db(DB).collection<Doc>('disabled').countDocuments()) === 0, 'the document to expire once enabled', DEADLINE_MS);
  });
});

describe('TTL monitor set at startup', () => {
  it('takes ttlMonitorSleepSecs from the server options, and stops cleanly at close', async () => {
    const server = await startInProcess({ ttlMonitorSleepSecs: 1 });
    const client = clientFor(server.address);
    try {
      const admin = client.db('admin');
      assert.equal((await admin.command({ getParameter: 1, ttlMonitorSleepSecs: 1 })).ttlMonitorSleepSecs, 1);
      const coll = client.db(DB).collection<Doc>('startup');
      await coll.createIndex({ at: 1 }, { expireAfterSeconds: 0 });
      await coll.insertMany(Array.from({ length: 300 }, (_, i) => ({ _id: i, at: PAST })));
      await eventually(async () => (await coll.countDocuments()) === 0, 'the documents to expire', DEADLINE_MS);
    } finally {
      await client.close();
      await server.close();
    }
    assert.ok(server.engine.isClosed);
  });
});

describe('TTL monitor in the embedded client', () => {
  it('deletes expired documents and reports them in serverStatus', async () => {
    const client = await Client.open(undefined, { engine: 'memory' });
    try {
      await client.db('admin').command({ setParameter: 1, ttlMonitorSleepSecs: 1 });
      const coll = client.db(DB).collection<Doc>('embedded');
      await coll.createIndex({ at: 1 }, { expireAfterSeconds: 0 });
      await coll.insertMany([{ _id: 1, at: PAST }, { _id: 2, at: FUTURE }]);
      const deadline = Date.now() + DEADLINE_MS;
      while ((await coll.countDocuments()) !== 1) {
        assert.ok(Date.now() < deadline, 'the expired document was not deleted');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.deepEqual(await coll.find({}).toArray(), [{ _id: 2, at: FUTURE }]);
      const status = await client.db('admin').command({ serverStatus: 1 });
      assert.ok(Number((status.metrics as Document).ttl.deletedDocuments) >= 1);
    } finally {
      await client.close();
    }
  });
});
