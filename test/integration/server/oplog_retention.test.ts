/** Oplog retention through the wire server: the default size, the minimum retention window, and 286 on a lost resume point. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient, MongoServerError, type Document } from 'mongodb';
import { startServer, resolveOplogSizeBytes, type StartServerOptions } from '../../../src/server/index.js';
import { removeDir, tempDir } from '../../helpers/embedded.js';

async function withServer(options: Partial<StartServerOptions>, fn: (client: MongoClient, server: Awaited<ReturnType<typeof startServer>>) => Promise<void>): Promise<void> {
  const server = await startServer({ port: 0, bindIp: '127.0.0.1', dbpath: ':memory:', replSet: 'rs0', enableTestCommands: false, ...options });
  const client = new MongoClient(`mongodb://${server.address}/?replicaSet=rs0&serverSelectionTimeoutMS=5000`);
  try {
    await client.connect();
    await fn(client, server);
  } finally {
    await client.close();
    await server.close();
  }
}

describe('oplog retention on the server', () => {
  test('without --oplogSizeMB the limit is mongod\'s default for the dbpath', async () => {
    const dir = tempDir();
    try {
      await withServer({ dbpath: dir }, async (client) => {
        const status = await client.db('admin').command({ serverStatus: 1 });
        // Free space moves while other tests write, hence the tolerance.
        const expected = resolveOplogSizeBytes(dir, undefined);
        assert.ok(Math.abs(Number(status.oplog.maxSizeBytes) - expected) <= expected * 0.01, `${status.oplog.maxSizeBytes} vs ${expected}`);
        assert.ok(Number(status.oplog.maxSizeBytes) >= 990 * 1024 * 1024);
        assert.equal(status.oplog.minRetentionHours, 0);
      });
    } finally {
      removeDir(dir);
    }
    await withServer({}, async (client) => {
      const status = await client.db('admin').command({ serverStatus: 1 });
      // os.totalmem() can move a little between two calls (a container's limit), hence the tolerance.
      const expected = resolveOplogSizeBytes(':memory:', undefined);
      assert.ok(Math.abs(Number(status.oplog.maxSizeBytes) - expected) <= expected * 0.01, `${status.oplog.maxSizeBytes} vs ${expected}`);
    });
  });

  test('--oplogMinRetentionHours keeps recent history beyond the size limit', async () => {
    await withServer({ oplogSizeMB: 0.01, oplogMinRetentionHours: 1 }, async (client, server) => {
      const coll = client.db('r').collection<{ _id: number; pad?: string }>('c');
      const stream = coll.watch();
      await stream.tryNext();
      await coll.insertOne({ _id: 0 });
      const token = (await stream.next())._id;
      await stream.close();
      for (let i = 1; i <= 50; i++) await coll.insertOne({ _id: i, pad: 'x'.repeat(500) });
      await server.engine.oplogTrimSettled();
      const status = await client.db('admin').command({ serverStatus: 1 });
      assert.ok(Number(status.oplog.sizeBytes) > 0.01 * 1024 * 1024, 'over the size limit');
      assert.equal(status.oplog.truncatedThrough, null);
      assert.equal(status.oplog.minRetentionHours, 1);
      // The first event is still there to resume after.
      const resumed = coll.watch([], { resumeAfter: token });
      const next = (await resumed.next()) as Document;
      assert.equal((next.documentKey as Document)._id, 1);
      await resumed.close();
    });
  });

  test('resuming from a token older than the kept history fails with 286', async () => {
    await withServer({ oplogSizeMB: 0.02 }, async (client, server) => {
      const coll = client.db('h').collection<{ _id: number; pad?: string }>('c');
      const stream = coll.watch();
      await stream.tryNext();
      await coll.insertOne({ _id: 0 });
      const token = (await stream.next())._id;
      await stream.close();
      for (let i = 1; i <= 100; i++) await coll.insertOne({ _id: i, pad: 'x'.repeat(500) });
      await server.engine.oplogTrimSettled();
      const status = await client.db('admin').command({ serverStatus: 1 });
      assert.ok(Number(status.oplog.sizeBytes) <= 0.02 * 1024 * 1024, `size ${status.oplog.sizeBytes}`);
      const err = await coll.watch([], { resumeAfter: token }).next().then(
        () => assert.fail('the stream resumed past lost history'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof MongoServerError, String(err));
      assert.equal(err.code, 286);
      assert.equal(err.codeName, 'ChangeStreamHistoryLost');
      assert.ok(err.hasErrorLabel('NonResumableChangeStreamError'));
    });
  });
});
