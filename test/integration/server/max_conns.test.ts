import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, type RunningServer } from '../../../src/server/index.js';
import type { LogEntry } from '../../../src/server/log.js';
import { opMsgCommand, RawConnection } from './raw_socket.js';

/** Connects a bare socket and resolves to what the server did: sent bytes, closed it cleanly, or reset it. */
function probe(port: number): Promise<{ outcome: 'data' | 'end' | 'error'; socket: net.Socket }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('data', () => resolve({ outcome: 'data', socket }));
    socket.once('end', () => resolve({ outcome: 'end', socket }));
    socket.once('error', () => resolve({ outcome: 'error', socket }));
  });
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('--maxConns', () => {
  let server: RunningServer;
  const logs: LogEntry[] = [];

  before(async () => {
    server = await startServer({
      port: 0, bindIp: '127.0.0.1', dbpath: ':memory:', replSet: 'rs0', enableTestCommands: false,
      maxConns: 2, log: (e) => logs.push(e),
    });
  });

  after(async () => {
    await server?.close();
  });

  test('the connection past the limit is closed at once; the others go on; a freed slot is reused', async () => {
    const a = await RawConnection.open(server.port);
    const b = await RawConnection.open(server.port);
    try {
      assert.equal((await a.send(opMsgCommand(1, { hello: 1, $db: 'admin' }))).doc.ok, 1);
      assert.equal((await b.send(opMsgCommand(2, { hello: 1, $db: 'admin' }))).doc.ok, 1);

      const third = await probe(server.port);
      third.socket.destroy();
      assert.equal(third.outcome, 'end', 'the server closes the extra connection cleanly (FIN, no bytes)');
      const refused = logs.filter((e) => e.msg === 'Connection refused because there are too many open connections');
      assert.equal(refused.length, 1);
      assert.equal(refused[0]!.id, 22942);
      assert.equal(refused[0]!.c, 'NETWORK');

      // The two admitted connections still work.
      const status = (await a.send(opMsgCommand(3, { serverStatus: 1, $db: 'admin' }))).doc;
      assert.equal(status.ok, 1);
      assert.equal(status.connections.rejected, 1);
      assert.equal(status.connections.available, 0);
      assert.equal((await b.send(opMsgCommand(4, { ping: 1, $db: 'admin' }))).doc.ok, 1);

      b.close();
      await eventually(() => logs.some((e) => e.msg === 'Connection ended'), 'the server to see the close');
      const c = await RawConnection.open(server.port);
      try {
        assert.equal((await c.send(opMsgCommand(5, { ping: 1, $db: 'admin' }))).doc.ok, 1);
      } finally {
        c.close();
      }
    } finally {
      a.close();
      b.close();
    }
  });

  test('getCmdLineOpts reports net.maxIncomingConnections', async () => {
    const count = (msg: string): number => logs.filter((e) => e.msg === msg).length;
    await eventually(() => count('Connection ended') === count('Connection accepted'), 'earlier connections to close');
    const a = await RawConnection.open(server.port);
    try {
      const reply = (await a.send(opMsgCommand(1, { getCmdLineOpts: 1, $db: 'admin' }))).doc;
      assert.equal(reply.parsed.net.maxIncomingConnections, 2);
    } finally {
      a.close();
    }
  });
});
