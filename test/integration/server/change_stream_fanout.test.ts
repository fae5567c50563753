// Many driver streams receive one change: every stream gets the same event, whatever the compression, whether the
// event is small or larger than a socket write, and alongside streams whose pipelines or options reshape it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient, type ChangeStream, type ChangeStreamDocument, type Document } from 'mongodb';
import { startServer, type RunningServer } from '../../../src/server/index.js';

function clientFor(server: RunningServer, query = ''): MongoClient {
  return new MongoClient(`mongodb://${server.address}/?replicaSet=rs0&serverSelectionTimeoutMS=5000${query}`);
}

/** The next `count` events of a stream, or a failure after 5 s. */
async function take(stream: ChangeStream, count: number): Promise<ChangeStreamDocument[]> {
  const out: ChangeStreamDocument[] = [];
  const deadline = Date.now() + 5000;
  while (out.length < count) {
    if (Date.now() > deadline) assert.fail(`only ${out.length} of ${count} events arrived`);
    const next = await stream.tryNext();
    if (next) out.push(next);
  }
  return out;
}

describe('one change, many streams, through the official driver', () => {
  let server: RunningServer;
  const clients: MongoClient[] = [];

  before(async () => {
    server = await startServer({ port: 0, bindIp: '127.0.0.1', dbpath: ':memory:', replSet: 'rs0', enableTestCommands: false });
    for (const query of ['', '&compressors=zlib', '&compressors=snappy']) {
      const client = clientFor(server, query);
      await client.connect();
      clients.push(client);
    }
  });

  after(async () => {
    for (const client of clients) await client.close();
    await server?.close();
  });

  test('plain streams on every client get identical events; reshaping streams get theirs; find still works', async () => {
    const coll = (c: MongoClient) => c.db('fanout').collection<{ _id: string | number; [key: string]: unknown }>('events');
    await coll(clients[0]!).insertOne({ _id: 'seed' });
    const plain = clients.flatMap((c) => [0, 1, 2].map(() => coll(c).watch([], { maxAwaitTimeMS: 50 })));
    const projected = clients.map((c) => coll(c).watch([{ $project: { operationType: 1, 'fullDocument.n': 1 } }], { maxAwaitTimeMS: 50 }));
    const lookedUp = clients.map((c) => coll(c).watch([], { fullDocument: 'updateLookup', maxAwaitTimeMS: 50 }));
    // Opened before the writes: tryNext sends the aggregate.
    for (const s of [...plain, ...projected, ...lookedUp]) assert.equal(await s.tryNext(), null);

    const big = 'b'.repeat(200_000);
    await coll(clients[0]!).insertOne({ _id: 1, n: 1, text: 'small é' });
    await coll(clients[1]!).insertOne({ _id: 2, n: 2, text: big });
    await coll(clients[2]!).updateOne({ _id: 1 }, { $set: { n: 10 } });

    const seen = await Promise.all(plain.map((s) => take(s, 3)));
    for (const events of seen) assert.deepEqual(events, seen[0]);
    const [first, second, third] = seen[0]!;
    assert.equal(first!.operationType, 'insert');
    assert.deepEqual((first as { fullDocument: Document }).fullDocument, { _id: 1, n: 1, text: 'small é' });
    assert.equal((second as { fullDocument: Document }).fullDocument.text, big);
    assert.equal(third!.operationType, 'update');
    assert.equal('fullDocument' in third!, false);

    for (const s of projected) {
      const events = await take(s, 3);
      assert.deepEqual(events.map((e) => (e as { fullDocument?: Document }).fullDocument), [{ n: 1 }, { n: 2 }, undefined]);
      assert.deepEqual(events.map((e) => e._id), seen[0]!.map((e) => e._id));
    }
    for (const s of lookedUp) {
      const events = await take(s, 3);
      assert.deepEqual((events[2] as { fullDocument: Document }).fullDocument, { _id: 1, n: 10, text: 'small é' });
    }

    for (const c of clients) {
      const docs = await coll(c).find({}, { batchSize: 2 }).sort({ n: 1 }).toArray();
      assert.deepEqual(docs.map((d) => d._id), ['seed', 2, 1]);
      assert.equal(docs[1]!.text, big);
    }
    await Promise.all([...plain, ...projected, ...lookedUp].map((s) => s.close()));
  });
});
