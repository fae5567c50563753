/**
 * Server cursors through the official driver: batchSize paging, killCursors and its reply, CursorNotFound after a
 * kill or an idle reap, and many clients at once (waiting change-stream getMores never hold up writers).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Long, type Document, type MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { asLong, clientFor, CommandLog, rejectsWith, started, startInProcess, type Stream } from './harness.js';

type Doc = { _id?: number | string; [key: string]: unknown };

describe('server cursors through the official driver', () => {
  let server: RunningServer;
  let client: MongoClient;
  let log: CommandLog;

  before(async () => {
    server = await startInProcess();
    client = clientFor(server.address);
    log = new CommandLog(client);
    await client.db('cur').collection<Doc>('seven').insertMany([1, 2, 3, 4, 5, 6, 7].map((n) => ({ _id: n, n })));
  });

  after(async () => {
    await client?.close();
    await server?.close();
  });

  test('batchSize 0 opens the cursor with an empty first batch; getMore returns the documents', async () => {
    const db = client.db('cur');
    for (const command of [
      { find: 'seven', filter: {}, sort: { _id: 1 }, batchSize: 0 },
      { aggregate: 'seven', pipeline: [{ $sort: { _id: 1 } }], cursor: { batchSize: 0 } },
    ]) {
      const first = await db.command(command);
      assert.deepEqual(first.cursor.firstBatch, []);
      const id = asLong(first.cursor.id);
      assert.equal(id.isZero(), false);
      const next = await db.command({ getMore: id, collection: 'seven' });
      assert.deepEqual(next.cursor.nextBatch.map((d: Document) => d._id), [1, 2, 3, 4, 5, 6, 7]);
      assert.equal(asLong(next.cursor.id).isZero(), true);
    }
  });

  test('find with batchSize pages through getMore until the cursor id is 0', async () => {
    log.clear();
    const docs = await client.db('cur').collection<Doc>('seven').find({}, { batchSize: 2 }).sort({ _id: 1 }).toArray();
    assert.deepEqual(docs.map((d) => d._id), [1, 2, 3, 4, 5, 6, 7]);
    const [find] = log.replies('find');
    assert.equal(find!.cursor.firstBatch.length, 2);
    assert.equal(find!.cursor.ns, 'cur.seven');
    const id = asLong(find!.cursor.id);
    assert.equal(id.isZero(), false);
    const getMores = log.started('getMore');
    assert.ok(getMores.every((g) => g.command.batchSize === 2 && g.command.collection === 'seven' && asLong(g.command.getMore).equals(id)));
    const replies = log.replies('getMore');
    assert.deepEqual(replies.map((r) => r.cursor.nextBatch.length), [2, 2, 1]);
    assert.deepEqual(replies.map((r) => asLong(r.cursor.id).isZero()), [false, false, true], 'the last batch closes the cursor');
    assert.equal(server.engine.cursors.has(id.toBigInt()), false, 'an exhausted cursor is freed');
    assert.equal(log.started('killCursors').length, 0, 'nothing left to kill');

    // A batch that holds everything needs no cursor at all.
    log.clear();
    await client.db('cur').collection('seven').find({}, { batchSize: 100 }).toArray();
    assert.equal(asLong(log.replies('find')[0]!.cursor.id).isZero(), true);
  });

  test('awaitData without tailable is refused as mongod refuses it', async () => {
    const db = client.db('cur');
    await rejectsWith(db.command({ find: 'seven', awaitData: true }), 9, {
      codeName: 'FailedToParse',
      message: "Cannot set 'awaitData' without also setting 'tailable'",
    });
    await rejectsWith(db.command({ find: 'seven', awaitData: true, tailable: false }), 9, { codeName: 'FailedToParse' });
    await rejectsWith(db.command({ find: 'seven', awaitData: 'yes' }), 14, { codeName: 'TypeMismatch' });
    const plain = await db.command({ find: 'seven', awaitData: false });
    assert.equal(plain.cursor.firstBatch.length, 7);
  });

  test('getMore honours its own batchSize, and the server refuses a getMore on another namespace', async () => {
    const db = client.db('cur');
    const first = await db.command({ find: 'seven', batchSize: 1, sort: { _id: 1 } });
    const id = asLong(first.cursor.id);
    const more = await db.command({ getMore: id, collection: 'seven', batchSize: 3 });
    assert.deepEqual(more.cursor.nextBatch.map((d: Document) => d._id), [2, 3, 4]);
    assert.equal(more.cursor.ns, 'cur.seven');
    await rejectsWith(db.command({ getMore: id, collection: 'other' }), 13, { codeName: 'Unauthorized' });
    const rest = await db.command({ getMore: id, collection: 'seven' });
    assert.deepEqual(rest.cursor.nextBatch.map((d: Document) => d._id), [5, 6, 7]);
    assert.equal(asLong(rest.cursor.id).isZero(), true);
  });

  test('killCursors reports killed and unknown ids; a getMore after the kill is CursorNotFound (43)', async () => {
    const db = client.db('cur');
    const a = asLong((await db.command({ find: 'seven', batchSize: 1 })).cursor.id);
    const b = asLong((await db.command({ find: 'seven', batchSize: 1 })).cursor.id);
    const unknown = Long.fromNumber(123456789);
    const reply = await db.command({ killCursors: 'seven', cursors: [a, unknown] });
    assert.equal(reply.ok, 1);
    assert.deepEqual(Object.keys(reply).filter((k) => k.startsWith('cursors')).sort(), ['cursorsAlive', 'cursorsKilled', 'cursorsNotFound', 'cursorsUnknown']);
    assert.deepEqual(reply.cursorsKilled.map(String), [a.toString()]);
    assert.deepEqual(reply.cursorsNotFound.map(String), [unknown.toString()]);
    assert.deepEqual(reply.cursorsAlive, []);
    assert.deepEqual(reply.cursorsUnknown, []);
    await rejectsWith(db.command({ getMore: a, collection: 'seven' }), 43, { codeName: 'CursorNotFound', message: `cursor id ${a.toString()} not found` });
    // The other cursor is untouched.
    const more = await db.command({ getMore: b, collection: 'seven', batchSize: 1 });
    assert.equal(more.cursor.nextBatch.length, 1);
    const again = await db.command({ killCursors: 'seven', cursors: [b, b] });
    assert.deepEqual(again.cursorsKilled.map(String), [b.toString()]);
    assert.deepEqual(again.cursorsNotFound.map(String), [b.toString()], 'a second kill of the same id finds nothing');
  });

  test('the driver\'s cursor.close() sends killCursors and frees the server cursor', async () => {
    log.clear();
    const cursor = client.db('cur').collection('seven').find({}, { batchSize: 2 });
    assert.ok(await cursor.next());
    const id = asLong(log.replies('find')[0]!.cursor.id);
    assert.equal(server.engine.cursors.has(id.toBigInt()), true);
    await cursor.close();
    assert.equal(server.engine.cursors.has(id.toBigInt()), false);
    const kill = log.replies('killCursors')[0]!;
    assert.deepEqual(kill.cursorsKilled.map(String), [id.toString()]);
  });

  test('idle cursors are reaped after 10 minutes: a later getMore gets 43', async () => {
    const db = client.db('cur');
    const id = asLong((await db.command({ find: 'seven', batchSize: 1 })).cursor.id);
    assert.equal(server.engine.cursors.reap(Date.now() + 9 * 60 * 1000), 0, 'not yet idle for 10 minutes');
    assert.equal(server.engine.cursors.has(id.toBigInt()), true);
    assert.ok(server.engine.cursors.reap(Date.now() + 11 * 60 * 1000) >= 1);
    await rejectsWith(db.command({ getMore: id, collection: 'seven' }), 43);
    // A driver cursor whose server cursor was reaped reports 43 on its next batch.
    const cursor = db.collection('seven').find({}, { batchSize: 1 });
    assert.ok(await cursor.next());
    server.engine.cursors.reap(Date.now() + 11 * 60 * 1000);
    await rejectsWith(() => cursor.next(), 43);
    await cursor.close();
  });
});

describe('many clients at once', () => {
  let server: RunningServer;
  const clients: MongoClient[] = [];

  before(async () => {
    server = await startInProcess();
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server?.close();
  });

  test('20 writers while 50 change streams wait: every stream sees every event in the same order', async () => {
    const WRITERS = 20;
    const PER_WRITER = 10;
    const STREAMS = 50;
    const TOTAL = WRITERS * PER_WRITER;
    const watchers = Array.from({ length: 5 }, () => clientFor(server.address));
    const writers = Array.from({ length: WRITERS }, () => clientFor(server.address));
    clients.push(...watchers, ...writers);
    await Promise.all([...watchers, ...writers].map((c) => c.connect()));

    // A long await: a server whose waiting getMores held up writes would stall the writers for seconds.
    const streams: Stream[] = [];
    for (let i = 0; i < STREAMS; i++) {
      const watcher = watchers[i % watchers.length]!;
      const source = i % 2 === 0 ? watcher.db('many').collection('events') : watcher.db('many');
      streams.push(await started(source.watch([], { maxAwaitTimeMS: 5000 })));
    }
    const watcherLogs = watchers.map((w) => new CommandLog(w));
    const seen: Document[][] = streams.map(() => []);
    const reading = streams.map(async (stream, i) => {
      while (seen[i]!.length < TOTAL) seen[i]!.push(await stream.next());
    });
    // Every stream has a getMore waiting on the server before the first write.
    const deadline = Date.now() + 5000;
    while (watcherLogs.reduce((n, l) => n + l.started('getMore').length, 0) < STREAMS && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(watcherLogs.reduce((n, l) => n + l.started('getMore').length, 0), STREAMS);

    const t0 = Date.now();
    await writers[0]!.db('many').collection<Doc>('events').insertOne({ _id: 'w0-0', writer: 0, i: 0 });
    assert.ok(Date.now() - t0 < 1000, `a write while 50 getMores wait took ${Date.now() - t0} ms`);
    await Promise.all(writers.map(async (w, writer) => {
      const coll = w.db('many').collection<Doc>('events');
      for (let i = writer === 0 ? 1 : 0; i < PER_WRITER; i++) await coll.insertOne({ _id: `w${writer}-${i}`, writer, i });
    }));
    const writeMs = Date.now() - t0;
    assert.ok(writeMs < 10_000, `200 writes from 20 clients took ${writeMs} ms`);

    await Promise.all(reading);
    const reference = seen[0]!.map((e) => e.documentKey._id);
    assert.equal(new Set(reference).size, TOTAL, 'every insert once');
    for (let i = 1; i < STREAMS; i++) {
      assert.deepEqual(seen[i]!.map((e) => e.documentKey._id), reference, `stream ${i} saw the same events in the same order`);
      assert.deepEqual(seen[i]!.map((e) => e._id._data), seen[0]!.map((e) => e._id._data), `stream ${i} has the same tokens`);
    }
    // Each writer's own inserts appear in the order it made them.
    for (let writer = 0; writer < WRITERS; writer++) {
      const mine = seen[0]!.filter((e) => e.fullDocument.writer === writer).map((e) => e.fullDocument.i);
      assert.deepEqual(mine, Array.from({ length: PER_WRITER }, (_, i) => i));
    }
    await Promise.all(streams.map((s) => s.close()));
    assert.equal(server.engine.cursors.size, 0, 'every stream cursor was killed on close');
  });
});
