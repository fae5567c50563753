/**
 * Every change-stream feature through the official driver's watch() on a collection, a database and the client,
 * against the real wire server: the counterpart of test/integration/embedded/change_streams.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Binary, MongoClient, MongoServerError, Timestamp, type Collection, type Db, type Document, type ResumeToken } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { asLong, clientFor, CommandLog, loose, rejectsWith, started, startInProcess } from './harness.js';

/** Documents with any `_id` (the default schema would insist on ObjectId). */
type Doc = { _id?: number | string; [key: string]: unknown };

function collOf(client: MongoClient, db: string, name: string): Collection<Doc> {
  return client.db(db).collection<Doc>(name);
}

function collIn(db: Db, name: string): Collection<Doc> {
  return db.collection<Doc>(name);
}

/** The event without the fields whose values vary (asserting their types), for deepEqual on the rest. */
function strip(event: Document): Document {
  const { _id, clusterTime, wallTime, ...rest } = event;
  assert.equal(typeof (_id as Document)?._data, 'string', 'event _id is a resume token {_data}');
  assert.ok(clusterTime instanceof Timestamp, 'clusterTime is a Timestamp');
  assert.ok(wallTime instanceof Date, 'wallTime is a Date');
  return rest;
}

function tokenData(token: ResumeToken | null | undefined): string {
  const data = (token as Document | null | undefined)?._data;
  assert.equal(typeof data, 'string', 'a resume token is {_data: string}');
  return data as string;
}

/** A well-formed token naming a cluster time that no oplog entry has. */
function unknownToken(real: ResumeToken): Document {
  const data = tokenData(real);
  return { _data: data.slice(0, 2) + 'FFFFFFFF00000001' + data.slice(18) };
}

async function nextN(stream: object, n: number): Promise<Document[]> {
  const out: Document[] = [];
  for (let i = 0; i < n; i++) out.push(await loose(stream).next());
  return out;
}

