/**
 * The profiler through the official driver: the profile command's levels, slowms, sampleRate and filter, with
 * mongod's reply (`was`, `slowms`, `sampleRate`, `filter`, `note`) and errors; `<db>.system.profile` entries in
 * mongod's shape for queries, getMores, writes and commands, failed ones included; settings per database; the
 * global slowms governing slow-query log lines; and profiling never failing a command (a dropped or replaced
 * system.profile). No assertion depends on timing: level 2 profiles everything, level 1 is tested through a
 * filter, and slowms through log lines with a threshold every command passes (-1) or none does (10^6 ms).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Double, Long, type Document, type MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { clientFor, rejectsWith, startInProcess } from './harness.js';

interface Doc {
  _id: number;
  [field: string]: unknown;
}

/** The entries of `db.system.profile` for collection `coll`, oldest first. */
async function entries(client: MongoClient, db: string, filter: Document = {}): Promise<Document[]> {
  return client.db(db).collection('system.profile').find(filter).toArray();
}

describe('profiler', () => {
  let server: RunningServer;
  let client: MongoClient;
  const logged: Record<string, unknown>[] = [];

  before(async () => {
    server = await startInProcess({ log: (entry) => logged.push(entry as unknown as Record<string, unknown>) });
    client = clientFor(server.address, { appName: 'profiler-test' });
    await client.connect();
  });

  after(async () => {
    await client?.close();
    await server?.close();
  });

  it('profile -1 reads the settings; 0 to 2 set them and answer the previous ones', async () => {
    const db = client.db('prof_settings');
    const read = await db.command({ profile: -1 });
    assert.equal(read.was, 0);
    assert.equal(read.slowms, 100);
    assert.equal(read.sampleRate, 1);
    assert.equal(read.ok, 1);
    assert.equal(read.note, undefined);
    const set = await db.command({ profile: 1, slowms: 250, sampleRate: 0.5 });
    assert.deepEqual({ was: set.was, slowms: set.slowms, sampleRate: set.sampleRate }, { was: 0, slowms: 100, sampleRate: 1 });
    const now = await db.command({ profile: -1 });
    assert.deepEqual({ was: now.was, slowms: now.slowms, sampleRate: now.sampleRate }, { was: 1, slowms: 250, sampleRate: 0.5 });
    // slowms and sampleRate are the server's; the level is the database's.
    const other = await client.db('prof_other').command({ profile: -1 });
    assert.deepEqual({ was: other.was, slowms: other.slowms, sampleRate: other.sampleRate }, { was: 0, slowms: 250, sampleRate: 0.5 });
    // Turning profiling on created system.profile as mongod does: capped, 1 MB.
    const infos = await db.listCollections({ name: 'system.profile' }).toArray();
    assert.equal(infos.length, 1);
    assert.equal((infos[0] as Document).options.capped, true);
    assert.equal((infos[0] as Document).options.size, 1024 * 1024);
    await db.command({ profile: 0, slowms: 100, sampleRate: new Double(1) });
    assert.equal((await db.command({ profile: -1 })).was, 0);
  });

  it('the driver\'s setProfilingLevel and profilingLevel work on it', async () => {
    const db = client.db('prof_driver');
    assert.equal(await db.profilingLevel(), 'off');
    assert.equal(await db.setProfilingLevel('all'), 'all');
    assert.equal(await db.profilingLevel(), 'all');
    await db.setProfilingLevel('slow_only');
    assert.equal(await db.profilingLevel(), 'slow_only');
    await db.setProfilingLevel('off');
    assert.equal(await db.profilingLevel(), 'off');
  });

  it('a filter replaces slowms and sampleRate, is answered with a note, and is removed with "unset"', async () => {
    const db = client.db('prof_filter');
    const set = await db.command({ profile: 1, filter: { op: 'query', 'command.comment': 'wanted' } });
    assert.equal(set.was, 0);
    assert.equal(set.filter, undefined);
    assert.equal(set.note, 'When a filter expression is set, slowms and sampleRate are not used for profiling and slow-query log lines.');
    const coll = db.collection<Doc>('c');
    await coll.insertOne({ _id: 1 });
    await coll.find({}, { comment: 'wanted' }).toArray();
    await coll.find({}, { comment: 'unwanted' }).toArray();
    const found = await entries(client, 'prof_filter');
    assert.deepEqual(found.map((e) => [e.op, e.command.comment]), [['query', 'wanted']]);
    const read = await db.command({ profile: -1 });
    assert.deepEqual(read.filter, { op: 'query', 'command.comment': 'wanted' });
    assert.equal(typeof read.note, 'string');
    const unset = await db.command({ profile: 0, filter: 'unset' });
    assert.deepEqual(unset.filter, { op: 'query', 'command.comment': 'wanted' });
    const after = await db.command({ profile: -1 });
    assert.equal(after.filter, undefined);
    assert.equal(after.note, undefined);
  });

  it('refuses bad settings with mongod\'s errors and changes nothing', async () => {
    const db = client.db('prof_errors');
    await rejectsWith(db.command({ profile: 1, sampleRate: 1.5 }), 2, { codeName: 'BadValue', message: "'sampleRate' must be between 0.0 and 1.0 inclusive" });
    await rejectsWith(db.command({ profile: 1, filter: 5 }), 2, { codeName: 'BadValue', message: "Expected an object, or the string 'unset'." });
    await rejectsWith(db.command({ profile: 1, filter: { $bogus: 1 } }), 2, { codeName: 'BadValue' });
    await rejectsWith(db.command({ profile: 'on' }), 14, { codeName: 'TypeMismatch' });
    await rejectsWith(db.command({ profile: 1, slowms: 'slow' }), 14, { codeName: 'TypeMismatch' });
    assert.equal((await db.command({ profile: -1 })).was, 0);
  });

  it('level 2 writes an entry in mongod\'s shape for each operation of the database, and only of it', async () => {
    const db = client.db('prof_all');
    await db.command({ profile: 2 });
    const coll = db.collection<Doc>('items');
    await coll.insertMany([{ _id: 1, a: 1 }, { _id: 2, a: 2 }, { _id: 3, a: 3 }]);
    await coll.find({ a: { $gte: 2 } }).toArray();
    const cursor = coll.find({}, { batchSize: 1 });
    await cursor.toArray();
    await coll.updateOne({ _id: 1 }, { $set: { b: 1 } });
    await coll.deleteOne({ _id: 3 });
    await coll.countDocuments();
    await client.db('prof_elsewhere').collection<Doc>('x').insertOne({ _id: 1 });
    await db.command({ profile: 0 });

    const all = await entries(client, 'prof_all');
    assert.ok(all.every((e) => e.ns.startsWith('prof_all.')), JSON.stringify(all.map((e) => e.ns)));
    const byOp = (op: string, first: string) => all.filter((e) => e.op === op && Object.keys(e.command)[0] === first);

    const [insert] = byOp('insert', 'insert');
    assert.ok(insert);
    assert.equal(insert.ns, 'prof_all.items');
    assert.deepEqual(insert.ninserted, 3);
    assert.equal(insert.command.insert, 'items');
    assert.equal(insert.command.documents, undefined);

    const finds = byOp('query', 'find');
    assert.equal(finds.length, 2);
    const [filtered] = finds;
    assert.deepEqual(filtered!.command.filter, { a: { $gte: 2 } });
    assert.equal(filtered!.nreturned, 2);
    assert.equal(filtered!.cursorExhausted, true);
    for (const field of ['keysExamined', 'docsExamined', 'numYield', 'responseLength', 'millis']) {
      assert.equal(typeof filtered![field], 'number', field);
    }
    assert.ok(filtered!.responseLength > 0);
    assert.ok(filtered!.ts instanceof Date);
    assert.equal(filtered!.client, '127.0.0.1');
    assert.equal(filtered!.appName, 'profiler-test');
    assert.equal(filtered!.protocol, 'op_msg');
    assert.deepEqual(filtered!.allUsers, []);
    assert.equal(filtered!.user, '');
    assert.equal(filtered!._id, undefined);
    assert.deepEqual(Object.keys(filtered!).slice(0, 3), ['op', 'ns', 'command']);

    const batched = finds[1]!;
    assert.equal(batched.nreturned, 1);
    assert.equal(batched.cursorExhausted, undefined);
    const getMores = byOp('getmore', 'getMore');
    assert.ok(getMores.length >= 2);
    assert.equal(getMores[0]!.command.collection, 'items');
    assert.ok(getMores[0]!.cursorid instanceof Long || typeof getMores[0]!.cursorid === 'number');
    assert.equal(getMores[getMores.length - 1]!.cursorExhausted, true);

    const [update] = byOp('update', 'q');
    assert.deepEqual(update!.command, { q: { _id: 1 }, u: { $set: { b: 1 } }, multi: false, upsert: false });
    assert.deepEqual([update!.nMatched, update!.nModified, update!.nUpserted], [1, 1, 0]);
    const [remove] = byOp('remove', 'q');
    assert.deepEqual(remove!.command, { q: { _id: 3 }, limit: 1 });
    assert.equal(remove!.ndeleted, 1);
    const [count] = byOp('command', 'aggregate');
    assert.equal(count!.ns, 'prof_all.items');
    assert.equal(count!.nreturned, 1);
    // Settings are taken as a command starts: the profile command that turned profiling off is the last entry.
    assert.equal(Object.keys(all[all.length - 1]!.command)[0], 'profile');
    assert.equal(all[all.length - 1]!.command.profile, 0);
    assert.deepEqual(await entries(client, 'prof_elsewhere'), []);
  });

  it('writes nothing a change stream sees, and dropDatabase ends the database\'s profiling', async () => {
    const db = client.db('prof_streams');
    const stream = db.watch([], { showExpandedEvents: true });
    await stream.tryNext();
    await db.command({ profile: 2 });
    await db.collection<Doc>('c').insertOne({ _id: 1 });
    await db.collection<Doc>('c').findOne({ _id: 1 });
    assert.ok((await entries(client, 'prof_streams')).length >= 2);
    await db.collection<Doc>('c').insertOne({ _id: 2 });
    const events: Document[] = [];
    while (events.length < 3) {
      const event = await stream.tryNext();
      if (event) events.push(event);
    }
    assert.deepEqual(events.map((e) => [e.operationType, e.ns.coll]), [['create', 'c'], ['insert', 'c'], ['insert', 'c']]);
    await stream.close();
    await db.dropDatabase();
    assert.equal((await db.command({ profile: -1 })).was, 0);
    const names = (await client.db('admin').admin().listDatabases()).databases.map((d) => d.name);
    assert.ok(!names.includes('prof_streams'), JSON.stringify(names));
  });

  it('profiles failed commands with their error', async () => {
    const db = client.db('prof_fail');
    await db.command({ profile: 2 });
    await rejectsWith(db.collection<Doc>('c').find({ $bogus: 1 }).toArray(), 2);
    await db.command({ profile: 0 });
    const [failed] = await entries(client, 'prof_fail', { op: 'query' });
    assert.ok(failed);
    assert.equal(failed.ok, 0);
    assert.equal(failed.errName, 'BadValue');
    assert.equal(failed.errCode, 2);
    assert.match(failed.errMsg, /unknown top level operator: \$bogus/);
  });

  it('never fails a command: system.profile dropped, or replaced by a view', async () => {
    const db = client.db('prof_robust');
    await db.command({ profile: 2 });
    await db.collection('system.profile').drop();
    await db.collection<Doc>('c').insertOne({ _id: 1 });
    // Recreated by the next entry.
    await db.collection<Doc>('c').findOne({ _id: 1 });
    assert.ok((await entries(client, 'prof_robust')).length >= 1);
    await db.command({ profile: 0 });
    await db.collection('system.profile').drop();
    await db.createCollection('system.profile', { viewOn: 'c', pipeline: [] }).catch(() => undefined);
    await db.command({ profile: 2 });
    assert.deepEqual(await db.collection<Doc>('c').findOne({ _id: 1 }), { _id: 1 });
    await db.command({ profile: 0 });
  });

  it('keeps system.profile within its size, dropping the oldest entries', async () => {
    const db = client.db('prof_capped');
    await db.command({ profile: 2 });
    const big = 'x'.repeat(20_000);
    for (let i = 0; i < 80; i++) await db.collection<Doc>('c').findOne({ _id: i, pad: big });
    await db.command({ profile: 0 });
    const stats = await db.command({ collStats: 'system.profile' });
    assert.ok(stats.size <= 1024 * 1024, `system.profile holds ${stats.size} bytes`);
    const kept = await entries(client, 'prof_capped', { op: 'query' });
    assert.ok(kept.length > 0 && kept.length < 80);
    // The newest survived: the last find is there.
    assert.deepEqual(kept[kept.length - 1]!.command.filter._id, 79);
  });

  it('slowms governs the slow-query log lines', async () => {
    const db = client.db('prof_log');
    await db.command({ profile: 0, slowms: -1 });
    logged.length = 0;
    await db.collection<Doc>('c').findOne({});
    const line = logged.find((e) => {
      const attr = e.attr as Document | undefined;
      return e.msg === 'Slow query' && attr?.ns === 'prof_log.c' && attr.command?.find === 'c';
    });
    assert.ok(line, JSON.stringify(logged));
    const attr = line.attr as Document;
    assert.deepEqual(Object.keys(attr), ['type', 'ns', 'appName', 'command', 'keysExamined', 'docsExamined', 'cursorExhausted', 'numYields', 'nreturned', 'reslen', 'remote', 'protocol', 'durationMillis', 'connectionId']);
    assert.equal(attr.type, 'command');
    assert.equal(attr.appName, 'profiler-test');
    assert.equal(attr.nreturned, 0);
    assert.match(attr.remote, /^127\.0\.0\.1:\d+$/);
    await db.command({ profile: 0, slowms: 1_000_000 });
    logged.length = 0;
    await db.collection<Doc>('c').findOne({});
    assert.equal(logged.filter((e) => e.msg === 'Slow query').length, 0);
    await db.command({ profile: 0, slowms: 100 });
  });
});
