import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type RunningServer } from '../../../src/server/index.js';
import { opMsgCommand, RawConnection } from './raw_socket.js';

describe('two servers in one process', () => {
  let a: RunningServer;
  let b: RunningServer;

  before(async () => {
    a = await startServer({ port: 0, bindIp: '127.0.0.1', dbpath: ':memory:', replSet: 'rs0', enableTestCommands: false });
    b = await startServer({ port: 0, bindIp: '127.0.0.1', dbpath: ':memory:', replSet: 'rs0', enableTestCommands: false });
  });

  after(async () => {
    await a?.close();
    await b?.close();
  });

  test('keep their own serverStatus counters and log', async () => {
    const toA = await RawConnection.open(a.port);
    const toB1 = await RawConnection.open(b.port);
    const toB2 = await RawConnection.open(b.port);
    try {
      let id = 0;
      const run = async (conn: RawConnection, command: Record<string, unknown>) => (await conn.send(opMsgCommand(++id, { ...command, $db: command.$db ?? 'app' }))).doc;
      assert.equal((await run(toA, { insert: 'c', documents: [{ _id: 1 }, { _id: 2 }, { _id: 3 }] })).n, 3);
      assert.equal((await run(toB1, { find: 'c', filter: {} })).ok, 1);
      assert.equal((await run(toB2, { find: 'c', filter: {} })).ok, 1);

      const statusA = await run(toA, { serverStatus: 1, $db: 'admin' });
      const statusB = await run(toB1, { serverStatus: 1, $db: 'admin' });
      assert.deepEqual(
        { insert: statusA.opcounters.insert, query: statusA.opcounters.query, totalCreated: statusA.connections.totalCreated },
        { insert: 3, query: 0, totalCreated: 1 },
      );
      assert.deepEqual(
        { insert: statusB.opcounters.insert, query: statusB.opcounters.query, totalCreated: statusB.connections.totalCreated },
        { insert: 0, query: 2, totalCreated: 2 },
      );
      assert.equal(statusA.network.numRequests, 2);
      assert.equal(statusB.network.numRequests, 3);

      // Each log ring holds its own server's startup lines: the port it listens on, not the other's.
      const logOf = async (conn: RawConnection) => ((await run(conn, { getLog: 'global', $db: 'admin' })).log as string[]).join('\n');
      const logA = await logOf(toA);
      const logB = await logOf(toB1);
      assert.match(logA, new RegExp(`"port":${a.port}\\b`));
      assert.doesNotMatch(logA, new RegExp(`"port":${b.port}\\b`));
      assert.match(logB, new RegExp(`"port":${b.port}\\b`));
      assert.doesNotMatch(logB, new RegExp(`"port":${a.port}\\b`));
    } finally {
      toA.close();
      toB1.close();
      toB2.close();
    }
  });
});
