/**
 * Natural order, capped collections and tailable cursors through the embedded client, on every storage mode: the
 * same behaviour the driver suite checks over the wire (test/integration/driver/capped.test.ts), here against each
 * storage engine's natural scan.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../../../src/index.js';
import { modes, openClient } from '../../helpers/embedded.js';
import { rejectsWith } from '../../helpers/assertions.js';

type Doc = Record<string, unknown>;
const ids = (docs: Doc[]) => docs.map((d) => d._id);

for (const mode of modes()) {
  describe(`natural order and capped collections (${mode})`, () => {
    it('reads in insertion order forward and backward, across interleaved collections, through updates and deletes', async () => {
      const { client, cleanup } = await openClient(mode);
      try {
        const a = client.db('nat').collection('a');
        const b = client.db('nat').collection('b');
        for (const id of [4, 2, 8, 6]) {
          await a.insertOne({ _id: id });
          await b.insertOne({ _id: id });
        }
        await a.updateOne({ _id: 4 }, { $set: { big: 'y'.repeat(2000) } });
        await a.deleteOne({ _id: 8 });
        await a.insertOne({ _id: 1 });
        assert.deepEqual(ids(await a.find().sort({ $natural: 1 }).toArray()), [4, 2, 6, 1]);
        assert.deepEqual(ids(await a.find({}, { hint: { $natural: -1 } }).toArray()), [1, 6, 2, 4]);
        assert.deepEqual(ids(await a.find({}, { batchSize: 1 }).sort({ $natural: -1 }).toArray()), [1, 6, 2, 4]);
        assert.deepEqual(ids(await a.find().sort({ _id: 1 }).toArray()), [1, 2, 4, 6]);
        await rejectsWith(() => a.find().sort({ $natural: 0 }).toArray(), 2, { codeName: 'BadValue' });
      } finally {
        await cleanup();
      }
    });

    it('caps by max and size, oldest first, and tails what comes after', async () => {
      const { client, cleanup } = await openClient(mode);
      try {
        const db = client.db('cap');
        await db.createCollection('c', { capped: true, size: 4096, max: 3 });
        const c = db.collection('c');
        for (const id of [9, 8, 7, 6, 5]) await c.insertOne({ _id: id });
        assert.deepEqual(ids(await c.find().toArray()), [5, 6, 7]);
        assert.deepEqual(ids(await c.find().sort({ $natural: 1 }).toArray()), [7, 6, 5]);
        const first = await db.command({ find: 'c', tailable: true });
        const cursor = first.cursor as { id: unknown; firstBatch: Doc[] };
        assert.deepEqual(ids(cursor.firstBatch), [7, 6, 5]);
        await c.insertOne({ _id: 4 });
        const more = await db.command({ getMore: cursor.id, collection: 'c' });
        assert.deepEqual(ids((more.cursor as { nextBatch: Doc[] }).nextBatch), [4]);
        await rejectsWith(() => db.command({ create: 'bad', capped: true }), 72, { codeName: 'InvalidOptions' });
        await rejectsWith(() => db.command({ find: 'c', awaitData: true }), 9, { codeName: 'FailedToParse' });
      } finally {
        await cleanup();
      }
    });

    it('caps by the collection as it is after updates and deletes made since the last insert', async () => {
      const { client, cleanup } = await openClient(mode);
      try {
        const db = client.db('cap');
        await db.createCollection('sizes', { capped: true, size: 1024 });
        const c = db.collection('sizes');
        // 52 bytes each: 520 in all.
        for (let i = 0; i < 10; i++) await c.insertOne({ _id: i, p: 'x'.repeat(30) });
        // Grown to 622 bytes: 1090 in all, over the cap until the next insert trims it.
        await c.updateOne({ _id: 0 }, { $set: { p: 'y'.repeat(600) } });
        await c.insertOne({ _id: 10, p: 'x'.repeat(30) });
        assert.deepEqual(ids(await c.find().sort({ $natural: 1 }).toArray()), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        await c.deleteMany({ _id: { $lt: 9 } });
        for (let i = 11; i <= 25; i++) await c.insertOne({ _id: i, p: 'x'.repeat(30) });
        assert.deepEqual(ids(await c.find().sort({ $natural: 1 }).toArray()), Array.from({ length: 17 }, (_, k) => 9 + k));
        await c.insertMany(Array.from({ length: 5 }, (_, k) => ({ _id: 26 + k, p: 'x'.repeat(30) })));
        assert.deepEqual(ids(await c.find().sort({ $natural: 1 }).toArray()), Array.from({ length: 19 }, (_, k) => 12 + k));
      } finally {
        await cleanup();
      }
    });
  });
}

describe('natural order after a restart (sqlite-file)', () => {
  it('keeps insertion order and the caps', async () => {
    const { client, dir, cleanup } = await openClient('sqlite-file');
    let reopened: Client | undefined;
    try {
      await client.db('r').createCollection('c', { capped: true, size: 4096, max: 2 });
      for (const id of ['z', 'a', 'm']) await client.db('r').collection('c').insertOne({ _id: id });
      await client.close();
      reopened = await Client.open(dir!);
      const c = reopened.db('r').collection('c');
      assert.deepEqual(ids(await c.find().sort({ $natural: 1 }).toArray()), ['a', 'm']);
      await c.insertOne({ _id: 'b' });
      assert.deepEqual(ids(await c.find().sort({ $natural: 1 }).toArray()), ['m', 'b']);
    } finally {
      await reopened?.close();
      await cleanup().catch(() => undefined);
    }
  });
});
