/**
 * PostgreSQL going away under a running eddydb server: the server stays up, reconnects by itself once PostgreSQL is
 * back, and what clients see in between is what a replica set's clients see when their primary restarts: a
 * retryable error (HostUnreachable with RetryableWriteError on a retryable write, ResumableChangeStreamError on a
 * change stream), which the driver retries. Nothing acknowledged is lost and a change stream misses nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MongoClient, MongoServerError } from 'mongodb';
import { startServer, type RunningServer } from '../../../src/server/index.js';
import { requireOptional } from '../../helpers/optional.js';
import { createTestDatabase, POSTGRES_HOW_TO_GET, postgresMissing, type TestDatabase } from '../../helpers/postgres.js';

const SUITE = 'an eddydb server when PostgreSQL restarts';

if (requireOptional(SUITE, postgresMissing(), POSTGRES_HOW_TO_GET)) {
  describe(SUITE, () => {
    let database: TestDatabase;
    let server: RunningServer;
    let client: MongoClient;

    before(async () => {
      database = await createTestDatabase();
      server = await startServer({ port: 0, bindIp: '127.0.0.1', dbpath: ':memory:', pgUri: database.uri, replSet: 'rs0', enableTestCommands: true });
      client = new MongoClient(`mongodb://${server.address}/`, { serverSelectionTimeoutMS: 10_000 });
    });

    after(async () => {
      await client?.close();
      await server?.close();
      await database?.drop();
    });

    for (const mode of ['immediate', 'fast'] as const) {
      test(`after a ${mode} stop: retried writes and reads go through, and the change stream misses nothing`, async () => {
        const coll = client.db('app').collection<{ _id: number; mode: string }>(`restart_${mode}`);
        const stream = coll.watch();
        await stream.tryNext();
        for (let i = 0; i < 5; i++) await coll.insertOne({ _id: i, mode });

        database.cluster.stop(mode);
        database.cluster.start();

        // The first attempt of each meets the lost connection; the driver's one retry meets the reconnected one.
        for (let i = 5; i < 10; i++) await coll.insertOne({ _id: i, mode });
        await coll.updateOne({ _id: 0 }, { $set: { mode: 'updated' } });
        assert.equal(await coll.countDocuments(), 10);

        const seen: string[] = [];
        while (seen.length < 11) {
          const change = await stream.next();
          seen.push(`${change.operationType} ${(change as unknown as { documentKey: { _id: number } }).documentKey._id}`);
        }
        assert.deepEqual(seen, [...Array.from({ length: 10 }, (_, i) => `insert ${i}`), 'update 0']);
        await stream.close();
      });
    }

    test('while PostgreSQL is down, commands fail at once with HostUnreachable, and work again once it is back', async () => {
      const coll = client.db('app').collection<{ _id: number }>('down');
      await coll.insertOne({ _id: 1 });
      database.cluster.stop('fast');
      try {
        // A write outside a session's retry: its error reaches the client as the server gave it.
        const error = await client.db('app').command({ insert: 'down', documents: [{ _id: 2 }] }).then(
          () => assert.fail('the insert succeeded with PostgreSQL down'),
          (err: unknown) => err,
        );
        assert.ok(error instanceof MongoServerError, String(error));
        assert.equal(error.code, 6);
        assert.equal(error.codeName, 'HostUnreachable');
        assert.match(error.message, /PostgreSQL/);
        const status = await client.db('admin').command({ ping: 1 });
        assert.equal(status.ok, 1, 'the server itself still answers');
      } finally {
        database.cluster.start();
      }
      await coll.insertOne({ _id: 3 });
      assert.deepEqual((await coll.find().sort({ _id: 1 }).toArray()).map((d) => d._id), [1, 3]);
    });
  });
}