describe('change streams through the official driver', () => {
  let server: RunningServer;
  let client: MongoClient;
  let log: CommandLog;

  before(async () => {
    server = await startInProcess();
    client = clientFor(server.address);
    log = new CommandLog(client);
    await client.connect();
  });

  after(async () => {
    await client?.close();
    await server?.close();
  });

  test('collection stream: insert, update, replace and delete with exact shapes', async () => {
    const coll = collOf(client, 'cs', 'crud');
    const stream = await started(coll.watch());
    try {
      await coll.insertOne({ _id: 1, a: 1, arr: ['foo', { a: 'bar' }, 1, 2, 3] } as Document);
      await coll.updateOne({ _id: 1 }, { $set: { b: 2 }, $unset: { a: 1 } });
      await coll.updateOne({ _id: 1 }, [{ $set: { arr: { $slice: ['$arr', 2] } } }]);
      await coll.updateOne({ _id: 1 }, { $set: { 'arr.0': 'baz' } });
      await coll.replaceOne({ _id: 1 }, { x: 'y' });
      await coll.deleteOne({ _id: 1 });
      const ns = { db: 'cs', coll: 'crud' };
      assert.deepEqual(strip(await stream.next()), {
        operationType: 'insert', fullDocument: { _id: 1, a: 1, arr: ['foo', { a: 'bar' }, 1, 2, 3] }, ns, documentKey: { _id: 1 },
      });
      const update = await stream.next();
      assert.deepEqual(strip(update), {
        operationType: 'update', ns, documentKey: { _id: 1 }, updateDescription: { updatedFields: { b: 2 }, removedFields: ['a'], truncatedArrays: [] },
      });
      assert.equal('fullDocument' in update, false, 'no fullDocument key on an update by default');
      assert.equal('collectionUUID' in update, false, 'collectionUUID only with showExpandedEvents');
      assert.deepEqual((await stream.next()).updateDescription, { updatedFields: {}, removedFields: [], truncatedArrays: [{ field: 'arr', newSize: 2 }] });
      assert.deepEqual((await stream.next()).updateDescription, { updatedFields: { 'arr.0': 'baz' }, removedFields: [], truncatedArrays: [] });
      assert.deepEqual(strip(await stream.next()), { operationType: 'replace', fullDocument: { _id: 1, x: 'y' }, ns, documentKey: { _id: 1 } });
      const deleted = await stream.next();
      assert.deepEqual(strip(deleted), { operationType: 'delete', ns, documentKey: { _id: 1 } });
    } finally {
      await stream.close();
    }
    assert.equal(stream.closed, true);
  });

  test('cluster times strictly increase and tokens sort in commit order', async () => {
    const coll = collOf(client, 'cs', 'order');
    const stream = await started(coll.watch());
    try {
      await coll.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }] as Document[]);
      await coll.insertOne({ _id: 4 } as Document);
      const events = await nextN(stream, 4);
      assert.deepEqual(events.map((e) => e.documentKey._id), [1, 2, 3, 4]);
      for (let i = 1; i < events.length; i++) {
        assert.ok((events[i]!.clusterTime as Timestamp).greaterThan(events[i - 1]!.clusterTime as Timestamp), 'clusterTime increases');
        assert.ok(tokenData(events[i]!._id) > tokenData(events[i - 1]!._id), 'tokens sort in commit order');
      }
    } finally {
      await stream.close();
    }
  });

  test('database and cluster streams report the namespace of every collection', async () => {
    const db = client.db('cs_multi');
    const dbStream = await started(db.watch());
    const clusterStream = await started(client.watch([{ $match: { 'ns.db': 'cs_multi' } }]));
    try {
      await collIn(db, 'a').insertOne({ _id: 'a' } as Document);
      await collIn(db, 'b').insertOne({ _id: 'b' } as Document);
      for (const stream of [dbStream, clusterStream]) {
        const [a, b] = await nextN(stream, 2);
        assert.deepEqual(strip(a!), { operationType: 'insert', fullDocument: { _id: 'a' }, ns: { db: 'cs_multi', coll: 'a' }, documentKey: { _id: 'a' } });
        assert.deepEqual(b!.ns, { db: 'cs_multi', coll: 'b' });
      }
    } finally {
      await dbStream.close();
      await clusterStream.close();
    }
  });

  test('drop ends a collection stream with drop then invalidate, and the server closes the cursor', async () => {
    const coll = collOf(client, 'cs', 'dropme');
    await coll.insertOne({ _id: 1 } as Document);
    log.clear();
    const stream = await started(coll.watch());
    const id = asLong(log.replies('aggregate').at(-1)!.cursor.id);
    assert.equal(server.engine.cursors.has(id.toBigInt()), true);
    await coll.drop();
    assert.deepEqual(strip(await stream.next()), { operationType: 'drop', ns: { db: 'cs', coll: 'dropme' } });
    const invalidate = await stream.next();
    assert.deepEqual(strip(invalidate), { operationType: 'invalidate' });
    const last = log.replies('getMore').at(-1)!.cursor;
    assert.equal(asLong(last.id).isZero(), true, 'the reply that carries invalidate has cursor id 0');
    assert.equal(server.engine.cursors.has(id.toBigInt()), false, 'the server freed the cursor');
    await assert.rejects(stream.next(), 'the stream ends after invalidate');
    assert.equal(stream.closed, true);

    // resumeAfter refuses an invalidate token (260); startAfter accepts it and sees what happens next.
    await rejectsWith(() => coll.watch([], { resumeAfter: invalidate._id }).next(), 260, { codeName: 'InvalidResumeToken' });
    const afterInvalidate = await started(coll.watch([], { startAfter: invalidate._id }));
    try {
      await coll.insertOne({ _id: 2 } as Document);
      assert.deepEqual(strip(await afterInvalidate.next()), { operationType: 'insert', fullDocument: { _id: 2 }, ns: { db: 'cs', coll: 'dropme' }, documentKey: { _id: 2 } });
    } finally {
      await afterInvalidate.close();
    }
  });

  test('rename ends a collection stream with rename (with `to`) then invalidate', async () => {
    const db = client.db('cs');
    await collIn(db, 'from').insertOne({ _id: 1 } as Document);
    const stream = await started(collIn(db, 'from').watch());
    await db.renameCollection('from', 'to');
    assert.deepEqual(strip(await stream.next()), { operationType: 'rename', ns: { db: 'cs', coll: 'from' }, to: { db: 'cs', coll: 'to' } });
    assert.deepEqual(strip(await stream.next()), { operationType: 'invalidate' });
    await assert.rejects(stream.next());
    assert.equal(stream.closed, true);
  });

  test('dropDatabase: a database stream sees drop per collection, dropDatabase, invalidate; a cluster stream never invalidates', async () => {
    const db = client.db('cs_dropdb');
    await collIn(db, 'a').insertOne({ _id: 1 } as Document);
    await collIn(db, 'b').insertOne({ _id: 1 } as Document);
    const dbStream = await started(db.watch());
    const clusterStream = await started(client.watch([{ $match: { 'ns.db': { $in: ['cs_dropdb', 'cs_dropdb2'] } } }]));
    try {
      await db.dropDatabase();
      const seen = (await nextN(dbStream, 4)).map(strip);
      const drops = seen.slice(0, 2).sort((x, y) => String(x.ns.coll).localeCompare(String(y.ns.coll)));
      assert.deepEqual(drops, [
        { operationType: 'drop', ns: { db: 'cs_dropdb', coll: 'a' } },
        { operationType: 'drop', ns: { db: 'cs_dropdb', coll: 'b' } },
      ]);
      assert.deepEqual(seen.slice(2), [{ operationType: 'dropDatabase', ns: { db: 'cs_dropdb' } }, { operationType: 'invalidate' }]);
      await assert.rejects(dbStream.next());
      assert.equal(dbStream.closed, true);

      const clusterSeen = (await nextN(clusterStream, 3)).map(strip);
      assert.deepEqual(clusterSeen.map((e) => e.operationType), ['drop', 'drop', 'dropDatabase']);
      assert.deepEqual(clusterSeen[2]!.ns, { db: 'cs_dropdb' });
      await collOf(client, 'cs_dropdb2', 'c').insertOne({ _id: 9 } as Document);
      assert.equal((await clusterStream.next()).operationType, 'insert');
      assert.equal(clusterStream.closed, false);
      const last = log.replies('getMore').at(-1)!.cursor;
      assert.equal(asLong(last.id).isZero(), false, 'the cluster stream cursor stays open');
    } finally {
      await dbStream.close();
      await clusterStream.close();
    }
  });

  test('showExpandedEvents: DDL events, collectionUUID and operationDescription only with the flag', async () => {
    const db = client.db('cs_expanded');
    log.clear();
    const plain = await started(db.watch());
    const expanded = await started(db.watch([], { showExpandedEvents: true }));
    const [plainAgg, expandedAgg] = log.started('aggregate');
    assert.deepEqual(plainAgg!.command.pipeline, [{ $changeStream: {} }], 'no options sent when none are set');
    assert.deepEqual(expandedAgg!.command.pipeline, [{ $changeStream: { showExpandedEvents: true } }]);
    try {
      await db.createCollection('c1');
      const coll = collIn(db, 'c1');
      await coll.createIndex({ x: 1 }, { name: 'x_1' });
      await coll.insertOne({ _id: 1, a: { '1': 1 } } as Document);
      await coll.updateOne({ _id: 1 }, { $set: { 'a.1': 2 } });
      await db.command({ collMod: 'c1' });
      await coll.dropIndex('x_1');
      await collIn(db, 'target').insertOne({ _id: 1 } as Document);
      await db.renameCollection('c1', 'target', { dropTarget: true });

      const create = await expanded.next();
      assert.equal(create.operationType, 'create');
      assert.ok(create.collectionUUID instanceof Binary && create.collectionUUID.sub_type === 4, 'collectionUUID is a UUID');
      assert.deepEqual(create.ns, { db: 'cs_expanded', coll: 'c1' });
      assert.deepEqual(create.operationDescription.idIndex, { v: 2, key: { _id: 1 }, name: '_id_' });
      const uuid = (create.collectionUUID as Binary).toString('hex');

      const createIndexes = await expanded.next();
      assert.equal(createIndexes.operationType, 'createIndexes');
      assert.deepEqual(createIndexes.operationDescription, { indexes: [{ v: 2, key: { x: 1 }, name: 'x_1' }] });
      const insert = await expanded.next();
      assert.equal(insert.operationType, 'insert');
      assert.equal((insert.collectionUUID as Binary).toString('hex'), uuid, 'the same collection UUID on every event');
      const update = await expanded.next();
      assert.deepEqual(update.updateDescription, { updatedFields: { 'a.1': 2 }, removedFields: [], truncatedArrays: [], disambiguatedPaths: { 'a.1': ['a', '1'] } });
      assert.equal((await expanded.next()).operationType, 'modify');
      const dropIndexes = await expanded.next();
      assert.equal(dropIndexes.operationType, 'dropIndexes');
      assert.deepEqual(dropIndexes.operationDescription, { indexes: [{ v: 2, key: { x: 1 }, name: 'x_1' }] });
      assert.equal((await expanded.next()).operationType, 'create', 'target is created by its first insert');
      assert.equal((await expanded.next()).operationType, 'insert');
      const rename = await expanded.next();
      assert.equal(rename.operationType, 'rename');
      assert.deepEqual(rename.to, { db: 'cs_expanded', coll: 'target' });
      assert.deepEqual(rename.operationDescription.to, { db: 'cs_expanded', coll: 'target' });
      assert.ok(rename.operationDescription.dropTarget instanceof Binary, 'dropTarget names the dropped collection by UUID');

      const plainSeen = await nextN(plain, 4);
      assert.deepEqual(plainSeen.map((e) => e.operationType), ['insert', 'update', 'insert', 'rename']);
      assert.equal('collectionUUID' in plainSeen[0]!, false);
      assert.equal('disambiguatedPaths' in plainSeen[1]!.updateDescription, false);
      assert.equal('operationDescription' in plainSeen[3]!, false);
    } finally {
      await plain.close();
      await expanded.close();
    }
  });

  test('fullDocument: updateLookup gives the current document, or null once it is gone', async () => {
    const coll = collOf(client, 'cs', 'lookup');
    await coll.insertOne({ _id: 1, n: 0 } as Document);
    log.clear();
    const stream = await started(coll.watch([], { fullDocument: 'updateLookup' }));
    assert.deepEqual(log.started('aggregate')[0]!.command.pipeline, [{ $changeStream: { fullDocument: 'updateLookup' } }]);
    try {
      await coll.updateOne({ _id: 1 }, { $inc: { n: 1 } } as Document);
      assert.deepEqual((await stream.next()).fullDocument, { _id: 1, n: 1 });
      await coll.updateOne({ _id: 1 }, { $inc: { n: 1 } } as Document);
      await coll.deleteOne({ _id: 1 });
      const update = await stream.next();
      assert.equal(update.operationType, 'update');
      assert.equal(update.fullDocument, null);
    } finally {
      await stream.close();
    }
  });

  test('fullDocument whenAvailable/required and fullDocumentBeforeChange with and without images; 47 reaches the driver', async () => {
    const db = client.db('cs_images');
    await db.createCollection('on', { changeStreamPreAndPostImages: { enabled: true } });
    const on = collIn(db, 'on');
    const off = collIn(db, 'off');
    await on.insertOne({ _id: 1 } as Document);
    await off.insertOne({ _id: 1 } as Document);

    const whenAvailable = await started(db.watch([], { fullDocument: 'whenAvailable', fullDocumentBeforeChange: 'whenAvailable' }));
    try {
      await on.updateOne({ _id: 1 }, { $set: { x: 1 } });
      await off.updateOne({ _id: 1 }, { $set: { x: 1 } });
      await on.deleteOne({ _id: 1 });
      const u1 = await whenAvailable.next();
      assert.deepEqual(u1.fullDocument, { _id: 1, x: 1 });
      assert.deepEqual(u1.fullDocumentBeforeChange, { _id: 1 });
      const u2 = await whenAvailable.next();
      assert.equal(u2.fullDocument, null);
      assert.equal(u2.fullDocumentBeforeChange, null);
      const d = await whenAvailable.next();
      assert.equal(d.operationType, 'delete');
      assert.deepEqual(d.fullDocumentBeforeChange, { _id: 1, x: 1 });
      assert.equal('fullDocument' in d, false);
    } finally {
      await whenAvailable.close();
    }

    const offMode = await started(off.watch([], { fullDocumentBeforeChange: 'off' }));
    await off.updateOne({ _id: 1 }, { $set: { x: 2 } });
    assert.equal('fullDocumentBeforeChange' in (await offMode.next()), false);
    await offMode.close();

    const required = await started(off.watch([], { fullDocument: 'required' }));
    await off.updateOne({ _id: 1 }, { $set: { x: 3 } });
    const err = await rejectsWith(() => required.next(), 47, { codeName: 'NoMatchingDocument', notLabels: ['ResumableChangeStreamError'] });
    assert.match(err.message, /post-image/);
    assert.equal(required.closed, true);

    const requiredPre = await started(off.watch([], { fullDocumentBeforeChange: 'required' }));
    await off.updateOne({ _id: 1 }, { $set: { x: 4 } });
    await rejectsWith(() => requiredPre.next(), 47, { message: /pre-image/ });

    await db.command({ collMod: 'off', changeStreamPreAndPostImages: { enabled: true } });
    const nowOn = await started(off.watch([], { fullDocument: 'required', fullDocumentBeforeChange: 'required' }));
    try {
      await off.updateOne({ _id: 1 }, { $set: { x: 5 } });
      const e = await nowOn.next();
      assert.deepEqual(e.fullDocument, { _id: 1, x: 5 });
      assert.deepEqual(e.fullDocumentBeforeChange, { _id: 1, x: 4 });
    } finally {
      await nowOn.close();
    }
    await rejectsWith(() => off.watch([], { fullDocument: 'bogus' as never }).next(), 2);
  });

  test('resumeAfter and startAfter continue strictly after a token; startAtOperationTime from ping is inclusive', async () => {
    const db = client.db('cs');
    const coll = collIn(db, 'resume');
    await coll.insertOne({ _id: 0 } as Document);
    const ping = await db.command({ ping: 1 });
    assert.ok(ping.operationTime instanceof Timestamp, 'ping carries operationTime');
    const stream = await started(coll.watch());
    await coll.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }] as Document[]);
    const first = await stream.next();
    await stream.close();
    assert.ok((first.clusterTime as Timestamp).greaterThan(ping.operationTime), 'events after ping have a later clusterTime');

    for (const option of ['resumeAfter', 'startAfter'] as const) {
      const resumed = coll.watch([], { [option]: first._id });
      try {
        assert.deepEqual((await nextN(resumed, 2)).map((e) => e.documentKey._id), [2, 3], option);
      } finally {
        await resumed.close();
      }
    }

    // ping's operationTime is the time of the last write (insert 0): inclusive, so it comes first.
    const atPing = coll.watch([], { startAtOperationTime: ping.operationTime });
    try {
      const seen = await nextN(atPing, 4);
      assert.deepEqual(seen.map((e) => e.documentKey._id), [0, 1, 2, 3]);
      assert.ok((seen[0]!.clusterTime as Timestamp).equals(ping.operationTime));
    } finally {
      await atPing.close();
    }
    // pymongo's pattern: Timestamp(t, i + 1) sees only the writes made after ping.
    const op = ping.operationTime as Timestamp;
    const afterPing = coll.watch([], { startAtOperationTime: new Timestamp({ t: op.high, i: op.low + 1 }) });
    try {
      assert.deepEqual((await nextN(afterPing, 3)).map((e) => e.documentKey._id), [1, 2, 3]);
      assert.equal(await afterPing.tryNext(), null);
    } finally {
      await afterPing.close();
    }
  });

  test('conflicting resume options: 50865 and 40674; unknown token 280 with NonResumableChangeStreamError', async () => {
    const coll = collOf(client, 'cs', 'conflicts');
    const stream = await started(coll.watch());
    await coll.insertOne({ _id: 1 } as Document);
    const token = (await stream.next())._id;
    await stream.close();
    await rejectsWith(() => coll.watch([], { resumeAfter: token, startAfter: token }).next(), 50865, { codeName: 'Location50865' });
    await rejectsWith(() => coll.watch([], { resumeAfter: token, startAtOperationTime: new Timestamp({ t: 1, i: 1 }) }).next(), 40674, { codeName: 'Location40674' });
    await rejectsWith(() => coll.watch([], { startAfter: token, startAtOperationTime: new Timestamp({ t: 1, i: 1 }) }).next(), 40674);
    await rejectsWith(() => coll.watch([], { resumeAfter: unknownToken(token) }).next(), 280, {
      codeName: 'ChangeStreamFatalError', labels: ['NonResumableChangeStreamError'], message: /cannot resume stream; the resume token was not found/,
    });
  });

  test('pipelines: $match and $project shape events; 40324 unknown stage; 20 disallowed stage; projecting out _id is 280', async () => {
    const coll = collOf(client, 'cs', 'pipeline');
    const stream = await started(coll.watch([
      { $match: { operationType: 'insert', 'fullDocument.z': { $gte: 3 } } },
      { $project: { optype: '$operationType', z: '$fullDocument.z', 'ns.viewOn': 'db.coll', literal: { $literal: 'x' } } },
    ]));
    try {
      await coll.insertMany([{ _id: 1, z: 1 }, { _id: 2, z: 3 }] as Document[]);
      await coll.deleteOne({ _id: 2 });
      await coll.insertOne({ _id: 3, z: 5 } as Document);
      const [a, b] = await nextN(stream, 2);
      assert.deepEqual(Object.keys(a!).sort(), ['_id', 'literal', 'ns', 'optype', 'z']);
      assert.deepEqual({ optype: a!.optype, z: a!.z, ns: a!.ns, literal: a!.literal }, { optype: 'insert', z: 3, ns: { viewOn: 'db.coll' }, literal: 'x' });
      assert.equal(b!.z, 5);
      assert.equal(await stream.tryNext(), null);
    } finally {
      await stream.close();
    }

    await rejectsWith(() => coll.watch([{ $unsupported: 1 }]).next(), 40324, { codeName: 'Location40324', message: "Unrecognized pipeline stage name: '$unsupported'" });
    await rejectsWith(() => coll.watch([{ $group: { _id: null } }]).next(), 20, { codeName: 'IllegalOperation', message: /\$group is not permitted in a \$changeStream pipeline/ });

    log.clear();
    const noId = await started(coll.watch([{ $project: { _id: 0 } }]));
    await coll.insertOne({ _id: 4 } as Document);
    await rejectsWith(() => noId.next(), 280, { codeName: 'ChangeStreamFatalError', labels: ['NonResumableChangeStreamError'], message: /_id field/ });
    assert.equal(noId.closed, true);
    assert.equal(log.started('aggregate').length, 1, 'a 280 at getMore is not resumed');
    assert.equal(log.failures('getMore').length, 1);
  });

  test('batchSize goes in cursor on the aggregate and on every getMore, and bounds each batch', async () => {
    const coll = collOf(client, 'cs', 'batches');
    log.clear();
    const stream = await started(coll.watch([], { batchSize: 2 }));
    try {
      assert.deepEqual(log.started('aggregate')[0]!.command.cursor, { batchSize: 2 });
      await coll.insertMany([1, 2, 3, 4, 5].map((_id) => ({ _id })) as Document[]);
      assert.deepEqual((await nextN(stream, 5)).map((e) => e.documentKey._id), [1, 2, 3, 4, 5]);
      const getMores = log.started('getMore');
      assert.ok(getMores.every((g) => g.command.batchSize === 2), 'getMore carries batchSize');
      const sizes = log.replies('getMore').map((r) => (r.cursor.nextBatch as Document[]).length);
      assert.deepEqual(sizes.filter((n) => n > 0), [2, 2, 1]);
    } finally {
      await stream.close();
    }
  });

  test('maxAwaitTimeMS becomes the getMore maxTimeMS; tryNext returns null after it, then a change', async () => {
    const coll = collOf(client, 'cs', 'await');
    log.clear();
    const stream = await started(coll.watch([], { maxAwaitTimeMS: 150 }));
    try {
      assert.equal('maxTimeMS' in log.started('aggregate')[0]!.command, false, 'maxAwaitTimeMS is not sent on the aggregate');
      const t0 = Date.now();
      assert.equal(await stream.tryNext(), null);
      const waited = Date.now() - t0;
      assert.ok(waited >= 120 && waited < 900, `an idle getMore waits about maxTimeMS (waited ${waited} ms)`);
      const getMore = log.started('getMore').at(-1)!;
      assert.equal(getMore.command.maxTimeMS, 150);
      assert.equal(getMore.command.collection, 'await');
      await coll.insertOne({ _id: 'x' } as Document);
      const change = await stream.tryNext();
      assert.deepEqual(change?.documentKey, { _id: 'x' });
    } finally {
      await stream.close();
    }
  });

  test('an idle stream\'s resumeToken advances with postBatchResumeToken and resumes from there', async () => {
    const db = client.db('cs');
    const coll = collIn(db, 'idle');
    const stream = await started(coll.watch([], { maxAwaitTimeMS: 50 }));
    let idleToken: ResumeToken;
    try {
      const initial = tokenData(stream.resumeToken);
      const aggregatePbrt = log.replies('aggregate').at(-1)!.cursor.postBatchResumeToken;
      assert.equal(initial, aggregatePbrt._data, 'the token of an empty first batch is its postBatchResumeToken');
      await collIn(db, 'elsewhere').insertMany([{ _id: 1 }, { _id: 2 }] as Document[]);
      assert.equal(await stream.tryNext(), null);
      idleToken = stream.resumeToken;
      assert.ok(tokenData(idleToken) > initial, 'the token moved past writes the stream did not report');
      assert.equal(tokenData(idleToken), log.replies('getMore').at(-1)!.cursor.postBatchResumeToken._data);
    } finally {
      await stream.close();
    }
    await coll.insertOne({ _id: 'after' } as Document);
    const resumed = loose(coll.watch([], { resumeAfter: idleToken }));
    try {
      assert.deepEqual((await resumed.next()).documentKey, { _id: 'after' });
    } finally {
      await resumed.close();
    }
  });

  test('the change event listener mode receives every change, then close', async () => {
    const coll = collOf(client, 'cs', 'emitter');
    const aggregated = log.next((e) => e.kind === 'succeeded' && e.commandName === 'aggregate');
    const stream = coll.watch();
    const received: Document[] = [];
    const three = new Promise<void>((resolve, reject) => {
      stream.on('change', (change) => {
        received.push(change);
        if (received.length === 3) resolve();
      });
      stream.on('error', reject);
    });
    await aggregated; // the listener started the stream; writes from now on are after its start point
    await coll.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }] as Document[]);
    await three;
    assert.deepEqual(received.map((e) => e.documentKey._id), [1, 2, 3]);
    const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
    await stream.close();
    await closed;
    assert.equal(stream.closed, true);
  });

  test('for await iterates changes and closes the stream on break', async () => {
    const coll = collOf(client, 'cs', 'iterate');
    const stream = await started(coll.watch());
    await coll.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }] as Document[]);
    const ids: unknown[] = [];
    for await (const change of stream) {
      ids.push(change.documentKey._id);
      if (ids.length === 3) break;
    }
    assert.deepEqual(ids, [1, 2, 3]);
    assert.equal(stream.closed, true);
  });

  test('aggregate and getMore replies: non-zero id with an empty firstBatch, ns, postBatchResumeToken, operationTime', async () => {
    const db = client.db('cs_shape');
    const cases: { name: string; open: () => object; ns: string; $db: string; aggregate: unknown; stage: Document }[] = [
      { name: 'collection', open: () => collIn(db, 'c').watch(), ns: 'cs_shape.c', $db: 'cs_shape', aggregate: 'c', stage: {} },
      { name: 'database', open: () => db.watch(), ns: 'cs_shape.$cmd.aggregate', $db: 'cs_shape', aggregate: 1, stage: {} },
      {
        name: 'cluster', open: () => client.watch([{ $match: { 'ns.db': 'cs_shape' } }]), ns: 'admin.$cmd.aggregate', $db: 'admin', aggregate: 1,
        stage: { allChangesForCluster: true },
      },
    ];
    for (const c of cases) {
      log.clear();
      const stream = await started(c.open());
      try {
        const sent = log.started('aggregate')[0]!;
        assert.equal(sent.databaseName, c.$db, c.name);
        assert.equal(sent.command.aggregate, c.aggregate, c.name);
        assert.deepEqual(sent.command.pipeline[0], { $changeStream: c.stage }, c.name);
        const reply = log.replies('aggregate')[0]!;
        assert.equal(reply.ok, 1);
        assert.equal(asLong(reply.cursor.id).isZero(), false, `${c.name}: cursor id non-zero with an empty first batch`);
        assert.deepEqual(reply.cursor.firstBatch, []);
        assert.equal(reply.cursor.ns, c.ns, c.name);
        assert.equal(typeof reply.cursor.postBatchResumeToken?._data, 'string', `${c.name}: postBatchResumeToken`);
        assert.ok(reply.operationTime instanceof Timestamp, `${c.name}: operationTime`);
        assert.ok(reply.$clusterTime?.clusterTime instanceof Timestamp, `${c.name}: $clusterTime`);

        await collIn(db, 'c').insertOne({ k: c.name });
        const change = await stream.next();
        assert.equal(change.fullDocument.k, c.name);
        const getMore = log.started('getMore').at(-1)!;
        assert.equal(getMore.command.collection, c.ns.slice(c.ns.indexOf('.') + 1), `${c.name}: getMore uses the returned ns`);
        assert.equal(getMore.databaseName, c.$db);
        const more = log.replies('getMore').at(-1)!;
        assert.equal(more.cursor.ns, c.ns);
        assert.equal(more.cursor.nextBatch.length, 1);
        assert.equal(asLong(more.cursor.id).equals(asLong(reply.cursor.id)), true, 'same cursor id');
        assert.equal(typeof more.cursor.postBatchResumeToken?._data, 'string');
        assert.ok(more.operationTime instanceof Timestamp);
      } finally {
        await stream.close();
      }
    }
  });

  test('streams on admin, local, config and system collections are refused; allChangesForCluster only on admin', async () => {
    await rejectsWith(() => client.db('admin').watch().next(), 73, { codeName: 'InvalidNamespace' });
    await rejectsWith(() => collOf(client, 'local', 'x').watch().next(), 73);
    await rejectsWith(() => client.db('config').watch().next(), 73);
    await rejectsWith(() => collOf(client, 'cs', 'system.views').watch().next(), 73);
    await rejectsWith(client.db('cs').command({ aggregate: 1, pipeline: [{ $changeStream: { allChangesForCluster: true } }], cursor: {} }), 72, { codeName: 'InvalidOptions' });
    await rejectsWith(client.db('cs').command({ aggregate: 'x', pipeline: [{ $match: {} }, { $changeStream: {} }], cursor: {} }), 40602);
    await rejectsWith(
      client.db('cs').command({ aggregate: 'x', pipeline: [{ $changeStream: {} }], cursor: {}, readConcern: { level: 'local' } }),
      72,
    );
  });
});

describe('change stream history through the driver', () => {
  test('286 ChangeStreamHistoryLost when the resume point fell out of a small oplog', async () => {
    const server = await startInProcess({ oplogSizeMB: 0.05 });
    const client = clientFor(server.address);
    try {
      const coll = collOf(client, 'h', 'c');
      const stream = await started(coll.watch());
      await coll.insertOne({ _id: 0 } as Document);
      const token = (await stream.next())._id;
      await stream.close();
      await coll.insertMany(Array.from({ length: 200 }, (_, i) => ({ _id: i + 1, pad: 'x'.repeat(500) })) as Document[]);
      // Trimming runs in the background; wait for it rather than racing it.
      await server.engine.oplogTrimSettled();
      const err = await rejectsWith(() => coll.watch([], { resumeAfter: token }).next(), 286, {
        codeName: 'ChangeStreamHistoryLost', labels: ['NonResumableChangeStreamError'],
      });
      assert.ok(err instanceof MongoServerError);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
