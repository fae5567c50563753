/**
 * Requests that used to stop the server for everyone, sent through the official driver while another client keeps
 * pinging. Each test asserts on what comes back and on order (pings answered while the hostile request runs), never
 * on elapsed time: the p99 of those pings is measured by `npm run bench` (bench/scenarios/hostile.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MongoClient, Document } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { clientFor, rejectsWith, startInProcess } from '../driver/harness.js';

/** Enough ~150-byte documents that one getMore of all of them passes 16 MiB with its array overhead. */
const DOCS = 120_000;

async function scanned(client: MongoClient): Promise<number> {
  const status = await client.db('admin').command({ serverStatus: 1 });
  return Number(status.metrics.queryExecutor.scannedObjects);
}

/** Pings from a second client until `work` settles; returns its outcome and how many pings were answered meanwhile. */
async function pingingWhile<T>(pinger: MongoClient, work: Promise<T>): Promise<{ result: PromiseSettledResult<T>; pings: number }> {
  let done = false;
  let pings = 0;
  const settled = Promise.allSettled([work]).then(([r]) => {
    done = true;
    return r!;
  });
  const loop = (async () => {
    while (!done) {
      await pinger.db('admin').command({ ping: 1 });
      if (!done) pings++;
    }
  })();
  const result = await settled;
  await loop;
  return { result, pings };
}

