/**
 * Capped collections, natural order and tailable cursors through the official driver, as mongod 8.0 answers them:
 * `$natural` sorts and hints read in insertion order, a capped collection keeps its size and max by deleting its
 * oldest documents (deletes a change stream sees), tailable cursors return what was inserted since their last batch
 * (awaitData ones wait for it), and their errors carry mongod's codes and messages.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Document, MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { asLong, clientFor, rejectsWith, startInProcess } from './harness.js';

describe('capped collections, natural order and tailable cursors through the official driver', () => {
  let server: RunningServer;
  let client: MongoClient;

  before(async () => {
    server = await startInProcess();
    client = clientFor(server.address);
  });

  after(async () => {
    await client?.close();
    await server?.close();
  });

  const ids = (docs: Document[]) => docs.map((d) => d._id);

  describe('natural order', () => {
    test('sort and hint {$natural: 1 | -1} read in insertion order, not _id order; an update keeps its place', async () => {
      const c = client.db('nat').collection('order');
      for (const id of [5, 1, 9, 3]) await c.insertOne({ _id: id, n: id } as Document);
      await c.updateOne({ _id: 5 } as Document, { $set: { grown: 'x'.repeat(500) } });
      assert.deepEqual(ids(await c.find().sort({ $natural: 1 }).toArray()), [5, 1, 9, 3]);
      assert.deepEqual(ids(await c.find().sort({ $natural: -1 }).toArray()), [3, 9, 1, 5]);
      assert.deepEqual(ids(await c.find({}, { hint: { $natural: -1 } }).toArray()), [3, 9, 1, 5]);
      assert.deepEqual(ids(await c.find({ n: { $gt: 1 } }, { hint: { $natural: 1 } }).limit(2).toArray()), [5, 9]);
      // A hint orders the scan; a sort on a field still sorts.
      assert.deepEqual(ids(await c.find({}, { hint: { $natural: -1 } }).sort({ _id: 1 }).toArray()), [1, 3, 5, 9]);
      assert.deepEqual(ids(await c.find().sort({ _id: 1 }).toArray()), [1, 3, 5, 9]);
      // Read in small batches, the scan resumes after each one.
      assert.deepEqual(ids(await c.find({}, { batchSize: 1 }).sort({ $natural: 1 }).toArray()), [5, 1, 9, 3]);
    });

    test('a $natural value other than 1 or -1 is BadValue', async () => {
      const db = client.db('nat');
      await rejectsWith(db.command({ find: 'order', sort: { $natural: 2 } }), 2, { codeName: 'BadValue', message: '$natural sort cannot be set to a value other than -1 or 1.' });
      await rejectsWith(db.command({ find: 'order', hint: { $natural: 'x' } }), 2, { codeName: 'BadValue', message: '$natural hint cannot be set to a value other than -1 or 1.' });
    });
  });

  describe('creating a capped collection', () => {
    test('size is required, needs capped, and is rounded up to 256 bytes; max must stay below 2^31', async () => {
      const db = client.db('capcreate');
      await rejectsWith(db.command({ create: 'a', capped: true }), 72, { codeName: 'InvalidOptions', message: "the 'size' field is required when 'capped' is true" });
      await rejectsWith(db.command({ create: 'a', capped: true, max: 5 }), 72, { codeName: 'InvalidOptions' });
      await rejectsWith(db.command({ create: 'a', size: 1000 }), 72, {
        codeName: 'InvalidOptions', message: "the 'capped' field needs to be true when either the 'size' or 'max' fields are present",
      });
      await rejectsWith(db.command({ create: 'a', capped: true, size: 0 }), 51024, { message: "BSON field 'size' value must be >= 1, actual value '0'" });
      await rejectsWith(db.command({ create: 'a', capped: true, size: 1000, max: 2 ** 31 }), 51024, { message: "BSON field 'max' value must be < 2147483648, actual value '2147483648'" });
      await rejectsWith(db.command({ create: 'a', capped: true, size: 'big' }), 14, { codeName: 'TypeMismatch' });
      await db.createCollection('log', { capped: true, size: 1000, max: 10 });
      const [info] = await db.listCollections({ name: 'log' }).toArray();
      assert.deepEqual((info as { options?: Document }).options, { capped: true, size: 1024, max: 10 });
      // The same create again is a no-op, as for any collection.
      await db.createCollection('log', { capped: true, size: 1024, max: 10 });
      const stats = await db.command({ collStats: 'log' });
      assert.equal(stats.capped, true);
      assert.equal(stats.max, 10);
      assert.equal(stats.maxSize, 1024);
      assert.equal((await db.command({ collStats: 'missing' })).capped, undefined);
    });
  });

  describe('capping', () => {
    test('max: each insert past it removes the oldest document, and a change stream sees the delete after the insert', async () => {
      const db = client.db('capmax');
      await db.createCollection('c', { capped: true, size: 100_000, max: 3 });
      const c = db.collection('c');
      const stream = c.watch();
      await stream.tryNext();
      for (const id of [10, 4, 7, 1]) await c.insertOne({ _id: id } as Document);
      await c.insertMany([{ _id: 2 }, { _id: 3 }] as Document[]);
      assert.deepEqual(ids(await c.find().sort({ $natural: 1 }).toArray()), [1, 2, 3]);
      const events: string[] = [];
      for (let i = 0; i < 9; i++) {
        const e = await stream.next();
        events.push(`${e.operationType}${(e as unknown as { documentKey: { _id: number } }).documentKey._id}`);
      }
      assert.deepEqual(events, ['insert10', 'insert4', 'insert7', 'insert1', 'delete10', 'insert2', 'delete4', 'insert3', 'delete7']);
      await stream.close();
    });

    test('size: the oldest documents go until the data fits, never the one just inserted', async () => {
      const db = client.db('capsize');
      await db.createCollection('c', { capped: true, size: 300 });
      const c = db.collection('c');
      for (let i = 0; i < 30; i++) await c.insertOne({ _id: i, pad: 'p'.repeat(40) } as Document);
      const left = await c.find().sort({ $natural: 1 }).toArray();
      const stats = await db.command({ collStats: 'c' });
      assert.ok(stats.size <= 512 && stats.size > 0, `size ${stats.size}`);
      assert.deepEqual(ids(left), Array.from({ length: left.length }, (_, k) => 30 - left.length + k));
      // A document larger than the whole cap stays, alone.
      await c.insertOne({ _id: 'big', pad: 'q'.repeat(1000) } as Document);
      assert.deepEqual(ids(await c.find().toArray()), ['big']);
    });

    test('updates may grow a document and deletes are allowed (mongod 5.3+); inside a transaction writes are refused', async () => {
      const db = client.db('capwrites');
      await db.createCollection('c', { capped: true, size: 10_000 });
      const c = db.collection('c');
      await c.insertMany([{ _id: 1, s: 'a' }, { _id: 2, s: 'b' }] as Document[]);
      await c.updateOne({ _id: 1 } as Document, { $set: { s: 'a much longer string than before' } });
      assert.equal((await c.deleteOne({ _id: 2 } as Document)).deletedCount, 1);
      assert.deepEqual(await c.find().toArray(), [{ _id: 1, s: 'a much longer string than before' }]);
      const session = client.startSession();
      try {
        session.startTransaction();
        await rejectsWith(c.insertOne({ _id: 3 } as Document, { session }), 263);
        await session.abortTransaction().catch(() => undefined);
      } finally {
        await session.endSession();
      }
      assert.equal(await c.countDocuments(), 1);
    });
  });

  describe('tailable cursors', () => {
    test('a tailable cursor stays open at the end and returns what was inserted since, in insertion order', async () => {
      const db = client.db('tail');
      await db.createCollection('t', { capped: true, size: 100_000 });
      const c = db.collection('t');
      await c.insertMany([{ _id: 3 }, { _id: 1 }] as Document[]);
      const first = await db.command({ find: 't', tailable: true, batchSize: 10 });
      assert.deepEqual(ids(first.cursor.firstBatch), [3, 1]);
      const id = asLong(first.cursor.id);
      assert.equal(id.isZero(), false);
      const empty = await db.command({ getMore: id, collection: 't' });
      assert.deepEqual(empty.cursor.nextBatch, []);
      assert.equal(asLong(empty.cursor.id).equals(id), true);
      await c.insertMany([{ _id: 9 }, { _id: 0 }] as Document[]);
      const more = await db.command({ getMore: id, collection: 't' });
      assert.deepEqual(ids(more.cursor.nextBatch), [9, 0]);
      await db.command({ killCursors: 't', cursors: [id] });
    });

    test('an awaitData getMore waits for the next insert and returns it; with nothing new it returns empty and stays open', async () => {
      const db = client.db('tail');
      await db.createCollection('await', { capped: true, size: 100_000 });
      const c = db.collection('await');
      await c.insertOne({ _id: 'first' } as Document);
      const first = await db.command({ find: 'await', tailable: true, awaitData: true });
      assert.deepEqual(ids(first.cursor.firstBatch), ['first']);
      const id = asLong(first.cursor.id);
      const quiet = await db.command({ getMore: id, collection: 'await', maxTimeMS: 1 });
      assert.deepEqual(quiet.cursor.nextBatch, []);
      assert.equal(asLong(quiet.cursor.id).equals(id), true);
      // The getMore parks first; the insert goes in on another connection and wakes it.
      const other = clientFor(server.address);
      try {
        const waiting = db.command({ getMore: id, collection: 'await', maxTimeMS: 60_000 });
        const inserted = (async () => {
          while (server.engine.hub.waiterCount === 0) await new Promise((r) => setTimeout(r, 5));
          await other.db('tail').collection('await').insertOne({ _id: 'second' } as Document);
        })();
        const [woken] = await Promise.all([waiting, inserted]);
        assert.deepEqual(ids(woken.cursor.nextBatch), ['second']);
      } finally {
        await other.close();
      }
      await db.command({ killCursors: 'await', cursors: [id] });
    });

    test('killCursors ends a parked awaitData getMore with CursorKilled', async () => {
      const db = client.db('tail');
      await db.createCollection('killed', { capped: true, size: 4096 });
      await db.collection('killed').insertOne({ _id: 1 } as Document);
      const first = await db.command({ find: 'killed', tailable: true, awaitData: true });
      const id = asLong(first.cursor.id);
      const other = clientFor(server.address);
      try {
        const waiting = db.command({ getMore: id, collection: 'killed', maxTimeMS: 60_000 });
        while (server.engine.hub.waiterCount === 0) await new Promise((r) => setTimeout(r, 5));
        const killed = await other.db('tail').command({ killCursors: 'killed', cursors: [id] });
        assert.equal(killed.cursorsKilled.length, 1);
        await rejectsWith(waiting, 237, { codeName: 'CursorKilled' });
      } finally {
        await other.close();
      }
    });

    test('the driver tails with tailable + awaitData', async () => {
      const db = client.db('tail');
      await db.createCollection('drv', { capped: true, size: 100_000 });
      const c = db.collection('drv');
      await c.insertOne({ _id: 0 } as Document);
      const cursor = c.find({}, { tailable: true, awaitData: true, maxAwaitTimeMS: 50 });
      assert.deepEqual(await cursor.next(), { _id: 0 });
      await c.insertMany([{ _id: 1 }, { _id: 2 }] as Document[]);
      assert.deepEqual(await cursor.next(), { _id: 1 });
      assert.deepEqual(await cursor.next(), { _id: 2 });
      await cursor.close();
    });

    test('a filter, a projection and a limit apply as documents arrive', async () => {
      const db = client.db('tail');
      await db.createCollection('filtered', { capped: true, size: 100_000 });
      const c = db.collection('filtered');
      await c.insertMany([{ _id: 1, k: 'a', x: 1 }, { _id: 2, k: 'b', x: 2 }] as Document[]);
      const first = await db.command({ find: 'filtered', filter: { k: 'a' }, projection: { x: 0 }, tailable: true, limit: 2 });
      assert.deepEqual(first.cursor.firstBatch, [{ _id: 1, k: 'a' }]);
      await c.insertMany([{ _id: 3, k: 'b' }, { _id: 4, k: 'a', x: 4 }, { _id: 5, k: 'a' }] as Document[]);
      const more = await db.command({ getMore: asLong(first.cursor.id), collection: 'filtered' });
      assert.deepEqual(more.cursor.nextBatch, [{ _id: 4, k: 'a' }]);
      assert.equal(asLong(more.cursor.id).isZero(), true, 'the limit closes the cursor');
    });

    test('a tailable cursor on an empty capped collection, or a missing one, is closed at once, as mongod', async () => {
      const db = client.db('tail');
      await db.createCollection('empty', { capped: true, size: 4096 });
      for (const coll of ['empty', 'nothere']) {
        const reply = await db.command({ find: coll, tailable: true, awaitData: true });
        assert.deepEqual(reply.cursor.firstBatch, []);
        assert.equal(asLong(reply.cursor.id).isZero(), true);
      }
    });

    test('CappedPositionLost when the capping deleted the document the cursor stood on', async () => {
      const db = client.db('tail');
      await db.createCollection('lost', { capped: true, size: 100_000, max: 2 });
      const c = db.collection('lost');
      await c.insertMany([{ _id: 1 }, { _id: 2 }] as Document[]);
      const first = await db.command({ find: 'lost', tailable: true, batchSize: 1 });
      assert.deepEqual(ids(first.cursor.firstBatch), [1]);
      await c.insertMany([{ _id: 3 }, { _id: 4 }] as Document[]);
      await rejectsWith(db.command({ getMore: asLong(first.cursor.id), collection: 'lost' }), 136, {
        codeName: 'CappedPositionLost', message: /^CollectionScan died due to position in capped collection being deleted\. Last seen record id: RecordId\(\d+\)$/,
      });
    });

    test('refusals: a collection that is not capped, awaitData without tailable, a sort, singleBatch, maxTimeMS on a plain tailable getMore', async () => {
      const db = client.db('tail');
      await db.collection('plain').insertOne({ _id: 1 } as Document);
      await rejectsWith(db.command({ find: 'plain', tailable: true }), 2, {
        codeName: 'BadValue', message: 'error processing query: ns=tail.plainTree: $and\nSort: {}\nProj: {}\n tailable cursor requested on non capped collection',
      });
      await rejectsWith(db.command({ find: 'plain', awaitData: true }), 9, { codeName: 'FailedToParse', message: "Cannot set 'awaitData' without also setting 'tailable'" });
      await db.createCollection('refuse', { capped: true, size: 4096 });
      await db.collection('refuse').insertOne({ _id: 1 } as Document);
      await rejectsWith(db.command({ find: 'refuse', tailable: true, sort: { _id: 1 } }), 2, { message: 'cannot use tailable option with a sort other than {$natural: 1}' });
      await rejectsWith(db.command({ find: 'refuse', tailable: true, sort: { $natural: -1 } }), 2, { message: 'cannot use tailable option with a sort other than {$natural: 1}' });
      await rejectsWith(db.command({ find: 'refuse', tailable: true, singleBatch: true }), 2, { message: "cannot use tailable option with the 'singleBatch' option" });
      const ok = await db.command({ find: 'refuse', tailable: true, sort: { $natural: 1 } });
      await rejectsWith(db.command({ getMore: asLong(ok.cursor.id), collection: 'refuse', maxTimeMS: 10 }), 2, { message: 'cannot set maxTimeMS on getMore command for a non-awaitData cursor' });
    });
  });

  describe('local.oplog.rs', () => {
    test('entries in mongod\'s shape: inserts, updates as $v: 2 diffs, deletes, commands, and a transaction as one applyOps', async () => {
      const db = client.db('oplogshape');
      const c = db.collection('c');
      await c.insertOne({ _id: 1, a: { b: 1 }, arr: [1, 2, 3] } as Document);
      await c.updateOne({ _id: 1 } as Document, { $set: { 'a.b': 2, 'arr.1': 9 }, $unset: { gone: '' } });
      await c.replaceOne({ _id: 1 } as Document, { whole: true });
      await c.deleteOne({ _id: 1 } as Document);
      const session = client.startSession();
      try {
        await session.withTransaction(async () => {
          await c.insertOne({ _id: 'tx1' } as Document, { session });
          await c.insertOne({ _id: 'tx2' } as Document, { session });
        });
      } finally {
        await session.endSession();
      }
      const oplog = client.db('local').collection('oplog.rs');
      const entries = await oplog.find({ ns: { $in: ['oplogshape.c', 'oplogshape.$cmd', 'admin.$cmd'] } }).toArray();
      const shaped = entries.map((e) => ({ op: e.op, ns: e.ns, o: e.o, o2: e.o2 }));
      assert.deepEqual(shaped.slice(-6), [
        { op: 'c', ns: 'oplogshape.$cmd', o: { create: 'c', idIndex: { v: 2, key: { _id: 1 }, name: '_id_' } }, o2: undefined },
        { op: 'i', ns: 'oplogshape.c', o: { _id: 1, a: { b: 1 }, arr: [1, 2, 3] }, o2: undefined },
        { op: 'u', ns: 'oplogshape.c', o: { $v: 2, diff: { sa: { u: { b: 2 } }, sarr: { a: true, u1: 9 } } }, o2: { _id: 1 } },
        { op: 'u', ns: 'oplogshape.c', o: { _id: 1, whole: true }, o2: { _id: 1 } },
        { op: 'd', ns: 'oplogshape.c', o: { _id: 1 }, o2: undefined },
        {
          op: 'c', ns: 'admin.$cmd', o2: undefined,
          o: { applyOps: [{ op: 'i', ns: 'oplogshape.c', ui: entries[1]!.ui, o: { _id: 'tx1' } }, { op: 'i', ns: 'oplogshape.c', ui: entries[1]!.ui, o: { _id: 'tx2' } }] },
        },
      ]);
      const last = entries[entries.length - 1]!;
      assert.ok(last.lsid && last.txnNumber !== undefined, 'the transaction entry carries lsid and txnNumber');
      for (const e of entries) {
        assert.equal(e.ts._bsontype, 'Timestamp');
        assert.ok(e.wall instanceof Date);
        assert.equal(Number(e.v), 2);
        assert.equal(Number(e.t), 1);
      }
      // Times only grow in natural order, and a filter on ts reads from there.
      const later = await oplog.find({ ts: { $gt: entries[3]!.ts } }).toArray();
      assert.deepEqual(later.filter((e) => e.ns.startsWith('oplogshape') || e.ns === 'admin.$cmd').map((e) => e.op), ['d', 'c']);
    });

    test('rs.printReplicationInfo\'s reads: first and last by $natural, collStats with maxSize, listed in local', async () => {
      await client.db('repl').collection('x').insertOne({ _id: 1 } as Document);
      const oplog = client.db('local').collection('oplog.rs');
      const [firstEntry] = await oplog.find().sort({ $natural: 1 }).limit(1).toArray();
      const [lastEntry] = await oplog.find().sort({ $natural: -1 }).limit(1).toArray();
      assert.ok(firstEntry!.ts.lessThan(lastEntry!.ts) || firstEntry!.ts.equals(lastEntry!.ts));
      assert.equal(lastEntry!.ns, 'repl.x');
      const all = await oplog.find().toArray();
      assert.deepEqual(await oplog.find().sort({ $natural: -1 }).toArray(), [...all].reverse());
      const stats = await client.db('local').command({ collStats: 'oplog.rs' });
      assert.equal(stats.capped, true);
      assert.ok(stats.maxSize > 0);
      // A transaction's operations count one by one, as stored; find folds them into one applyOps entry.
      assert.ok(stats.count >= all.length, `${stats.count} entries, ${all.length} documents`);
      assert.ok(stats.size > 0);
      const names = (await client.db('local').listCollections().toArray()).map((c) => c.name);
      assert.ok(names.includes('oplog.rs'));
    });

    test('an oplog tailer (find ts >= X, tailable, awaitData, oplogReplay) receives later entries in order', async () => {
      const oplog = client.db('local').collection('oplog.rs');
      const [lastEntry] = await oplog.find().sort({ $natural: -1 }).limit(1).toArray();
      const cursor = oplog.find({ ts: { $gte: lastEntry!.ts } }, { tailable: true, awaitData: true, oplogReplay: true, maxAwaitTimeMS: 50 });
      assert.deepEqual((await cursor.next())!.ts, lastEntry!.ts);
      const c = client.db('tailer').collection('c');
      await c.insertOne({ _id: 'a' } as Document);
      await c.deleteOne({ _id: 'a' } as Document);
      const seen: string[] = [];
      while (seen.length < 3) {
        const e = (await cursor.next())!;
        seen.push(`${e.op} ${e.ns}`);
      }
      assert.deepEqual(seen, ['c tailer.$cmd', 'i tailer.c', 'd tailer.c']);
      await cursor.close();
    });

    test('writes to local.oplog.rs are refused with InvalidNamespace, as on a replica set member', async () => {
      const oplog = client.db('local').collection('oplog.rs');
      await assert.rejects(oplog.insertOne({ op: 'n' }), (err: Error & { code?: number }) => err.code === 73);
      await assert.rejects(oplog.deleteMany({}), (err: Error & { code?: number }) => err.code === 73);
      await assert.rejects(oplog.updateMany({}, { $set: { x: 1 } }), (err: Error & { code?: number }) => err.code === 73);
    });
  });
});
