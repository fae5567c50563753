/**
 * eddydb servers whose data lives in PostgreSQL (`--pgUri`), through the official driver: CRUD, indexes, a
 * transaction and change streams work as on the default engine, a change stream resumes on a new server process
 * over the same database, several servers on one database answer as routers (`isdbgrid`) that a driver uses
 * together (one order of changes on each, a resume token and a transaction's commit carried from one to the other),
 * and the URI's password appears nowhere a client can read.
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

/** A client of one server, or of several (a router list, as a sharded cluster's mongos list). */
function connect(...servers: RunningServer[]): MongoClient {
  return new MongoClient(`mongodb://${servers.map((s) => s.address).join(',')}/`, { serverSelectionTimeoutMS: 5000 });
}

/** A client of exactly this server, whatever it answers. */
function direct(server: RunningServer): MongoClient {
  return new MongoClient(`mongodb://${server.address}/?directConnection=true`, { serverSelectionTimeoutMS: 5000 });
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

    test('two servers on one database are routers: one order of changes on each, tokens and commits carried across', async () => {
      const own = await createTestDatabase('routers');
      const [a, b] = [await start(own.uri), await start(own.uri)];
      const viaA = direct(a);
      const viaB = direct(b);
      const both = connect(a, b);
      try {
        const hello = await viaA.db('admin').command({ hello: 1 });
        assert.equal(hello.msg, 'isdbgrid');
        assert.equal(hello.isWritablePrimary, true);
        assert.equal(hello.setName, undefined);
        assert.equal(hello.hosts, undefined);
        await both.connect();
        assert.equal(both.options.hosts.length, 2);

        const onA = viaA.db('app').collection<{ _id: number; by: string }>('items');
        const onB = viaB.db('app').collection<{ _id: number; by: string }>('items');
        const streamA = onA.watch();
        const streamB = onB.watch();
        await streamA.tryNext();
        await streamB.tryNext();
        // Writers on both servers, interleaved; each server's stream sees every change once, in the same order.
        for (let i = 0; i < 20; i++) {
          if (i % 2 === 0) await onA.insertOne({ _id: i, by: 'a' });
          else await onB.insertOne({ _id: i, by: 'b' });
        }
        await onB.updateOne({ _id: 0 }, { $set: { by: 'b' } });
        const read = async (stream: typeof streamA, n: number) => {
          const out: { op: string; id: number; token: unknown }[] = [];
          while (out.length < n) {
            const event = await stream.next();
            out.push({ op: event.operationType, id: (event as unknown as { documentKey: { _id: number } }).documentKey._id, token: event._id });
          }
          return out;
        };
        const seenA = await read(streamA, 21);
        const seenB = await read(streamB, 21);
        assert.deepEqual(seenA.map((e) => `${e.op} ${e.id}`), [...Array.from({ length: 20 }, (_, i) => `insert ${i}`), 'update 0']);
        assert.deepEqual(seenB, seenA, 'the same events with the same tokens on both servers');

        // A token from one server resumes on the other at the same place.
        const resumed = onB.watch([], { resumeAfter: seenA[9]!.token as Document });
        assert.deepEqual((await read(resumed, 11)).map((e) => e.id), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 0]);
        await resumed.close();

        // Unique indexes hold across servers.
        await onA.createIndex({ by: 1, _id: -1 });
        await onB.createIndex({ code: 1 }, { unique: true, sparse: true });
        await onA.updateOne({ _id: 1 }, { $set: { code: 'x' } } as never);
        await assert.rejects(onA.updateOne({ _id: 2 }, { $set: { code: 'x' } } as never), (err: unknown) => err instanceof MongoServerError && err.code === 11000);
        assert.deepEqual((await onB.listIndexes().toArray()).map((i) => i.name).sort(), ['_id_', 'by_1__id_-1', 'code_1']);

        // A transaction committed through one server: a commitTransaction retried through the other answers from
        // the session's record, as a driver's retry on a new mongos does.
        const session = viaA.startSession();
        session.startTransaction();
        await onA.insertOne({ _id: 100, by: 'txn' }, { session });
        await session.commitTransaction();
        // The driver sends a transaction command with its session's own lsid and number: a session of the other
        // client made to carry this one's, as a driver's retry through another router carries them.
        const txnNumber = (session as unknown as { serverSession: { txnNumber: number } }).serverSession.txnNumber;
        const retry = (n: number) => {
          const other = viaB.startSession();
          const server = (other as unknown as { serverSession: { id: unknown; txnNumber: number } }).serverSession;
          server.id = session.id;
          server.txnNumber = n;
          return viaB.db('admin').command({ commitTransaction: 1 }, { session: other }).finally(() => other.endSession());
        };
        assert.equal((await retry(txnNumber)).ok, 1);
        await assert.rejects(retry(txnNumber + 1), (err: unknown) => err instanceof MongoServerError && err.codeName === 'NoSuchTransaction');
        await session.endSession();
        assert.equal(await both.db('app').collection('items').countDocuments(), 21);
        await streamA.close();
        await streamB.close();
      } finally {
        await both.close();
        await viaA.close();
        await viaB.close();
        await a.close();
        await b.close();
        await own.drop();
      }
    });

    test('`eddydb serve --pgUri`: a second process serves the same data, and what was acknowledged survives a SIGKILL', async () => {
      const own = await createTestDatabase('cli');
      const uri = withPassword(own.uri);
      const first = run(['serve', '--port', '0', '--pgUri', uri]);
      const second = run(['serve', '--port', '0', '--storageEngine', 'postgres', '--pgUri', uri]);
      try {
        const port = await listeningPort(first);
        const port2 = await listeningPort(second);
        assert.ok(!first.lines.some((l) => JSON.stringify(l).includes(PASSWORD)), 'the log never shows the password');
        const client = new MongoClient(`mongodb://127.0.0.1:${port},127.0.0.1:${port2}/?serverSelectionTimeoutMS=5000`);
        try {
          const kept = client.db('app').collection<{ _id: number }>('kept');
          for (let i = 0; i < 20; i++) await kept.insertOne({ _id: i });
        } finally {
          await client.close();
        }
        first.proc.kill('SIGKILL');
        await first.exit;
        const client2 = new MongoClient(`mongodb://127.0.0.1:${port2}/?directConnection=true&serverSelectionTimeoutMS=5000`);
        try {
          assert.equal(await client2.db('app').collection('kept').countDocuments(), 20);
          await client2.db('app').collection<{ _id: number }>('kept').insertOne({ _id: 20 });
        } finally {
          await client2.close();
        }
        assert.equal(await stop(second), 0);
        const again = run(['serve', '--port', '0', '--pgUri', uri]);
        try {
          const port3 = await listeningPort(again);
          const client3 = new MongoClient(`mongodb://127.0.0.1:${port3}/?serverSelectionTimeoutMS=5000`);
          try {
            assert.equal(await client3.db('app').collection('kept').countDocuments(), 21);
          } finally {
            await client3.close();
          }
        } finally {
          assert.equal(await stop(again), 0);
        }
      } finally {
        if (first.proc.exitCode === null && first.proc.signalCode === null) await stop(first);
        if (second.proc.exitCode === null && second.proc.signalCode === null) await stop(second);
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
