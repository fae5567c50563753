/**
 * The scenario that used to lock clients out: a server with 1,024 file descriptors and thousands of sockets that
 * connect and say nothing. The silent ones are closed (oldest first past the establishing cap, at once past
 * maxConns), the server never holds more than the cap of them, and a driver connects and works all along.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient } from 'mongodb';
import { listeningPort, run, stop } from '../server/cli_child.js';
import { RawConnection } from '../server/raw_socket.js';

const SILENT = 3000;

describe('a server with 1,024 file descriptors', () => {
  test('thousands of silent sockets cannot lock a driver out', async () => {
    const server = run(['--port', '0', '--inMemory', '--quiet'], { openFileLimit: 1024 });
    const sockets: RawConnection[] = [];
    let rejected = 0;
    try {
      const port = await listeningPort(server);
      for (let i = 0; i < SILENT; i += 100) {
        sockets.push(...(await Promise.all(Array.from({ length: 100 }, () => RawConnection.open(port)))));
      }
      const client = new MongoClient(`mongodb://127.0.0.1:${port}/?replicaSet=rs0&serverSelectionTimeoutMS=20000`);
      try {
        await client.connect();
        assert.equal((await client.db('admin').command({ ping: 1 })).ok, 1);
        await client.db('t').collection('c').insertOne({ ok: true });
        const status = await client.db('admin').command({ serverStatus: 1 });
        const opts = await client.db('admin').command({ getCmdLineOpts: 1 });
        assert.equal(opts.parsed.net?.maxIncomingConnections, undefined, 'maxConns was not given');
        // 80% of 1,024 connections at most; of them, at most a quarter silent (plus the driver's own).
        assert.equal(status.connections.current + status.connections.available, 819);
        assert.ok(status.connections.current <= 204 + 5, `${status.connections.current} open`);
        rejected = status.connections.rejected as number;
      } finally {
        await client.close();
      }
      assert.equal(await stop(server), 0);
      // Every line has been read once the process is gone.
      const evicted = server.lines.filter((l) => l.msg === 'Closing a connection that sent no message: too many connections are waiting for their first one');
      assert.ok(evicted.length >= SILENT - 204 - rejected, `${evicted.length} closed as establishing`);
      await Promise.all(sockets.map((c) => c.closed));
    } finally {
      for (const c of sockets) c.close();
      if (server.proc.exitCode === null) server.proc.kill('SIGKILL');
    }
  });
});
