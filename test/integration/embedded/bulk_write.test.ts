import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { type Client, type Document } from '../../../src/index.js';
import { modes, openClient } from '../../helpers/embedded.js';
import { rejectsWith } from '../../helpers/assertions.js';

/** Runs `bulkWrite` on admin with ops and nsInfo, as a driver builds it. */
function bulkWrite(client: Client, ops: Document[], nsInfo: string[], options: Document = {}): Promise<Document> {
  return client.runCommand('admin', { bulkWrite: 1, ops, nsInfo: nsInfo.map((ns) => ({ ns })), ...options });
}

function counts(reply: Document): Document {
  const { nErrors, nInserted, nMatched, nModified, nUpserted, nDeleted } = reply;
  return { nErrors, nInserted, nMatched, nModified, nUpserted, nDeleted };
}

for (const mode of modes()) {
  describe(`bulkWrite command (${mode})`, () => {
    let client: Client;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ client, cleanup } = await openClient(mode));
    });
    after(async () => {
      await cleanup();
    });

    it('writes across namespaces and reports every operation in the results cursor', async () => {
      await client.db('bw1').collection('a').insertMany([{ _id: 1, x: 1 }, { _id: 2, x: 2 }, { _id: 3, x: 3 }]);
      const reply = await bulkWrite(client, [
        { insert: 0, document: { _id: 10 } },
        { insert: 1, document: { _id: 20, y: 1 } },
        { update: 0, filter: { _id: { $lte: 2 } }, updateMods: { $inc: { x: 10 } }, multi: true },
        { update: 1, filter: { _id: 21 }, updateMods: { $set: { y: 2 } }, upsert: true },
        { update: 0, filter: { _id: 3 }, updateMods: { z: 1 } },
        { update: 0, filter: { _id: 99 }, updateMods: { $set: { z: 1 } } },
        { delete: 0, filter: { _id: { $gte: 3 } }, multi: true },
      ], ['bw1.a', 'bw2.b'], { ordered: true });
      assert.deepEqual(counts(reply), { nErrors: 0, nInserted: 2, nMatched: 3, nModified: 3, nUpserted: 1, nDeleted: 2 });
      assert.deepEqual(reply.cursor, {
        firstBatch: [
          { ok: 1, idx: 0, n: 1 },
          { ok: 1, idx: 1, n: 1 },
          { ok: 1, idx: 2, n: 2, nModified: 2 },
          { ok: 1, idx: 3, n: 1, nModified: 0, upserted: { _id: 21 } },
          { ok: 1, idx: 4, n: 1, nModified: 1 },
          { ok: 1, idx: 5, n: 0, nModified: 0 },
          { ok: 1, idx: 6, n: 2 },
        ],
        id: 0,
        ns: 'admin.$cmd.bulkWrite',
      });
      assert.deepEqual(await client.db('bw1').collection('a').find({}).toArray(), [{ _id: 1, x: 11 }, { _id: 2, x: 12 }]);
      assert.deepEqual(await client.db('bw2').collection('b').find({}).toArray(), [{ _id: 20, y: 1 }, { _id: 21, y: 2 }]);
    });

    it('produces one change event per written document, in operation order, on a cluster stream', async () => {
      await client.db('bwcs').collection('c').insertOne({ _id: 0, v: 0 });
      const stream = client.watch();
      await bulkWrite(client, [
        { insert: 0, document: { _id: 1 } },
        { insert: 0, document: { _id: 2 } },
        { insert: 1, document: { _id: 'x' } },
        { update: 0, filter: {}, updateMods: { $set: { v: 1 } }, multi: true },
        { update: 1, filter: { _id: 'x' }, updateMods: { w: 1 } },
        { update: 1, filter: { _id: 'new' }, updateMods: { $set: { w: 2 } }, upsert: true },
        { delete: 0, filter: { _id: 0 } },
      ], ['bwcs.c', 'bwcs2.d']);
      // A marker written afterwards must be the next event: the bulk write produced exactly these.
      await client.db('bwcs').collection('marker').insertOne({ _id: 'end' });
      const seen: Document[] = [];
      for (let i = 0; i < 10; i++) {
        const e = await stream.next();
        seen.push({ op: e.operationType, ns: `${(e.ns as Document).db}.${(e.ns as Document).coll}`, id: (e.documentKey as Document)._id });
      }
      assert.deepEqual(seen, [
        { op: 'insert', ns: 'bwcs.c', id: 1 },
        { op: 'insert', ns: 'bwcs.c', id: 2 },
        { op: 'insert', ns: 'bwcs2.d', id: 'x' },
        { op: 'update', ns: 'bwcs.c', id: 0 },
        { op: 'update', ns: 'bwcs.c', id: 1 },
        { op: 'update', ns: 'bwcs.c', id: 2 },
        { op: 'replace', ns: 'bwcs2.d', id: 'x' },
        { op: 'insert', ns: 'bwcs2.d', id: 'new' },
        { op: 'delete', ns: 'bwcs.c', id: 0 },
        { op: 'insert', ns: 'bwcs.marker', id: 'end' },
      ]);
      await stream.close();
    });

    it('stops an ordered bulk write at the first error and reports it with its details', async () => {
      const reply = await bulkWrite(client, [
        { insert: 0, document: { _id: 1 } },
        { insert: 0, document: { _id: 1 } },
        { insert: 0, document: { _id: 2 } },
        { delete: 0, filter: {} },
      ], ['bwo.c']);
      assert.deepEqual(counts(reply), { nErrors: 1, nInserted: 1, nMatched: 0, nModified: 0, nUpserted: 0, nDeleted: 0 });
      const batch = (reply.cursor as Document).firstBatch as Document[];
      assert.equal(batch.length, 2);
      assert.deepEqual(batch[0], { ok: 1, idx: 0, n: 1 });
      const { errmsg, ...error } = batch[1]!;
      assert.deepEqual(error, { ok: 0, idx: 1, code: 11000, keyPattern: { _id: 1 }, keyValue: { _id: 1 }, n: 0 });
      assert.match(String(errmsg), /E11000 duplicate key error collection: bwo\.c index: _id_ dup key/);
      assert.deepEqual(await client.db('bwo').collection('c').find({}).toArray(), [{ _id: 1 }]);
    });

    it('goes on after errors when unordered, and errorsOnly leaves only the errors in the cursor', async () => {
      const reply = await bulkWrite(client, [
        { insert: 0, document: { _id: 1 } },
        { insert: 0, document: { _id: 1 } },
        { update: 0, filter: { _id: 1 }, updateMods: { $set: { _id: 5 } } },
        { insert: 1, document: { _id: 1 } },
        { delete: 0, filter: { _id: 1 }, collation: { locale: 'nope' } },
        { update: 0, filter: { _id: 1 }, updateMods: { $set: { a: 1 } } },
      ], ['bwu.c', 'bad$db.c'], { ordered: false, errorsOnly: true });
      assert.deepEqual(counts(reply), { nErrors: 4, nInserted: 1, nMatched: 1, nModified: 1, nUpserted: 0, nDeleted: 0 });
      const batch = (reply.cursor as Document).firstBatch as Document[];
      assert.deepEqual(batch.map((d) => [d.ok, d.idx, d.code]), [[0, 1, 11000], [0, 2, 66], [0, 3, 73], [0, 4, 2]]);
      // A failed update reports nModified: 0 next to n: 0, as mongod's reply items do.
      assert.deepEqual([batch[1]!.n, batch[1]!.nModified], [0, 0]);
      assert.deepEqual([batch[2]!.n, 'nModified' in batch[2]!], [0, false]);
      assert.deepEqual(await client.db('bwu').collection('c').find({}).toArray(), [{ _id: 1, a: 1 }]);
    });

    it('gives $expr the command let and a pipeline update its constants; an undefined variable fails only its op', async () => {
      await client.db('bwl').collection('c').insertMany([{ _id: 1, x: 1 }, { _id: 2, x: 2 }]);
      const reply = await bulkWrite(client, [
        { update: 0, filter: { $expr: { $eq: ['$_id', '$$target'] } }, updateMods: [{ $set: { x: { $add: ['$x', '$$step'] } } }], constants: { step: 10 } },
        { delete: 0, filter: { $expr: { $eq: ['$_id', '$$missing'] } } },
        { delete: 0, filter: { $expr: { $eq: ['$_id', { $add: ['$$target', 1] }] } } },
      ], ['bwl.c'], { let: { target: 1 }, ordered: false });
      assert.deepEqual(counts(reply), { nErrors: 1, nInserted: 0, nMatched: 1, nModified: 1, nUpserted: 0, nDeleted: 1 });
      const batch = (reply.cursor as Document).firstBatch as Document[];
      assert.deepEqual(batch.map((d) => [d.ok, d.idx, d.code]), [[1, 0, undefined], [0, 1, 17276], [1, 2, undefined]]);
      assert.deepEqual(await client.db('bwl').collection('c').find({}).toArray(), [{ _id: 1, x: 11 }]);
    });

    it('pages results through getMore when cursor.batchSize asks for it', async () => {
      const ops = [0, 1, 2, 3, 4].map((i) => ({ insert: 0, document: { _id: i } }));
      const reply = await bulkWrite(client, ops, ['bwc.c'], { cursor: { batchSize: 2 } });
      const cursor = reply.cursor as Document;
      assert.deepEqual((cursor.firstBatch as Document[]).map((d) => d.idx), [0, 1]);
      assert.notEqual(Number(cursor.id), 0);
      const more = await client.runCommand('admin', { getMore: cursor.id, collection: '$cmd.bulkWrite' });
      assert.deepEqual(((more.cursor as Document).nextBatch as Document[]).map((d) => d.idx), [2, 3, 4]);
      assert.equal(Number((more.cursor as Document).id), 0);
    });

    it('fails the whole command, writing nothing, for a malformed request', async () => {
      const insert = { insert: 0, document: { _id: 1 } };
      await rejectsWith(() => client.runCommand('admin', { bulkWrite: 1, nsInfo: [{ ns: 'bwv.c' }] }), 40414);
      await rejectsWith(() => client.runCommand('admin', { bulkWrite: 1, ops: [insert] }), 40414);
      await rejectsWith(() => bulkWrite(client, [], ['bwv.c']), 16);
      await rejectsWith(() => bulkWrite(client, [insert], ['bwv.c'], { fooField: 1 }), 40415);
      await rejectsWith(() => bulkWrite(client, [{ ...insert, extra: 1 }], ['bwv.c']), 40415);
      await rejectsWith(() => bulkWrite(client, [insert, { insert: 1, document: {} }], ['bwv.c']), 2);
      await rejectsWith(() => bulkWrite(client, [{ insert: 'x', document: {} }], ['bwv.c']), 14);
      await rejectsWith(() => bulkWrite(client, [{ insert: 0, document: 'x' }], ['bwv.c']), 14);
      await rejectsWith(() => bulkWrite(client, [{ update: 0, filter: {} }], ['bwv.c']), 40414);
      await rejectsWith(() => bulkWrite(client, [{ delete: 0, filter: {}, multi: 1 }], ['bwv.c']), 14);
      await rejectsWith(() => bulkWrite(client, [{ remove: 0, filter: {} }], ['bwv.c']), 9);
      await rejectsWith(() => bulkWrite(client, [insert], ['nodot']), 73);
      await rejectsWith(() => bulkWrite(client, [insert], ['bwv.c'], { ordered: 'yes' }), 14);
      await rejectsWith(() => client.runCommand('bwv', { bulkWrite: 1, ops: [insert], nsInfo: [{ ns: 'bwv.c' }] }), 13);
      assert.equal(await client.db('bwv').collection('c').countDocuments(), 0);
    });
  });
}
