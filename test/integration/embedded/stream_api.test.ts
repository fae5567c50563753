import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChangeStream, ClusterChangeStream, CollectionChangeStream, DatabaseChangeStream, MongoServerError, type Document } from '../../../src/index.js';
import { openClient } from '../../helpers/embedded.js';

describe('ChangeStream API details', () => {
  it('returns the three stream classes, all ChangeStreams', async () => {
    const { client, cleanup } = await openClient('memory');
    try {
      const streams = [client.watch(), client.db('a').watch(), client.db('a').collection('b').watch()];
      assert.ok(streams[0] instanceof ClusterChangeStream);
      assert.ok(streams[1] instanceof DatabaseChangeStream);
      assert.ok(streams[2] instanceof CollectionChangeStream);
      for (const s of streams) {
        assert.ok(s instanceof ChangeStream);
        await s.close();
      }
    } finally {
      await cleanup();
    }
  });

  it('passes comment to the server, and hasNext() waits for a change', async () => {
    const { client, cleanup } = await openClient('memory');
    try {
      const sent: Document[] = [];
      const original = client.runCommand.bind(client);
      client.runCommand = (db, cmd, session) => {
        sent.push(cmd);
        return original(db, cmd, session);
      };
      const coll = client.db('a').collection('comment');
      const stream = coll.watch([], { comment: 'audit trail', maxAwaitTimeMS: 20 });
      setTimeout(() => void coll.insertOne({ _id: 1 }), 50);
      assert.equal(await stream.hasNext(), true);
      assert.equal((await stream.next()).operationType, 'insert');
      const aggregate = sent.find((c) => 'aggregate' in c)!;
      assert.equal(aggregate.comment, 'audit trail');
      assert.ok(sent.filter((c) => 'getMore' in c).every((c) => c.comment === 'audit trail' && c.maxTimeMS === 20));
      await stream.close();
      assert.equal(await stream.hasNext(), false);
    } finally {
      await cleanup();
    }
  });

  it("emits 'error' and 'close' in listener mode when the stream fails", async () => {
    const { client, cleanup } = await openClient('memory');
    try {
      const coll = client.db('a').collection('errors');
      await coll.insertOne({ _id: 1 });
      const stream = coll.watch([], { fullDocument: 'required' });
      const failed = new Promise<unknown>((resolve) => stream.on('error', resolve));
      const closed = new Promise<void>((resolve) => stream.on('close', () => resolve()));
      stream.on('change', () => assert.fail('no change expected'));
      await coll.updateOne({ _id: 1 }, { $set: { x: 1 } });
      const err = await failed;
      assert.ok(err instanceof MongoServerError && err.code === 47);
      await closed;
      assert.equal(stream.alive, false);
    } finally {
      await cleanup();
    }
  });

  it('streams changes as a Readable', async () => {
    const { client, cleanup } = await openClient('memory');
    try {
      const coll = client.db('a').collection('readable');
      const stream = coll.watch();
      const readable = stream.stream();
      await coll.insertOne({ _id: 'r' });
      for await (const change of readable) {
        assert.deepEqual((change as Document).documentKey, { _id: 'r' });
        break;
      }
      // Destroying the Readable ends the iteration, which closes the change stream.
      if (!stream.closed) await new Promise((resolve) => stream.once('close', resolve));
      assert.equal(stream.closed, true);
    } finally {
      await cleanup();
    }
  });
});
