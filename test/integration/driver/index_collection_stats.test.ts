/**
 * `$indexStats` and `$collStats` through the official driver. `$indexStats` lists every index in mongod's shape
 * (`name`, `key`, `host`, `accesses: {ops, since}`, `spec`), counts the uses the planner records, and starts an
 * index's count again when it is dropped and created again. `$collStats: {latencyStats}` reports each collection's
 * reads, writes and commands with their summed latency and, with `histograms: true`, mongod's buckets; its
 * `storageStats` and `count` have mongod's fields. Errors carry mongod's codes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Document, MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { getCollectionInfo } from '../../../src/engine/catalog.js';
import { LATENCY_BUCKET_LOWER_BOUNDS } from '../../../src/engine/top.js';
import { clientFor, rejectsWith, startInProcess } from './harness.js';

const DB = 'stats_test';

interface Doc {
  _id: number;
  [field: string]: unknown;
}

describe('$indexStats', () => {
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

  async function uuidOf(coll: string): Promise<string> {
    const info = await server.engine.read((r) => getCollectionInfo(r, DB, coll));
    assert.ok(info);
    return info.uuid;
  }

  it('lists every index in mongod\'s shape, with the uses recorded for it', async () => {
    const coll = client.db(DB).collection<Doc>('indexed');
    await coll.insertOne({ _id: 1, a: 1 });
    const before = new Date(Date.now() - 1);
    await coll.createIndex({ a: 1 }, { name: 'a_1', unique: true });
    const uuid = await uuidOf('indexed');
    server.engine.indexUsage.record(uuid, 'a_1');
    server.engine.indexUsage.record(uuid, 'a_1');
    const stats = await coll.aggregate([{ $indexStats: {} }, { $sort: { name: 1 } }]).toArray();
    assert.deepEqual(stats.map((s) => s.name), ['_id_', 'a_1']);
    const [id, a] = stats as Document[];
    assert.deepEqual(Object.keys(a!), ['name', 'key', 'host', 'accesses', 'spec']);
    assert.deepEqual(a!.key, { a: 1 });
    assert.equal(a!.host, server.address);
    assert.equal(a!.accesses.ops, 2);
    assert.ok(a!.accesses.since instanceof Date && a!.accesses.since >= before);
    assert.deepEqual(a!.spec, { v: 2, key: { a: 1 }, name: 'a_1', unique: true });
    assert.equal(id!.accesses.ops, 0);
    assert.deepEqual(id!.spec, { v: 2, key: { _id: 1 }, name: '_id_' });
  });

  it('starts an index\'s count again when it is dropped and created, and a collection\'s when it is dropped', async () => {
    const coll = client.db(DB).collection<Doc>('recreated');
    await coll.createIndex({ b: 1 });
    const uuid = await uuidOf('recreated');
    server.engine.indexUsage.record(uuid, 'b_1');
    await coll.dropIndex('b_1');
    await coll.createIndex({ b: 1 });
    const [b] = await coll.aggregate([{ $indexStats: {} }, { $match: { name: 'b_1' } }]).toArray();
    assert.equal(b!.accesses.ops, 0);
    server.engine.indexUsage.record(uuid, 'b_1');
    await coll.drop();
    assert.equal(server.engine.indexUsage.accesses(uuid, 'b_1').ops, 0);
  });

  it('marks an index still building', async () => {
    const admin = client.db('admin');
    const coll = client.db(DB).collection<Doc>('building');
    await coll.insertMany(Array.from({ length: 2000 }, (_, i) => ({ _id: i, c: i })));
    await admin.command({ configureFailPoint: 'hangAfterStartingIndexBuild', mode: 'alwaysOn' });
    const before = server.context.failPoints.timesEntered('hangAfterStartingIndexBuild');
    const build = coll.createIndex({ c: 1 });
    try {
      await admin.command({ waitForFailPoint: 'hangAfterStartingIndexBuild', timesEntered: before + 1, maxTimeMS: 60_000 });
      const stats = await coll.aggregate([{ $indexStats: {} }, { $sort: { name: 1 } }]).toArray();
      assert.deepEqual(stats.map((s) => [s.name, s.building]), [['_id_', undefined], ['c_1', true]]);
      assert.deepEqual(Object.keys(stats[1]!), ['name', 'key', 'host', 'accesses', 'spec', 'building']);
      assert.deepEqual(stats[1]!.spec, { v: 2, key: { c: 1 }, name: 'c_1' });
    } finally {
      await admin.command({ configureFailPoint: 'hangAfterStartingIndexBuild', mode: 'off' });
      await build;
    }
    const [done] = await coll.aggregate([{ $indexStats: {} }, { $match: { name: 'c_1' } }]).toArray();
    assert.equal(done!.building, undefined);
  });

  it('answers nothing for a missing collection, and mongod\'s errors otherwise', async () => {
    const db = client.db(DB);
    assert.deepEqual(await db.collection('missing').aggregate([{ $indexStats: {} }]).toArray(), []);
    await rejectsWith(db.collection('indexed').aggregate([{ $indexStats: { x: 1 } }]).toArray(), 28803, {
      message: 'The $indexStats stage specification must be an empty object',
    });
    await rejectsWith(db.collection('indexed').aggregate([{ $match: {} }, { $indexStats: {} }]).toArray(), 40602, {
      message: '$indexStats is only valid as the first stage in a pipeline',
    });
    await rejectsWith(db.aggregate([{ $indexStats: {} }]).toArray(), 73, { codeName: 'InvalidNamespace' });
    await db.createCollection('indexed_view', { viewOn: 'indexed', pipeline: [] });
    await rejectsWith(db.collection('indexed_view').aggregate([{ $indexStats: {} }]).toArray(), 166, { codeName: 'CommandNotSupportedOnView' });
  });
});

describe('$collStats', () => {
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

  it('latencyStats counts each collection\'s reads, writes and commands', async () => {
    const db = client.db(DB);
    const coll = db.collection<Doc>('timed');
    await coll.insertMany([{ _id: 1 }, { _id: 2 }]);
    await coll.updateOne({ _id: 1 }, { $set: { a: 1 } });
    await coll.find({}).toArray();
    await coll.countDocuments();
    await coll.createIndex({ a: 1 });
    await db.collection<Doc>('other').insertOne({ _id: 1 });
    const [stats] = await coll.aggregate([{ $collStats: { latencyStats: {} } }]).toArray();
    assert.deepEqual(Object.keys(stats!), ['ns', 'host', 'localTime', 'latencyStats']);
    const latency = stats!.latencyStats as Document;
    assert.deepEqual(Object.keys(latency), ['reads', 'writes', 'commands', 'transactions']);
    assert.deepEqual(Object.keys(latency.reads), ['latency', 'ops']);
    // find and the count's aggregate; insert and update; createIndexes.
    assert.equal(latency.reads.ops, 2);
    assert.equal(latency.writes.ops, 2);
    assert.equal(latency.commands.ops, 1);
    assert.equal(latency.transactions.ops, 0);
    assert.ok(latency.reads.latency > 0 && latency.writes.latency > 0);
    // The stage's own aggregate is counted once it is done.
    const [again] = await coll.aggregate([{ $collStats: { latencyStats: { histograms: true } } }]).toArray();
    const withHistograms = again!.latencyStats as Document;
    assert.equal(withHistograms.reads.ops, 3);
    assert.deepEqual(Object.keys(withHistograms.reads), ['histogram', 'latency', 'ops']);
    for (const kind of ['reads', 'writes', 'commands']) {
      const histogram = withHistograms[kind].histogram as Document[];
      assert.equal(histogram.reduce((n, b) => n + b.count, 0), withHistograms[kind].ops, kind);
      for (const bucket of histogram) assert.ok(LATENCY_BUCKET_LOWER_BOUNDS.includes(bucket.micros) && bucket.count > 0);
    }
    assert.deepEqual(withHistograms.transactions.histogram, []);
    // Dropping the collection forgets its figures.
    await coll.drop();
    const [fresh] = await coll.aggregate([{ $collStats: { latencyStats: {} } }]).toArray();
    assert.equal((fresh!.latencyStats as Document).writes.ops, 0);
    await rejectsWith(coll.aggregate([{ $collStats: { latencyStats: { histograms: 1 } } }]).toArray(), 14, { codeName: 'TypeMismatch' });
    await rejectsWith(coll.aggregate([{ $collStats: { latencyStats: { bogus: true } } }]).toArray(), 40415, { codeName: 'IDLUnknownField' });
  });

  it('storageStats and count have mongod\'s fields', async () => {
    const db = client.db(DB);
    const coll = db.collection<Doc>('sized');
    await coll.insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: i, pad: 'x'.repeat(100) })));
    await coll.createIndex({ pad: 1 });
    const [stats] = await coll.aggregate([{ $collStats: { storageStats: {}, count: {} } }]).toArray();
    assert.equal(stats!.count, 10);
    const storage = stats!.storageStats as Document;
    for (const field of ['size', 'count', 'avgObjSize', 'numOrphanDocs', 'storageSize', 'freeStorageSize', 'capped', 'nindexes', 'indexDetails', 'indexBuilds', 'totalIndexSize', 'totalSize', 'indexSizes', 'scaleFactor']) {
      assert.ok(field in storage, `storageStats.${field} missing`);
    }
    assert.equal(storage.ns, undefined);
    assert.equal(storage.count, 10);
    assert.equal(storage.nindexes, 2);
    assert.deepEqual(Object.keys(storage.indexSizes).sort(), ['_id_', 'pad_1']);
    assert.equal(storage.totalIndexSize, storage.indexSizes._id_ + storage.indexSizes.pad_1);
    assert.equal(storage.totalSize, storage.storageSize + storage.totalIndexSize);
    await rejectsWith(db.collection('absent').aggregate([{ $collStats: { storageStats: {} } }]).toArray(), 26, {
      message: `Unable to retrieve storageStats in $collStats stage :: caused by :: Collection [${DB}.absent] not found.`,
    });
  });
});