describe('hostile requests against a large collection', () => {
  let server: RunningServer;
  let client: MongoClient;
  let pinger: MongoClient;
  let dbpath: string;

  before(async () => {
    dbpath = mkdtempSync(join(tmpdir(), 'eddydb-hostile-'));
    // A 1 MiB limit per blocking stage makes the collection big enough to need spilling without a huge test.
    server = await startInProcess({ dbpath, internalQueryMaxBlockingSortMemoryUsageBytes: 1024 * 1024 });
    client = clientFor(server.address);
    pinger = clientFor(server.address);
    await Promise.all([client.connect(), pinger.connect()]);
    const coll = client.db('h').collection('big');
    const pad = 'x'.repeat(100);
    for (let start = 0; start < DOCS; start += 20_000) {
      const docs: Document[] = [];
      for (let i = start; i < start + 20_000; i++) docs.push({ _id: i, r: (i * 7919) % DOCS, g: i % 5000, s: pad });
      await coll.insertMany(docs, { ordered: true });
    }
  });

  after(async () => {
    await client?.close();
    await pinger?.close();
    await server?.close();
    rmSync(dbpath, { recursive: true, force: true });
  });

  test('find().limit(1) reads one small chunk, not the collection', async () => {
    const before = await scanned(client);
    const docs = await client.db('h').collection('big').find({ r: { $gte: 0 } }).limit(1).toArray();
    assert.equal(docs.length, 1);
    const read = (await scanned(client)) - before;
    assert.ok(read >= 1 && read < 1000, `scanned ${read} documents for limit(1)`);
  });

  test('find({}).toArray() returns every document, in getMore batches cut by reply size', async () => {
    const docs = await client.db('h').collection('big').find({}, { projection: { _id: 1 } }).toArray();
    assert.equal(docs.length, DOCS);
    const all = await client.db('h').collection('big').find({}).toArray();
    assert.equal(all.length, DOCS);
    assert.equal(all[DOCS - 1]!._id, DOCS - 1);
  });

  test('a sort past the memory limit spills and returns the right order while pings are answered', async () => {
    const work = client.db('h').collection('big').find({}).sort({ r: -1 }).toArray();
    const { result, pings } = await pingingWhile(pinger, work);
    assert.equal(result.status, 'fulfilled');
    const docs = (result as PromiseFulfilledResult<Document[]>).value;
    assert.equal(docs.length, DOCS);
    for (let i = 1; i < docs.length; i++) assert.ok(docs[i - 1]!.r >= docs[i]!.r, `out of order at ${i}`);
    assert.ok(pings >= 1, 'no ping was answered while the sort ran');
    // The spill file is gone once the sort is done.
    assert.deepEqual(readdirSync(join(dbpath, '_tmp')), []);
  });

  test('a sort past the memory limit with allowDiskUse: false answers 292', async () => {
    await rejectsWith(client.db('h').collection('big').find({}).sort({ r: 1 }).allowDiskUse(false).toArray(), 292, {
      codeName: 'QueryExceededMemoryLimitNoDiskUseAllowed',
    });
    await rejectsWith(client.db('h').collection('big').aggregate([{ $sort: { r: 1 } }], { allowDiskUse: false }).toArray(), 292);
  });

  test('a sort with a limit keeps only the limit, whatever the memory limit', async () => {
    const docs = await client.db('h').collection('big').find({}).sort({ r: -1 }).limit(3).allowDiskUse(false).toArray();
    assert.deepEqual(docs.map((d) => d.r), [DOCS - 1, DOCS - 2, DOCS - 3]);
    const agg = await client.db('h').collection('big').aggregate([{ $sort: { r: 1 } }, { $skip: 2 }, { $limit: 2 }], { allowDiskUse: false }).toArray();
    assert.deepEqual(agg.map((d) => d.r), [2, 3]);
  });

  test('$group past the memory limit without allowDiskUse answers 292; within it, the groups are right', async () => {
    await rejectsWith(client.db('h').collection('big').aggregate([{ $group: { _id: '$_id', n: { $sum: 1 } } }], { allowDiskUse: false }).toArray(), 292);
    const groups = await client.db('h').collection('big').aggregate([{ $group: { _id: '$g', n: { $sum: 1 } } }, { $sort: { _id: 1 } }]).toArray();
    assert.equal(groups.length, 5000);
    assert.deepEqual(groups[0], { _id: 0, n: DOCS / 5000 });
  });

  test('maxTimeMS stops a long query with 50 MaxTimeMSExpired, and the server keeps serving', async () => {
    await rejectsWith(client.db('h').collection('big').find({}).sort({ s: 1, r: 1 }).maxTimeMS(1).toArray(), 50, { codeName: 'MaxTimeMSExpired' });
    await rejectsWith(client.db('h').collection('big').aggregate([{ $group: { _id: '$r' } }], { maxTimeMS: 1 }).toArray(), 50);
    await rejectsWith(client.db('h').command({ count: 'big', query: { r: { $lt: 0 } }, maxTimeMS: 1 }), 50);
    assert.equal((await pinger.db('admin').command({ ping: 1 })).ok, 1);
  });

  test('a find cursor carries its time limit into its getMores; a getMore cannot set its own', async () => {
    const db = client.db('h');
    const first = await db.command({ find: 'big', filter: {}, batchSize: 2 });
    const id = first.cursor.id;
    await rejectsWith(db.command({ getMore: id, collection: 'big', maxTimeMS: 100 }), 2, {
      message: 'cannot set maxTimeMS on getMore command for a non-awaitData cursor',
    });
    // The cursor survived the refused getMore.
    const next = await db.command({ getMore: id, collection: 'big', batchSize: 2 });
    assert.deepEqual(next.cursor.nextBatch.map((d: Document) => d._id), [2, 3]);
    await db.command({ killCursors: 'big', cursors: [id] });
  });

  test('an $unwind of an $unwind streams: 10^3 x 10^3 documents are counted without holding them', async () => {
    const coll = client.db('h').collection<{ _id: number }>('one');
    await coll.insertOne({ _id: 1 });
    const [counted] = await coll.aggregate([
      { $project: { a: { $range: [0, 1000] }, b: { $range: [0, 1000] } } },
      { $unwind: '$a' },
      { $unwind: '$b' },
      { $count: 'n' },
    ]).toArray();
    assert.deepEqual(counted, { n: 1_000_000 });
    const first = await coll.aggregate([
      { $project: { a: { $range: [0, 10000] }, b: { $range: [0, 10000] } } },
      { $unwind: '$a' },
      { $unwind: '$b' },
      { $project: { _id: 0, a: 1, b: 1 } },
      { $limit: 3 },
    ]).toArray();
    assert.deepEqual(first, [{ a: 0, b: 0 }, { a: 0, b: 1 }, { a: 0, b: 2 }]);
    // One array of two million elements is unwound as it is read, never held as two million documents.
    const [big] = await coll.aggregate([{ $project: { a: { $range: [0, 2_000_000] } } }, { $unwind: '$a' }, { $count: 'n' }]).toArray();
    assert.deepEqual(big, { n: 2_000_000 });
  });

  test('an $in of 100,000 values on _id is answered by point lookups', async () => {
    const ids = Array.from({ length: 100_000 }, (_, i) => i * 2);
    const n = await client.db('h').collection<{ _id: number }>('big').countDocuments({ _id: { $in: ids } });
    assert.equal(n, DOCS / 2);
  });
});
