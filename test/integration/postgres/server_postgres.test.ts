/**
 * An eddydb server whose data lives in PostgreSQL (`--pgUri`), through the official driver: CRUD, indexes, a
 * transaction and change streams work as on the default engine, a change stream resumes on a new server process
 * over the same database, a second server on the same database is refused while the first runs, and the URI's
 * password appears nowhere a client can read.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MongoClient, MongoServerError, type Document, type ResumeToken } from 'mongodb';
import { startServer, type RunningServer } from '../../../src/server/index.js';
import { requireOptional } from '../../helpers/optional.js';
import { createTestDatabase, POSTGRES_HOW_TO_GET, postgresMissing, type TestDatabase } from '../../helpers/postgres.js';
import { listeningPort, run, stop } from '../server/cli_child.js';

const SUITE = 'an eddydb server on PostgreSQL';
/** Trust authentication ignores the password: it is there to prove it is never shown. */
const PASSWORD = 'never-shown-4711';

function withPassword(uri: string): string {
  const url = new URL(uri);
  url.password = PASSWORD;
  return url.toString();
}

function start(pgUri: string): Promise<RunningServer> {
  return startServer({ port: 0, bindIp: '127.0.0.1', dbpath: ':memory:', pgUri, replSet: 'rs0', enableTestCommands: true });
}

function connect(server: RunningServer): MongoClient {
  return new MongoClient(`mongodb://${server.address}/?replicaSet=rs0`, { serverSelectionTimeoutMS: 5000 });
}

