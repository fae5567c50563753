import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal128, Long, ObjectId, type Client, type ChangeStream, type Document } from '../../../src/index.js';
import { modes, openClient } from '../../helpers/embedded.js';

/**
 * Streams whose leading $match pins a documentKey, an operationType or a namespace park in the hub's index and are
 * woken only by commits they can report. These tests check that no event is lost to that narrowing, whatever the
 * type of the _id, the collation or the DDL that ends the stream.
 */
async function until(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

for (const mode of modes()) {
  describe(`streams indexed by their leading $match (${mode})`, { timeout: 60_000 }, () => {
    let client: Client;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ client, cleanup } = await openClient(mode));
    });
    after(async () => {
      await cleanup();
    });
    /** Starts each stream's next() and waits until every one is parked in the hub, so writes reach them there. */
    async function parked(streams: ChangeStream[]): Promise<Promise<Document>[]> {
      const hub = client.serverContext.engine.hub;
      const base = hub.waiterCount;
      const pending = streams.map((s) => s.next());
      await until(`${streams.length} parked streams`, () => hub.waiterCount >= base + streams.length);
      return pending;
    }

    it('300 streams pinned to their own _id each get exactly their events, in order', async () => {
      const coll = client.db('idx').collection('many');
      const ids: unknown[] = [];
      for (let i = 0; i < 100; i++) ids.push(i, `s${i}`, new ObjectId());
      const streams = ids.map((id) => coll.watch([{ $match: { 'documentKey._id': id } }], { maxAwaitTimeMS: 5000 }));
      const firsts = await parked(streams);
      const expected = new Map<number, string[]>(ids.map((_, i) => [i, []]));
      // Interleaved writes, including documents no stream watches.
      for (let i = 0; i < ids.length; i++) {
        await coll.insertOne({ _id: ids[i], n: 0 });
        expected.get(i)!.push('insert');
        await coll.insertOne({ _id: `unwatched${i}` });
      }
      for (let round = 0; round < 2; round++) {
        for (let i = ids.length - 1; i >= 0; i -= 2) {
          await coll.updateOne({ _id: ids[i] }, { $inc: { n: 1 } });
          expected.get(i)!.push('update');
        }
      }
      await coll.insertMany(ids.map((_, i) => ({ _id: `bulk${i}` })));
      for (let i = 0; i < ids.length; i += 3) {
        await coll.deleteOne({ _id: ids[i] });
        expected.get(i)!.push('delete');
      }
      await Promise.all(streams.map(async (stream, i) => {
        const got: string[] = [];
        for (let k = 0; k < expected.get(i)!.length; k++) {
          const event = k === 0 ? await firsts[i]! : await stream.next();
          assert.deepEqual(event.documentKey, { _id: ids[i] });
          got.push(event.operationType as string);
        }
        assert.deepEqual(got, expected.get(i));
      }));
      await Promise.all(streams.map((s) => s.close()));
    });

    it('an _id equal in value but not in type is still delivered (1, 1.0, NumberLong(1), NumberDecimal("2"))', async () => {
      const coll = client.db('idx').collection('types');
      const asDouble = coll.watch([{ $match: { 'documentKey._id': 1.5 - 0.5 } }]);
      const asLong = coll.watch([{ $match: { 'documentKey._id': { $in: [Long.fromNumber(1), 'x'] } } }]);
      const decimal = coll.watch([{ $match: { 'documentKey._id': 2 } }]);
      const [d, l, dec] = await parked([asDouble, asLong, decimal]);
      await coll.insertOne({ _id: 1 });
      await coll.insertOne({ _id: Decimal128.fromString('2') });
      assert.deepEqual((await d!).documentKey, { _id: 1 });
      assert.deepEqual((await l!).documentKey, { _id: 1 });
      assert.equal(String(((await dec!).documentKey as Document)._id), '2');
      await Promise.all([asDouble.close(), asLong.close(), decimal.close()]);
    });

    it('a case-insensitive collation matches an _id of another case', async () => {
      const coll = client.db('idx').collection('collated');
      const stream = coll.watch([{ $match: { 'documentKey._id': 'abc', operationType: 'INSERT' } }], { collation: { locale: 'en', strength: 2 } });
      const [first] = await parked([stream]);
      await coll.insertOne({ _id: 'ABC' });
      assert.equal(((await first!).fullDocument as Document)._id, 'ABC');
      await stream.close();
    });

    it('a stream pinned to inserts of one _id still gets the invalidate of a drop', async () => {
      const coll = client.db('idx').collection('dropped');
      await coll.insertOne({ _id: 'seed' });
      const stream = coll.watch([{ $match: { operationType: 'insert', 'documentKey._id': 1 } }]);
      const [first] = await parked([stream]);
      await coll.insertOne({ _id: 2 });
      await coll.updateOne({ _id: 2 }, { $set: { x: 1 } });
      await coll.insertOne({ _id: 1 });
      assert.equal((await first!).operationType, 'insert');
      const next = await parked([stream]);
      await coll.updateOne({ _id: 1 }, { $set: { x: 1 } });
      await coll.drop();
      assert.equal((await next[0]!).operationType, 'invalidate');
      assert.equal(stream.alive, false);
    });

    it('a database stream pinned to ns.coll sees only that collection, and its rename', async () => {
      const db = client.db('idxdb');
      const stream = db.watch([{ $match: { 'ns.coll': 'target' } }]);
      const [first] = await parked([stream]);
      await db.collection('other').insertOne({ _id: 1 });
      await db.collection('target').insertOne({ _id: 2 });
      assert.deepEqual((await first!).documentKey, { _id: 2 });
      const [second] = await parked([stream]);
      await db.collection('source').insertOne({ _id: 3 });
      await db.collection('target').rename('elsewhere');
      const renamed = await second!;
      assert.equal(renamed.operationType, 'rename');
      assert.deepEqual(renamed.to, { db: 'idxdb', coll: 'elsewhere' });
      await stream.close();
    });

    it('updateLookup: streams reading an event at the same moment share one lookup; a later reader looks again', async () => {
      const coll = client.db('idx').collection('lookup');
      await coll.insertOne({ _id: 1, n: 0 });
      const a = coll.watch([{ $match: { operationType: 'update' } }], { fullDocument: 'updateLookup' });
      const b = coll.watch([{ $match: { operationType: 'update' } }], { fullDocument: 'updateLookup' });
      const [firstA, firstB] = await parked([a, b]);
      await coll.updateOne({ _id: 1 }, { $set: { n: 1 } });
      assert.deepEqual((await firstA!).fullDocument, { _id: 1, n: 1 });
      assert.deepEqual((await firstB!).fullDocument, { _id: 1, n: 1 });
      // a reads the next update at once; b only after a third write: b must see the document as it is then.
      const [nextA] = await parked([a]);
      await coll.updateOne({ _id: 1 }, { $set: { n: 2 } });
      assert.deepEqual((await nextA!).fullDocument, { _id: 1, n: 2 });
      await coll.updateOne({ _id: 1 }, { $set: { n: 3 } });
      assert.deepEqual((await b.next()).fullDocument, { _id: 1, n: 3 }, 'looked up when b read it, not when a did');
      await Promise.all([a.close(), b.close()]);
    });

    it('a waiting pinned stream moves its resume token past other documents\' writes, and resumes from it', async () => {
      const coll = client.db('idx').collection('tokens');
      const stream: ChangeStream = coll.watch([{ $match: { 'documentKey._id': 'mine' } }], { maxAwaitTimeMS: 50 });
      assert.equal(await stream.tryNext(), null);
      const before = stream.resumeToken;
      for (let i = 0; i < 20; i++) await coll.insertOne({ _id: i });
      assert.equal(await stream.tryNext(), null);
      const after = stream.resumeToken as { _data: string };
      assert.ok(after._data > (before as { _data: string })._data, 'token moved past the filtered-out writes');
      await stream.close();
      await coll.insertOne({ _id: 'mine' });
      const resumed = coll.watch([{ $match: { 'documentKey._id': 'mine' } }], { resumeAfter: after });
      assert.deepEqual((await resumed.next()).documentKey, { _id: 'mine' });
      await resumed.close();
    });
  });
}
