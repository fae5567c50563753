/**
 * SIGTERM stops a server that thousands of connections hold open (silent, half-sent, idle after a handshake) and
 * that has a change-stream getMore parked: every socket is closed, the storage is closed cleanly, the process
 * exits 0, and the data is there after a restart. How long it took is reported as a diagnostic, never asserted.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileLimit } from '../../../src/server/connection_settings.js';
import { listeningPort, run, stop } from '../server/cli_child.js';
import { opMsgCommand, RawConnection } from '../server/raw_socket.js';

/** Connections of each kind: 700, or fewer where the open-file limit (this process's and the server's) is low. */
const EACH_KIND = Math.min(700, Math.floor(((openFileLimit() ?? 4096) * 0.8 - 50) / 3));

async function openMany(port: number, count: number): Promise<RawConnection[]> {
  const all: RawConnection[] = [];
  // In batches, so that the listen backlog never overflows (a dropped SYN is retried a second later).
  for (let i = 0; i < count; i += 100) {
    all.push(...(await Promise.all(Array.from({ length: Math.min(100, count - i) }, () => RawConnection.open(port)))));
  }
  return all;
}

describe('shutdown under load', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} closes every connection, wakes the parked getMore, closes storage and exits 0`, async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'eddydb-shutdown-'));
      const dbpath = join(dir, 'db');
      // No message timeout and no cap on silent connections: every connection stays until the signal.
      const server = run(['--port', '0', '--dbpath', dbpath, '--quiet', '--partialMessageTimeoutMS', '0', '--maxEstablishingConns', '100000']);
      const sockets: RawConnection[] = [];
      try {
        const port = await listeningPort(server);
        const watcher = await RawConnection.open(port);
        sockets.push(watcher);
        const inserted = await watcher.send(opMsgCommand(1, { insert: 'c', documents: [{ _id: 'kept' }], $db: 't' }));
        assert.equal(inserted.doc.ok, 1);
        const opened = await watcher.send(opMsgCommand(2, { aggregate: 'c', pipeline: [{ $changeStream: {} }], cursor: {}, $db: 't' }));
        const cursorId = opened.doc.cursor.id;

        const silent = await openMany(port, EACH_KIND);
        const halfSent = await openMany(port, EACH_KIND);
        for (const c of halfSent) c.write(Buffer.from([100, 0, 0, 0, 1, 0]));
        const talkers = await openMany(port, EACH_KIND);
        await Promise.all(talkers.map(async (c, i) => assert.equal((await c.send(opMsgCommand(i + 10, { ping: 1, $db: 'admin' }))).doc.ok, 1)));
        sockets.push(...silent, ...halfSent, ...talkers);

        // The getMore waits for a change that never comes; the hello after it proves it was received first.
        const parked = watcher.send(opMsgCommand(3, { getMore: cursorId, collection: 'c', maxTimeMS: 600_000, $db: 't' })).then(
          (reply) => reply.doc,
          (err: Error) => err.message,
        );
        const probe = await RawConnection.open(port);
        sockets.push(probe);
        const status = await probe.send(opMsgCommand(4, { serverStatus: 1, $db: 'admin' }));
        assert.equal(status.doc.connections.current, 3 * EACH_KIND + 2);
        assert.equal(status.doc.connections.active, 2, 'the parked getMore and this serverStatus');

        const started = process.hrtime.bigint();
        server.proc.kill(signal);
        const code = await server.exit;
        const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
        t.diagnostic(`${signal} with ${3 * EACH_KIND + 2} open connections and a parked getMore: exited after ${elapsedMs.toFixed(0)} ms`);
        assert.equal(code, 0, server.stderr());

        assert.equal(await parked, 'connection closed', 'the socket closed under the parked getMore');
        await Promise.all(sockets.map((c) => c.closed));
        const order = server.lines.map((l) => l.msg).filter((m) => ['Received signal', 'Shutdown started', 'Storage closed', 'Now exiting'].includes(m as string));
        assert.deepEqual(order, ['Received signal', 'Shutdown started', 'Storage closed', 'Now exiting']);

        // The store was closed cleanly: a new server opens it and has the document.
        const again = run(['--port', '0', '--dbpath', dbpath, '--quiet']);
        try {
          const port2 = await listeningPort(again);
          const conn = await RawConnection.open(port2);
          const found = await conn.send(opMsgCommand(1, { find: 'c', filter: {}, $db: 't' }));
          assert.deepEqual(found.doc.cursor.firstBatch, [{ _id: 'kept' }]);
          conn.close();
        } finally {
          assert.equal(await stop(again), 0);
        }
      } finally {
        for (const c of sockets) c.close();
        if (server.proc.exitCode === null) server.proc.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