if (requireOptional(SUITE, postgresMissing(), POSTGRES_HOW_TO_GET)) {
  describe(SUITE, () => {
    let database: TestDatabase;
    let pgUri: string;

    before(async () => {
      database = await createTestDatabase();
      pgUri = withPassword(database.uri);
    });

    after(async () => {
      await database?.drop();
    });

    test('CRUD, indexes, a transaction and a change stream that resumes on the next server', async () => {
      let server = await start(pgUri);
      let client = connect(server);
      let token: ResumeToken;
      try {
        const orders = client.db('shop').collection<{ _id: number; sku?: string; qty?: number }>('orders');
        const stream = orders.watch([{ $match: { operationType: { $in: ['insert', 'update', 'delete'] } } }], { fullDocument: 'updateLookup' });
        await stream.tryNext();

        await orders.createIndex({ sku: 1 }, { unique: true });
        await orders.insertMany([{ _id: 1, sku: 'a', qty: 1 }, { _id: 2, sku: 'b', qty: 2 }]);
        await orders.updateOne({ _id: 1 }, { $inc: { qty: 10 } });
        await assert.rejects(orders.insertOne({ _id: 3, sku: 'a' }), (err: unknown) => err instanceof MongoServerError && err.code === 11000);

        const session = client.startSession();
        try {
          await session.withTransaction(async () => {
            await orders.insertOne({ _id: 4, sku: 'd', qty: 4 }, { session });
            await orders.deleteOne({ _id: 2 }, { session });
          });
          session.startTransaction();
          await orders.insertOne({ _id: 5, sku: 'e' }, { session });
          await session.abortTransaction();
        } finally {
          await session.endSession();
        }

        assert.deepEqual(await orders.find({ sku: { $gte: 'a' } }).sort({ sku: 1 }).toArray(), [
          { _id: 1, sku: 'a', qty: 11 },
          { _id: 4, sku: 'd', qty: 4 },
        ]);
        const explained = await orders.find({ sku: 'd' }).explain();
        assert.match(JSON.stringify(explained.queryPlanner.winningPlan), /IXSCAN/);

        const seen: Document[] = [];
        while (seen.length < 5) {
          const event = await stream.next();
          seen.push({ op: event.operationType, id: (event as unknown as { documentKey: { _id: number } }).documentKey._id, doc: (event as { fullDocument?: Document }).fullDocument });
        }
        assert.deepEqual(seen, [
          { op: 'insert', id: 1, doc: { _id: 1, sku: 'a', qty: 1 } },
          { op: 'insert', id: 2, doc: { _id: 2, sku: 'b', qty: 2 } },
          { op: 'update', id: 1, doc: { _id: 1, sku: 'a', qty: 11 } },
          { op: 'insert', id: 4, doc: { _id: 4, sku: 'd', qty: 4 } },
          { op: 'delete', id: 2, doc: undefined },
        ]);
        token = stream.resumeToken!;
        await stream.close();

        const status = await client.db('admin').command({ serverStatus: 1 });
        assert.equal(status.storageEngine.backend, 'postgres');
        assert.equal(status.storageEngine.persistent, true);
        const opts = await client.db('admin').command({ getCmdLineOpts: 1 });
        const log = await client.db('admin').command({ getLog: 'global' });
        assert.ok(!JSON.stringify(opts).includes(PASSWORD), JSON.stringify(opts));
        assert.ok(!JSON.stringify(log).includes(PASSWORD));
      } finally {
        await client.close();
        await server.close();
      }

      // A new server process over the same database: the data is there and the stream continues after its token.
      server = await start(pgUri);
      client = connect(server);
      try {
        const orders = client.db('shop').collection<{ _id: number; sku?: string; qty?: number }>('orders');
        assert.equal(await orders.countDocuments(), 2);
        await orders.insertOne({ _id: 6, sku: 'f' });
        const stream = orders.watch([], { resumeAfter: token });
        const next = await stream.next();
        assert.equal(next.operationType, 'insert');
        assert.deepEqual((next as { documentKey: unknown }).documentKey, { _id: 6 });
        await stream.close();
      } finally {
        await client.close();
        await server.close();
      }
    });

    test('a second server on the same database is refused while the first runs', async () => {
      const first = await start(pgUri);
      try {
        await assert.rejects(start(pgUri), (err: unknown) => {
          assert.equal((err as { codeName?: unknown }).codeName, 'DBPathInUse');
          assert.match((err as Error).message, /another eddydb server/);
          assert.ok(!(err as Error).message.includes(PASSWORD));
          return true;
        });
      } finally {
        await first.close();
      }
      const again = await start(pgUri);
      await again.close();
    });

    test('`eddydb serve --pgUri`: a second process is refused, and what was acknowledged survives a SIGKILL', async () => {
      const own = await createTestDatabase('cli');
      const uri = withPassword(own.uri);
      const first = run(['serve', '--port', '0', '--pgUri', uri]);
      try {
        const port = await listeningPort(first);
        assert.ok(!first.lines.some((l) => JSON.stringify(l).includes(PASSWORD)), 'the log never shows the password');
        const client = new MongoClient(`mongodb://127.0.0.1:${port}/?replicaSet=rs0&serverSelectionTimeoutMS=5000`);
        try {
          const kept = client.db('app').collection<{ _id: number }>('kept');
          for (let i = 0; i < 20; i++) await kept.insertOne({ _id: i });
        } finally {
          await client.close();
        }
        const second = run(['serve', '--port', '0', '--pgUri', uri]);
        assert.equal(await second.exit, 100, 'refused as mongod refuses a held dbpath');
        assert.match(second.stderr(), /DBPathInUse: .*another eddydb server/);
        assert.ok(!second.stderr().includes(PASSWORD));

        first.proc.kill('SIGKILL');
        await first.exit;
        const again = run(['serve', '--port', '0', '--storageEngine', 'postgres', '--pgUri', uri]);
        try {
          const port2 = await listeningPort(again);
          const client2 = new MongoClient(`mongodb://127.0.0.1:${port2}/?replicaSet=rs0&serverSelectionTimeoutMS=5000`);
          try {
            assert.equal(await client2.db('app').collection('kept').countDocuments(), 20);
          } finally {
            await client2.close();
          }
        } finally {
          assert.equal(await stop(again), 0);
        }
      } finally {
        if (first.proc.exitCode === null && first.proc.signalCode === null) await stop(first);
        await own.drop();
      }
    });

    test('an unreachable database stops the start with a clear error', async () => {
      const url = new URL(pgUri);
      url.port = '1';
      await assert.rejects(start(url.toString()), (err: unknown) => {
        assert.match((err as Error).message, /Could not open the PostgreSQL database postgresql:\/\/[^@]*:xxx@127\.0\.0\.1:1\//);
        assert.ok(!(err as Error).message.includes(PASSWORD));
        return true;
      });
    });
  });
}
