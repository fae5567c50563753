/**
 * A driver change stream survives `eddydb serve` being restarted on the same --dbpath and port: the driver's
 * getMore fails with a network error, it resumes from its cached token once the server is back, and every change
 * written before and after the restart arrives exactly once.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoNetworkError, type MongoClient } from 'mongodb';
import { ChildServer, clientFor, CommandLog, freePort, sleep, started, type Stream } from './harness.js';

type Doc = { _id?: number | string; [key: string]: unknown };

describe('a driver change stream across a server restart', () => {
  const children: ChildServer[] = [];
  const clients: MongoClient[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'eddydb-driver-restart-'));

  after(async () => {
    for (const c of clients) await c.close(true).catch(() => undefined);
    for (const child of children) child.kill();
    await Promise.all(children.map((c) => c.exited));
    rmSync(dir, { recursive: true, force: true });
  });

  async function serve(port: number): Promise<ChildServer> {
    const child = await ChildServer.start(['--port', String(port), '--dbpath', join(dir, 'db'), '--setParameter', 'enableTestCommands=1']);
    children.push(child);
    return child;
  }

  async function restart(child: ChildServer, port: number): Promise<ChildServer> {
    assert.equal(await child.stop(), 0, 'clean SIGTERM shutdown');
    return serve(port);
  }

  async function ids(stream: Stream, n: number): Promise<unknown[]> {
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push((await stream.next()).documentKey._id);
    return out;
  }

  test('writes before and after a restart all arrive, once, in order', async () => {
    const port = await freePort();
    let server = await serve(port);
    // Generous server selection: a resume waits for the restarted server.
    const watcher = clientFor(`127.0.0.1:${port}`, { serverSelectionTimeoutMS: 20_000, heartbeatFrequencyMS: 500 });
    const writer = clientFor(`127.0.0.1:${port}`, { serverSelectionTimeoutMS: 20_000 });
    clients.push(watcher, writer);
    const log = new CommandLog(watcher);
    const coll = writer.db('app').collection<Doc>('events');

    const stream = await started(watcher.db('app').collection('events').watch([], { batchSize: 1, maxAwaitTimeMS: 100 }));
    try {
      await coll.insertMany([{ _id: 'a1' }, { _id: 'a2' }, { _id: 'a3' }]);
      // batchSize 1: a2 and a3 are still on the server when it goes down.
      assert.deepEqual(await ids(stream, 1), ['a1']);

      server = await restart(server, port);
      await coll.insertMany([{ _id: 'b1' }, { _id: 'b2' }]);
      assert.deepEqual(await ids(stream, 4), ['a2', 'a3', 'b1', 'b2']);
      // The old cursor died with the old process: its getMore fails with a network error (a connection that was
      // open across the restart) or 43 CursorNotFound (a new connection to the new process).
      const [failure] = log.failures('getMore');
      assert.ok(failure instanceof MongoNetworkError || failure?.code === 43, `the old cursor is gone, got ${String(failure)}`);
      const resumed = log.started('aggregate').slice(1);
      assert.equal(resumed.length, 1, 'one resume');
      assert.ok(resumed[0]!.command.pipeline[0].$changeStream.resumeAfter, 'resumed with resumeAfter');

      // Now with the getMore waiting on the server when it stops.
      const getMoreSent = log.next((e) => e.kind === 'started' && e.commandName === 'getMore');
      const pending = stream.next();
      await getMoreSent;
      await sleep(50);
      server = await restart(server, port);
      await coll.insertOne({ _id: 'c1' });
      assert.deepEqual((await pending).documentKey, { _id: 'c1' });
      const second = log.failures('getMore')[1];
      assert.ok(second instanceof MongoNetworkError, `the waiting getMore lost its connection, got ${String(second)}`);
      assert.equal(log.started('aggregate').length, 3, 'resumed a second time');
      await coll.insertOne({ _id: 'c2' });
      assert.deepEqual(await ids(stream, 1), ['c2']);
      assert.equal(await stream.tryNext(), null, 'nothing repeated');
    } finally {
      await stream.close();
    }
    // Clients first: closing one sends endSessions, which would wait for a server that is gone.
    await watcher.close();
    await writer.close();
    assert.equal(await server.stop(), 0);
  });
});
