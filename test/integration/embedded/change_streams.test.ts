import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Binary, Timestamp, type Client, type Document } from '../../../src/index.js';
import { modes, openClient } from '../../helpers/embedded.js';
import { rejectsWith } from '../../helpers/assertions.js';

function strip(event: Document): Document {
  const { _id, clusterTime, wallTime, collectionUUID, ...rest } = event;
  assert.ok(_id && typeof (_id as Document)._data === 'string', 'event _id is a resume token');
  assert.ok(clusterTime instanceof Timestamp, 'clusterTime is a Timestamp');
  assert.ok(wallTime instanceof Date, 'wallTime is a Date');
  void collectionUUID;
  return rest;
}

for (const mode of modes()) {
  describe(`change streams (${mode})`, () => {
    let client: Client;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ client, cleanup } = await openClient(mode));
    });
    after(async () => {
      await cleanup();
    });

    it('reports insert, update, replace and delete exactly as MongoDB shapes them', async () => {
      const coll = client.db('cs').collection('crud');
      const stream = coll.watch();
      await coll.insertOne({ _id: 1, a: 1, arr: ['foo', { a: 'bar' }, 1, 2, 3] });
      await coll.updateOne({ _id: 1 }, { $set: { b: 2 }, $unset: { a: 1 } });
      await coll.updateOne({ _id: 1 }, [{ $set: { arr: { $slice: ['$arr', 2] } } }]);
      await coll.replaceOne({ _id: 1 }, { x: 'y' });
      await coll.deleteOne({ _id: 1 });
      assert.deepEqual(strip(await stream.next()), { operationType: 'insert', fullDocument: { _id: 1, a: 1, arr: ['foo', { a: 'bar' }, 1, 2, 3] }, ns: { db: 'cs', coll: 'crud' }, documentKey: { _id: 1 } });
      const update = await stream.next();
      assert.deepEqual(strip(update), { operationType: 'update', ns: { db: 'cs', coll: 'crud' }, documentKey: { _id: 1 }, updateDescription: { updatedFields: { b: 2 }, removedFields: ['a'], truncatedArrays: [] } });
      assert.ok(!('fullDocument' in update), 'no fullDocument key on a default update event');
      assert.deepEqual((await stream.next()).updateDescription, { updatedFields: {}, removedFields: [], truncatedArrays: [{ field: 'arr', newSize: 2 }] });
      assert.deepEqual(strip(await stream.next()), { operationType: 'replace', fullDocument: { _id: 1, x: 'y' }, ns: { db: 'cs', coll: 'crud' }, documentKey: { _id: 1 } });
      assert.deepEqual(strip(await stream.next()), { operationType: 'delete', ns: { db: 'cs', coll: 'crud' }, documentKey: { _id: 1 } });
      await stream.close();
      assert.equal(stream.alive, false);
      assert.equal(stream.closed, true);
    });

    it('gives strictly increasing clusterTimes and resume tokens in commit order', async () => {
      const coll = client.db('cs').collection('order');
      const stream = coll.watch();
      await coll.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
      const events = [await stream.next(), await stream.next(), await stream.next()];
      for (let i = 1; i < events.length; i++) {
        assert.ok((events[i]!.clusterTime as Timestamp).greaterThan(events[i - 1]!.clusterTime as Timestamp));
        assert.ok(String((events[i]!._id as Document)._data) > String((events[i - 1]!._id as Document)._data));
      }
      await stream.close();
    });

    it('ends a collection stream with drop then invalidate', async () => {
      const coll = client.db('cs').collection('dropme');
      await coll.insertOne({ _id: 1 });
      const stream = coll.watch();
      await coll.drop();
      assert.deepEqual(strip(await stream.next()), { operationType: 'drop', ns: { db: 'cs', coll: 'dropme' } });
      const invalidate = await stream.next();
      assert.deepEqual(strip(invalidate), { operationType: 'invalidate' });
      assert.equal(stream.alive, false);
      assert.equal(await stream.tryNext(), null);
      await rejectsWith(() => coll.watch([], { resumeAfter: invalidate._id as Document }).next(), 260);
      // startAfter accepts the invalidate token and sees what happens next.
      const after = coll.watch([], { startAfter: invalidate._id as Document });
      await coll.insertOne({ _id: 2 });
      assert.equal((await after.next()).operationType, 'insert');
      await after.close();
    });

    it('ends a collection stream with rename (with `to`) then invalidate', async () => {
      const db = client.db('cs');
      await db.collection('from').insertOne({ _id: 1 });
      const stream = db.collection('from').watch();
      await db.renameCollection('from', 'to');
      assert.deepEqual(strip(await stream.next()), { operationType: 'rename', ns: { db: 'cs', coll: 'from' }, to: { db: 'cs', coll: 'to' } });
      assert.equal((await stream.next()).operationType, 'invalidate');
      assert.equal(stream.alive, false);
    });

    it('ends a database stream after dropDatabase: one drop per collection, dropDatabase, invalidate', async () => {
      const db = client.db('dropdb');
      await db.collection('a').insertOne({ _id: 1 });
      await db.collection('b').insertOne({ _id: 1 });
      const dbStream = db.watch();
      const clusterStream = client.watch();
      await db.dropDatabase();
      const seen = [await dbStream.next(), await dbStream.next(), await dbStream.next(), await dbStream.next()].map(strip);
      assert.deepEqual(seen, [
        { operationType: 'drop', ns: { db: 'dropdb', coll: 'a' } },
        { operationType: 'drop', ns: { db: 'dropdb', coll: 'b' } },
        { operationType: 'dropDatabase', ns: { db: 'dropdb' } },
        { operationType: 'invalidate' },
      ]);
      assert.equal(dbStream.alive, false);
      // A cluster stream is never invalidated.
      const clusterSeen = [await clusterStream.next(), await clusterStream.next(), await clusterStream.next()].map((e) => e.operationType);
      assert.deepEqual(clusterSeen, ['drop', 'drop', 'dropDatabase']);
      await client.db('dropdb2').collection('c').insertOne({ _id: 9 });
      assert.equal((await clusterStream.next()).operationType, 'insert');
      assert.equal(clusterStream.alive, true);
      await clusterStream.close();
    });

    it('skips system collections on database streams and admin/config/local on cluster streams', async () => {
      const clusterStream = client.watch();
      const dbStream = client.db('sys').watch();
      await client.db('admin').collection('x').insertOne({ _id: 1 });
      await client.db('local').collection('x').insertOne({ _id: 1 });
      await client.db('sys').collection('system.js').insertOne({ _id: 1 });
      await client.db('sys').collection('visible').insertOne({ _id: 2 });
      assert.deepEqual((await clusterStream.next()).ns, { db: 'sys', coll: 'visible' });
      assert.deepEqual((await dbStream.next()).ns, { db: 'sys', coll: 'visible' });
      await clusterStream.close();
      await dbStream.close();
    });

    it('rejects streams on admin, config, local and system collections', async () => {
      await rejectsWith(() => client.db('admin').watch().next(), 73);
      await rejectsWith(() => client.db('local').collection('x').watch().next(), 73);
      await rejectsWith(() => client.db('cs').collection('system.views').watch().next(), 73);
      await rejectsWith(() => client.db('cs').command({ aggregate: 1, pipeline: [{ $changeStream: { allChangesForCluster: true } }], cursor: {} }), 72);
    });

    it('shows expanded events only with showExpandedEvents', async () => {
      const db = client.db('expanded');
      const plain = db.watch();
      const stream = db.watch([], { showExpandedEvents: true });
      await db.createCollection('c1');
      const coll = db.collection('c1');
      await coll.createIndex({ x: 1 }, { name: 'x_1' });
      await coll.insertOne({ _id: 1, a: { '1': 1 } });
      await coll.updateOne({ _id: 1 }, { $set: { 'a.1': 2 } });
      await db.command({ collMod: 'c1' });
      await coll.dropIndex('x_1');
      await db.collection('target').insertOne({ _id: 1 });
      await db.renameCollection('c1', 'target', { dropTarget: true });
      const create = await stream.next();
      assert.equal(create.operationType, 'create');
      assert.ok(create.collectionUUID instanceof Binary && create.collectionUUID.sub_type === 4);
      assert.deepEqual(create.ns, { db: 'expanded', coll: 'c1' });
      assert.deepEqual((create.operationDescription as Document).idIndex, { v: 2, key: { _id: 1 }, name: '_id_' });
      const createIndexes = await stream.next();
      assert.equal(createIndexes.operationType, 'createIndexes');
      assert.deepEqual(createIndexes.operationDescription, { indexes: [{ v: 2, key: { x: 1 }, name: 'x_1' }] });
      const insert = await stream.next();
      assert.equal(insert.operationType, 'insert');
      assert.ok(insert.collectionUUID instanceof Binary);
      const update = await stream.next();
      assert.deepEqual(update.updateDescription, { updatedFields: { 'a.1': 2 }, removedFields: [], truncatedArrays: [], disambiguatedPaths: { 'a.1': ['a', '1'] } });
      const modify = await stream.next();
      assert.equal(modify.operationType, 'modify');
      const dropIndexes = await stream.next();
      assert.equal(dropIndexes.operationType, 'dropIndexes');
      const targetCreate = await stream.next();
      assert.equal(targetCreate.operationType, 'create');
      assert.equal((await stream.next()).operationType, 'insert');
      const rename = await stream.next();
      assert.equal(rename.operationType, 'rename');
      const description = rename.operationDescription as Document;
      assert.deepEqual(description.to, { db: 'expanded', coll: 'target' });
      assert.ok(description.dropTarget instanceof Binary);
      // The plain stream saw only insert, update, insert, rename.
      const plainTypes = [];
      for (let i = 0; i < 4; i++) plainTypes.push((await plain.next()).operationType);
      assert.deepEqual(plainTypes, ['insert', 'update', 'insert', 'rename']);
      const plainUpdate = await coll.findOne({});
      void plainUpdate;
      await stream.close();
      await plain.close();
    });

    it('omits disambiguatedPaths without showExpandedEvents and uses int32 array indexes with it', async () => {
      const coll = client.db('cs').collection('disamb');
      await coll.insertOne({ _id: 1, a: [{ '1': 1 }] });
      const plain = coll.watch();
      const expanded = coll.watch([], { showExpandedEvents: true });
      await coll.updateOne({ _id: 1 }, { $set: { 'a.0.1': 2 } });
      const p = await plain.next();
      assert.deepEqual(p.updateDescription, { updatedFields: { 'a.0.1': 2 }, removedFields: [], truncatedArrays: [] });
      const e = await expanded.next();
      assert.deepEqual((e.updateDescription as Document).disambiguatedPaths, { 'a.0.1': ['a', 0, '1'] });
      await plain.close();
      await expanded.close();
    });

    it('looks up the current document with updateLookup, or null when it is gone', async () => {
      const coll = client.db('cs').collection('lookup');
      await coll.insertOne({ _id: 1, n: 0 });
      const stream = coll.watch([], { fullDocument: 'updateLookup' });
      await coll.updateOne({ _id: 1 }, { $inc: { n: 1 } });
      assert.deepEqual((await stream.next()).fullDocument, { _id: 1, n: 1 });
      await coll.updateOne({ _id: 1 }, { $inc: { n: 1 } });
      await coll.deleteOne({ _id: 1 });
      assert.equal((await stream.next()).fullDocument, null);
      await stream.close();
    });

    it('returns pre- and post-images only for collections that enable them', async () => {
      const db = client.db('images');
      await db.createCollection('on', { changeStreamPreAndPostImages: { enabled: true } });
      const on = db.collection('on');
      const off = db.collection('off');
      await on.insertOne({ _id: 1 });
      await off.insertOne({ _id: 1 });
      const whenAvailable = db.watch([], { fullDocument: 'whenAvailable', fullDocumentBeforeChange: 'whenAvailable' });
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
      assert.deepEqual(d.fullDocumentBeforeChange, { _id: 1, x: 1 });
      assert.ok(!('fullDocument' in d));
      await whenAvailable.close();
      const off1 = off.watch([], { fullDocumentBeforeChange: 'off' });
      await off.updateOne({ _id: 1 }, { $set: { x: 2 } });
      assert.ok(!('fullDocumentBeforeChange' in (await off1.next())));
      await off1.close();
      const required = off.watch([], { fullDocument: 'required' });
      await off.updateOne({ _id: 1 }, { $set: { x: 3 } });
      await rejectsWith(() => required.next(), 47);
      assert.equal(required.alive, false);
      const requiredPre = off.watch([], { fullDocumentBeforeChange: 'required' });
      await off.updateOne({ _id: 1 }, { $set: { x: 4 } });
      await rejectsWith(() => requiredPre.next(), 47);
      // collMod turns images on for later writes.
      await db.command({ collMod: 'off', changeStreamPreAndPostImages: { enabled: true } });
      const nowOn = off.watch([], { fullDocument: 'required', fullDocumentBeforeChange: 'required' });
      await off.updateOne({ _id: 1 }, { $set: { x: 5 } });
      const e = await nowOn.next();
      assert.deepEqual(e.fullDocument, { _id: 1, x: 5 });
      assert.deepEqual(e.fullDocumentBeforeChange, { _id: 1, x: 4 });
      await nowOn.close();
    });

    it('rejects bad $changeStream options with MongoDB codes', async () => {
      const coll = client.db('cs').collection('opts');
      await rejectsWith(() => coll.watch([], { fullDocument: 'bogus' as never }).next(), 2);
      await rejectsWith(() => coll.watch([], { fullDocumentBeforeChange: 'bogus' as never }).next(), 2);
      const stream = coll.watch();
      await coll.insertOne({ _id: 'tok' });
      const token = (await stream.next())._id as Document;
      await stream.close();
      await rejectsWith(() => coll.watch([], { resumeAfter: token, startAfter: token }).next(), 50865);
      await rejectsWith(() => coll.watch([], { resumeAfter: token, startAtOperationTime: new Timestamp({ t: 1, i: 1 }) }).next(), 40674);
      await rejectsWith(() => coll.watch([], { resumeAfter: { _data: 'zz' } }).next(), 2);
      await rejectsWith(() => client.db('cs').command({ aggregate: 'opts', pipeline: [{ $changeStream: { bogus: 1 } }], cursor: {} }), 40415);
      await rejectsWith(() => client.db('cs').command({ aggregate: 'opts', pipeline: [{ $match: {} }, { $changeStream: {} }], cursor: {} }), 40602);
    });

    it('validates the pipeline: unknown stage 40324, disallowed stage 20, changed _id 280', async () => {
      const coll = client.db('cs').collection('pipe');
      await rejectsWith(() => coll.watch([{ $unsupported: 1 }]).next(), 40324);
      await rejectsWith(() => coll.watch([{ $group: { _id: null } }]).next(), 20);
      const bad = coll.watch([{ $project: { _id: 0 } }]);
      await coll.insertOne({ _id: 1 });
      await rejectsWith(() => bad.next(), 280, { labels: ['NonResumableChangeStreamError'] });
      assert.equal(bad.alive, false);
    });

    it('filters and reshapes events with $match, $project, $addFields, $replaceRoot', async () => {
      const coll = client.db('cs').collection('reshape');
      const stream = coll.watch([
        { $match: { operationType: 'insert', 'fullDocument.z': { $gte: 3 } } },
        { $addFields: { doubled: { $multiply: ['$fullDocument.z', 2] } } },
        { $project: { optype: '$operationType', doubled: 1, 'ns.viewOn': 'db.coll' } },
      ]);
      await coll.insertMany([{ _id: 1, z: 1 }, { _id: 2, z: 3 }]);
      await coll.deleteOne({ _id: 2 });
      const event = await stream.next();
      assert.deepEqual(Object.keys(event).sort(), ['_id', 'doubled', 'ns', 'optype']);
      assert.equal(event.optype, 'insert');
      assert.equal(event.doubled, 6);
      assert.deepEqual(event.ns, { viewOn: 'db.coll' });
      assert.equal(await stream.tryNext(), null);
      await stream.close();
      const replaced = coll.watch([{ $replaceRoot: { newRoot: { _id: '$_id', kind: '$operationType' } } }]);
      await coll.insertOne({ _id: 3 });
      const r = await replaced.next();
      assert.deepEqual(Object.keys(r), ['_id', 'kind']);
      await replaced.close();
    });

    it('resumes after an event token, from an idle high-water mark, and at an operation time', async () => {
      const coll = client.db('cs').collection('resume');
      const stream = coll.watch();
      await coll.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
      const first = await stream.next();
      await stream.close();
      const resumed = coll.watch([], { resumeAfter: first._id as Document });
      assert.deepEqual((await resumed.next()).documentKey, { _id: 2 });
      assert.deepEqual((await resumed.next()).documentKey, { _id: 3 });
      // Idle: tryNext returns null but the token advances past everything scanned.
      assert.equal(await resumed.tryNext(), null);
      const idleToken = resumed.resumeToken!;
      assert.ok(idleToken);
      await resumed.close();
      await coll.insertOne({ _id: 4 });
      const fromIdle = coll.watch([], { resumeAfter: idleToken });
      assert.deepEqual((await fromIdle.next()).documentKey, { _id: 4 });
      const atTime = coll.watch([], { startAtOperationTime: first.clusterTime as Timestamp });
      assert.deepEqual((await atTime.next()).documentKey, { _id: 1 }, 'startAtOperationTime is inclusive');
      await fromIdle.close();
      await atTime.close();
    });

    it('fails with 280 for a token that is not in the history', async () => {
      const coll = client.db('cs').collection('unknown');
      const stream = coll.watch();
      await coll.insertOne({ _id: 1 });
      const token = (await stream.next())._id as Document;
      await stream.close();
      // Same shape, a cluster time that no entry has.
      const data = String(token._data);
      const bogus = { _data: data.slice(0, 2) + 'FFFFFFFF00000001' + data.slice(18) };
      await rejectsWith(() => coll.watch([], { resumeAfter: bogus }).next(), 280, { labels: ['NonResumableChangeStreamError'] });
    });

    it('supports the pymongo-style tryNext loop, batchSize and maxAwaitTimeMS', async () => {
      const coll = client.db('cs').collection('loop');
      const stream = coll.watch([], { batchSize: 2, maxAwaitTimeMS: 50 });
      assert.equal(await stream.tryNext(), null);
      assert.ok(stream.resumeToken, 'an idle stream still has a resume token');
      await coll.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
      const got: unknown[] = [];
      while (stream.alive) {
        const change = await stream.tryNext();
        if (change === null) break;
        got.push(change.documentKey);
        assert.ok(stream.resumeToken);
      }
      assert.deepEqual(got, [{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
      await stream.close();
      assert.equal(stream.alive, false);
    });

    it('emits change events, iterates with for await, and waits in next() for a later write', async () => {
      const coll = client.db('cs').collection('emit');
      const stream = coll.watch();
      const received = new Promise<Document>((resolve) => stream.once('change', resolve));
      await coll.insertOne({ _id: 'e' });
      assert.deepEqual((await received).documentKey, { _id: 'e' });
      const closed = new Promise((resolve) => stream.once('close', resolve));
      await stream.close();
      await closed;
      const iter = coll.watch([], { maxAwaitTimeMS: 20 });
      setTimeout(() => void coll.insertOne({ _id: 'later' }), 30);
      for await (const change of iter) {
        assert.deepEqual(change.documentKey, { _id: 'later' });
        break;
      }
      assert.equal(iter.closed, true);
    });

    it('runs with a session and ends its cursors with it', async () => {
      const session = client.startSession();
      const coll = client.db('cs').collection('session');
      const stream = coll.watch([], { session, fullDocument: 'updateLookup' });
      await coll.insertOne({ _id: 1 }, { session });
      await coll.updateOne({ _id: 1 }, { $set: { s: true } }, { session });
      assert.equal((await stream.next()).operationType, 'insert');
      assert.deepEqual((await stream.next()).fullDocument, { _id: 1, s: true });
      await session.endSession();
    });

    it('applies the stream collation to $match', async () => {
      const coll = client.db('cs').collection('collation');
      const stream = coll.watch([{ $match: { 'fullDocument.name': 'ABC' } }], { collation: { locale: 'en', strength: 2 } });
      await coll.insertOne({ _id: 1, name: 'abc' });
      assert.deepEqual((await stream.next()).documentKey, { _id: 1 });
      await stream.close();
    });
  });
}

describe('change stream history', () => {
  it('fails with 286 when the resume point fell out of a small oplog', async () => {
    const { client, cleanup } = await openClient('sqlite-memory', { oplogSizeMB: 0.05 });
    try {
      const coll = client.db('h').collection('c');
      const stream = coll.watch();
      await coll.insertOne({ _id: 0 });
      const token = (await stream.next())._id as Document;
      await stream.close();
      for (let i = 1; i < 200; i++) await coll.insertOne({ _id: i, pad: 'x'.repeat(500) });
      await client.serverContext.engine.oplogTrimSettled();
      await rejectsWith(() => coll.watch([], { resumeAfter: token }).next(), 286, { labels: ['NonResumableChangeStreamError'] });
    } finally {
      await cleanup();
    }
  });
});
