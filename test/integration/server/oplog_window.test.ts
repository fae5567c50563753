import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient, Timestamp } from 'mongodb';
import { startServer, type RunningServer } from '../../../src/server/index.js';

function seconds(ts: Timestamp): number {
  return ts.high;
}

function compareTs(a: Timestamp, b: Timestamp): number {
  return a.high !== b.high ? a.high - b.high : a.low - b.low;
}

describe('oplog window in serverStatus and optimes in replSetGetStatus', () => {
  let server: RunningServer;
  let client: MongoClient;

  before(async () => {
    // 1 MB of retention so that a few hundred KB of writes make retention cut the oplog.
    server = await startServer({ port: 0, bindIp: '127.0.0.1', dbpath: ':memory:', replSet: 'rs0', enableTestCommands: false, oplogSizeMB: 1 });
    client = new MongoClient(`mongodb://${server.address}/?replicaSet=rs0&serverSelectionTimeoutMS=5000`);
    await client.connect();
  });

  after(async () => {
    await client?.close();
    await server?.close();
  });

  test('an empty oplog has null times and a zero window', async () => {
    const status = await client.db('admin').command({ serverStatus: 1 });
    assert.deepEqual(status.oplog, {
      firstTime: null, lastTime: null, sizeBytes: 0, maxSizeBytes: 1024 * 1024, minRetentionHours: 0, windowSeconds: 0,
      truncatedThrough: null,
    });
    // mongod's sections are still there.
    assert.equal(typeof status.connections.current, 'number');
    assert.ok(status.repl.lastWrite.opTime.ts instanceof Timestamp);
  });

  test('writes move lastTime and sizeBytes; retention moves firstTime and sets truncatedThrough', async () => {
    const coll = client.db('w').collection('c');
    const first = await coll.insertOne({ n: 0 });
    assert.ok(first.acknowledged);
    let status = await client.db('admin').command({ serverStatus: 1 });
    const firstTime = status.oplog.firstTime as Timestamp;
    assert.ok(firstTime instanceof Timestamp);
    // The implicit create and the insert: two entries, in the same second or the next.
    assert.ok(compareTs(status.oplog.lastTime, firstTime) > 0);
    assert.ok(status.oplog.sizeBytes > 0);
    assert.ok(status.oplog.windowSeconds <= 1);

    const pad = 'x'.repeat(10_000);
    for (let i = 0; i < 15; i++) {
      await coll.insertMany(Array.from({ length: 10 }, (_, j) => ({ i, j, pad })));
    }
    // Trimming runs in the background, after the writes' replies.
    await server.engine.oplogTrimSettled();
    status = await client.db('admin').command({ serverStatus: 1 });
    const oplog = status.oplog;
    assert.ok(compareTs(oplog.firstTime, firstTime) > 0, 'the oldest entries were cut');
    assert.ok(oplog.truncatedThrough instanceof Timestamp);
    assert.ok(compareTs(oplog.truncatedThrough, oplog.firstTime) < 0);
    assert.ok(oplog.sizeBytes <= 1024 * 1024, `size ${oplog.sizeBytes} within the limit`);
    assert.ok(compareTs(oplog.lastTime, oplog.firstTime) > 0);
    assert.equal(oplog.windowSeconds, seconds(oplog.lastTime) - seconds(oplog.firstTime));

    // lastTime is the newest write, which is what replSetGetStatus reports as committed.
    const rs = await client.db('admin').command({ replSetGetStatus: 1 });
    assert.equal(compareTs(rs.optimes.lastCommittedOpTime.ts, oplog.lastTime), 0);
    assert.equal(compareTs(rs.optimes.appliedOpTime.ts, oplog.lastTime), 0);
  });

  test('serverStatus {oplog: 0} leaves the section out', async () => {
    const status = await client.db('admin').command({ serverStatus: 1, oplog: 0 });
    assert.equal(status.oplog, undefined);
  });

  test('replSetGetStatus optimes follow the engine\'s committed time', async () => {
    const write = await client.db('w').collection('c').insertOne({ at: 'now' });
    assert.ok(write.acknowledged);
    const rs = await client.db('admin').command({ replSetGetStatus: 1 });
    const committed = server.engine.committedTs;
    const expected = new Timestamp({ t: Number(committed >> 32n), i: Number(committed & 0xffffffffn) });
    for (const name of ['lastCommittedOpTime', 'readConcernMajorityOpTime', 'appliedOpTime', 'durableOpTime', 'writtenOpTime']) {
      assert.equal(compareTs(rs.optimes[name].ts, expected), 0, name);
      assert.equal(Number(rs.optimes[name].t), 1, `${name}.t`);
    }
    for (const name of ['lastCommittedWallTime', 'lastAppliedWallTime', 'lastDurableWallTime', 'lastWrittenWallTime']) {
      assert.ok(rs.optimes[name] instanceof Date, name);
    }
    assert.equal(compareTs(rs.lastStableRecoveryTimestamp, expected), 0);
    const me = rs.members[0];
    assert.equal(compareTs(me.optime.ts, expected), 0);
    assert.equal(compareTs(me.optimeDurable.ts, expected), 0);
    assert.ok(me.optimeDate instanceof Date);
  });
});
