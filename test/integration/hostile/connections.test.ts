/**
 * Clients that connect and never speak, stop mid-message, or arrive faster than they speak must not lock anyone
 * out: the server closes them (after short timeouts configured here) while real clients keep working. Every
 * assertion is on what happened and in which order, never on how long it took.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import os from 'node:os';
import { MongoClient, type ChangeStreamInsertDocument, type CommandStartedEvent, type MongoClientOptions } from 'mongodb';
import { startServer, type RunningServer, type StartServerOptions } from '../../../src/server/index.js';
import type { LogEntry } from '../../../src/server/log.js';
import { opMsgCommand, RawConnection } from '../server/raw_socket.js';

const BASE: StartServerOptions = { port: 0, bindIp: '127.0.0.1', dbpath: ':memory:', replSet: 'rs0', enableTestCommands: false };

/** The first 8 bytes of a header: a length and a requestID, and nothing more. */
const HALF_HEADER = (() => {
  const b = Buffer.alloc(8);
  b.writeInt32LE(64, 0);
  b.writeInt32LE(7, 4);
  return b;
})();

/** A whole header announcing a 200-byte message, and 20 of its 184 body bytes. */
const HALF_MESSAGE = (() => {
  const ping = opMsgCommand(9, { ping: 1, $db: 'admin' });
  const b = Buffer.alloc(36);
  b.writeInt32LE(200, 0);
  ping.copy(b, 4, 4, 36);
  return b;
})();

let nextRequestId = 100;
async function command(conn: RawConnection, cmd: Record<string, unknown>): Promise<Record<string, any>> {
  // The command's name must stay the first key.
  return (await conn.send(opMsgCommand(nextRequestId++, { ...cmd, $db: cmd.$db ?? 'admin' }))).doc;
}

function open(server: RunningServer, count: number): Promise<RawConnection[]> {
  return Promise.all(Array.from({ length: count }, () => RawConnection.open(server.port)));
}

function connectionIds(logs: LogEntry[], msg: string): number[] {
  return logs.filter((e) => e.msg === msg).map((e) => e.attr!.connectionId as number);
}

function client(server: RunningServer, extra = '', options: MongoClientOptions = {}): MongoClient {
  return new MongoClient(`mongodb://${server.address}/?replicaSet=rs0&serverSelectionTimeoutMS=20000${extra}`, options);
}

describe('partial-message timeout', () => {
  let server: RunningServer;
  const logs: LogEntry[] = [];

  before(async () => {
    // Long enough that a busy machine never stalls a client this long between connecting and sending its hello.
    server = await startServer({ ...BASE, partialMessageTimeoutMS: 1000, log: (e) => logs.push(e) });
  });
  after(async () => {
    await server?.close();
  });

  test('silent and half-sent connections are closed; a driver and a quiet connection that spoke keep working', async () => {
    const driver = client(server);
    try {
      await driver.connect();
      assert.equal((await driver.db('admin').command({ ping: 1 })).ok, 1);
      const talker = await RawConnection.open(server.port);
      assert.equal((await command(talker, { hello: 1 })).isWritablePrimary, true);

      const silent = await open(server, 30);
      const halfHeader = await open(server, 30);
      for (const c of halfHeader) c.write(HALF_HEADER);
      const halfMessage = await open(server, 30);
      for (const c of halfMessage) c.write(HALF_MESSAGE);
      // A connection that spoke, then stopped in the middle of its second message.
      const stalled = await RawConnection.open(server.port);
      assert.equal((await command(stalled, { ping: 1 })).ok, 1);
      stalled.write(HALF_MESSAGE);

      await Promise.all([...silent, ...halfHeader, ...halfMessage, stalled].map((c) => c.closed));

      // Only then: the connections that completed their messages are still open and answer.
      assert.equal(talker.isClosed, false);
      assert.equal((await command(talker, { ping: 1 })).ok, 1);
      assert.equal((await driver.db('admin').command({ ping: 1 })).ok, 1);
      await driver.db('t').collection<{ _id: number }>('c').insertOne({ _id: 1 });
      assert.deepEqual(await driver.db('t').collection<{ _id: number }>('c').findOne({ _id: 1 }), { _id: 1 });

      assert.equal(connectionIds(logs, 'Closing a connection that sent no complete message in time').length, 90);
      const late = logs.filter((e) => e.msg === 'Closing a connection whose message did not arrive in time');
      assert.equal(late.length, 1);
      assert.deepEqual({ pending: late[0]!.attr!.pendingBytes, timeout: late[0]!.attr!.partialMessageTimeoutMS }, { pending: 36, timeout: 1000 });
      assert.equal(late[0]!.s, 'I');
      assert.equal(late[0]!.c, 'NETWORK');
      talker.close();
    } finally {
      await driver.close();
    }
  });

  test('a client that stops reading its replies is closed; the others are served meanwhile', async () => {
    const setup = await RawConnection.open(server.port);
    const big = 'x'.repeat(1024 * 1024);
    for (let i = 0; i < 12; i++) assert.equal((await command(setup, { insert: 'big', documents: [{ _id: i, big }], $db: 't' })).ok, 1);

    const reader = net.connect({ host: '127.0.0.1', port: server.port });
    await new Promise((resolve) => reader.once('connect', resolve));
    reader.on('error', () => undefined);
    reader.pause();
    const closed = new Promise((resolve) => reader.once('close', resolve));
    // Six replies of 12 MB each: more than socket buffers hold (Linux allows 32 MB + 4 MB by default).
    for (let i = 1; i <= 6; i++) reader.write(opMsgCommand(i, { find: 'big', batchSize: 12, $db: 't' }));
    while (!logs.some((e) => e.msg === 'Closing a connection that did not read its reply in time')) {
      assert.equal((await command(setup, { ping: 1 })).ok, 1);
      await new Promise((r) => setTimeout(r, 20));
    }
    // Reading again, the client gets part of the reply and then the end of the stream.
    const chunks: Buffer[] = [];
    reader.on('data', (c: Buffer) => chunks.push(c));
    reader.resume();
    await closed;
    const received = Buffer.concat(chunks);
    let whole = 0;
    for (let at = 0; at + 4 <= received.length && at + received.readInt32LE(at) <= received.length; at += received.readInt32LE(at)) whole++;
    assert.ok(whole < 6, `${whole} whole replies of 6 arrived`);
    assert.equal((await command(setup, { ping: 1 })).ok, 1);
    setup.close();
  });

  test('a message sent a byte at a time completes as long as it arrives within the timeout of each message', async () => {
    const conn = await RawConnection.open(server.port);
    try {
      const ping = opMsgCommand(1, { ping: 1, $db: 'admin' });
      // Two whole messages in pieces that straddle message boundaries: each completes, so nothing times out.
      const two = Buffer.concat([ping, opMsgCommand(2, { ping: 1, $db: 'admin' })]);
      const replies = [conn.send(two.subarray(0, 10))];
      conn.write(two.subarray(10, ping.length + 5));
      conn.write(two.subarray(ping.length + 5));
      assert.equal((await replies[0])!.doc.ok, 1);
      assert.equal(conn.isClosed, false);
    } finally {
      conn.close();
    }
  });
});

describe('idle timeout', () => {
  let server: RunningServer;
  const logs: LogEntry[] = [];

  before(async () => {
    // Longer than the driver's heartbeat (500 ms here), so its monitoring connection is never idle that long.
    server = await startServer({ ...BASE, idleConnectionTimeoutMS: 1500, log: (e) => logs.push(e) });
  });
  after(async () => {
    await server?.close();
  });

  test('an idle connection is closed; one with an open cursor is not, until the cursor ends', async () => {
    const setup = await RawConnection.open(server.port);
    assert.equal((await command(setup, { insert: 'docs', documents: [{ _id: 1 }, { _id: 2 }, { _id: 3 }], $db: 't' })).ok, 1);
    setup.close();

    const holder = await RawConnection.open(server.port);
    const holderId = (await command(holder, { hello: 1 })).connectionId as number;
    const found = await command(holder, { find: 'docs', batchSize: 1, $db: 't' });
    const cursorId = found.cursor.id;
    assert.notEqual(cursorId.toString(), '0');
    // Opened after the holder went quiet: once it is closed for idleness, the holder has been idle longer.
    const canary = await RawConnection.open(server.port);
    const canaryId = (await command(canary, { hello: 1 })).connectionId as number;
    await canary.closed;
    assert.equal(holder.isClosed, false);
    const more = await command(holder, { getMore: cursorId, collection: 'docs', batchSize: 1, $db: 't' });
    assert.deepEqual(more.cursor.nextBatch, [{ _id: 2 }]);
    assert.equal((await command(holder, { killCursors: 'docs', cursors: [cursorId], $db: 't' })).ok, 1);
    // With the cursor gone, the holder is an idle connection like any other.
    await holder.closed;
    const idleClosed = connectionIds(logs, 'Closing an idle connection');
    assert.ok(idleClosed.indexOf(holderId) > idleClosed.indexOf(canaryId), 'the holder was closed for idleness after the canary');
  });

  test('a driver connection with a parked change-stream getMore is not closed; the event arrives', async () => {
    const getMores: CommandStartedEvent[] = [];
    let getMoreSent: () => void = () => undefined;
    const firstGetMore = new Promise<void>((resolve) => {
      getMoreSent = resolve;
    });
    const watcher = client(server, '&heartbeatFrequencyMS=500', { monitorCommands: true });
    watcher.on('commandStarted', (e) => {
      if (e.commandName !== 'getMore') return;
      getMores.push(e);
      getMoreSent();
    });
    const writer = client(server, '&heartbeatFrequencyMS=500');
    try {
      await watcher.connect();
      await writer.connect();
      const coll = watcher.db('t').collection<{ _id: string }>('watched');
      await coll.insertOne({ _id: 'before' });
      const stream = coll.watch([], { maxAwaitTimeMS: 60_000 });
      const next = stream.next();
      await firstGetMore;
      const parkedOn = Number(getMores[0]!.serverConnectionId);

      const canary = await RawConnection.open(server.port);
      assert.equal((await command(canary, { ping: 1 })).ok, 1);
      await canary.closed;
      // The canary, quiet for a shorter time than the parked getMore, was closed: the getMore's was not.
      assert.ok(!connectionIds(logs, 'Closing an idle connection').includes(parkedOn));

      await writer.db('t').collection<{ _id: string }>('watched').insertOne({ _id: 'after' });
      const event = (await next) as ChangeStreamInsertDocument;
      assert.equal(event.operationType, 'insert');
      assert.deepEqual(event.documentKey, { _id: 'after' });
      assert.equal(getMores[0]!.serverConnectionId, BigInt(parkedOn));
      assert.ok(!connectionIds(logs, 'Closing an idle connection').includes(parkedOn));
      await stream.close();
    } finally {
      await watcher.close();
      await writer.close();
    }
  });
});

describe('connection caps', () => {
  test('past maxConns, new sockets are closed at once; once the slots free up, new clients work', async () => {
    const logs: LogEntry[] = [];
    const server = await startServer({ ...BASE, maxConns: 5, log: (e) => logs.push(e) });
    try {
      const held = await open(server, 5);
      assert.equal((await command(held[0]!, { ping: 1 })).ok, 1);
      const extra = await open(server, 20);
      await Promise.all(extra.map((c) => c.closed));
      assert.equal(logs.filter((e) => e.msg === 'Connection refused because there are too many open connections').length, 20);

      const status = await command(held[0]!, { serverStatus: 1 });
      assert.deepEqual(
        { current: status.connections.current, available: status.connections.available, rejected: status.connections.rejected },
        { current: 5, available: 0, rejected: 20 },
      );
      assert.equal(status.connections.active, 1, 'the serverStatus command itself is in progress');
      assert.equal(status.connections.totalCreated, 5);

      for (const c of held) c.close();
      await Promise.all(held.map((c) => c.closed));
      while (logs.filter((e) => e.msg === 'Connection ended').length < 5) await new Promise((r) => setTimeout(r, 10));

      const driver = client(server, '&maxPoolSize=2');
      try {
        await driver.connect();
        assert.equal((await driver.db('admin').command({ ping: 1 })).ok, 1);
        const after = await driver.db('admin').command({ serverStatus: 1 });
        assert.equal(after.connections.rejected, 20);
        assert.ok(after.connections.current <= 5);
        assert.equal(after.connections.available, 5 - after.connections.current);
      } finally {
        await driver.close();
      }
    } finally {
      await server.close();
    }
  });

  test('past maxEstablishingConns, the connection that waited longest for its first message is closed first', async () => {
    const logs: LogEntry[] = [];
    const server = await startServer({ ...BASE, maxEstablishingConns: 3, partialMessageTimeoutMS: 0, log: (e) => logs.push(e) });
    try {
      // A connection that spoke is never counted, however long it then stays quiet.
      const talker = await RawConnection.open(server.port);
      assert.equal((await command(talker, { hello: 1 })).ok, 1);
      // One after another, so that the server accepts them in this order.
      const s1 = await RawConnection.open(server.port);
      const s2 = await RawConnection.open(server.port);
      const s3 = await RawConnection.open(server.port);
      const s4 = await RawConnection.open(server.port);
      await s1.closed;
      const s5 = await RawConnection.open(server.port);
      await s2.closed;
      // s3, s4 and s5 are still open: each answers.
      for (const c of [s3, s4, s5]) assert.equal((await command(c, { ping: 1 })).ok, 1);
      assert.equal((await command(talker, { ping: 1 })).ok, 1);
      const closedIds = connectionIds(logs, 'Closing a connection that sent no message: too many connections are waiting for their first one');
      assert.deepEqual(closedIds, [2, 3]);
      for (const c of [talker, s3, s4, s5]) c.close();
    } finally {
      await server.close();
    }
  });

  const remoteAddress = Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;

  test('with a non-loopback bind_ip, the last reservedLoopbackConns slots admit only loopback clients', { skip: remoteAddress === undefined && 'this machine has no non-loopback IPv4 address' }, async () => {
    const logs: LogEntry[] = [];
    const server = await startServer({ ...BASE, bindIp: `127.0.0.1,${remoteAddress}`, maxConns: 4, reservedLoopbackConns: 2, log: (e) => logs.push(e) });
    try {
      const remote = await Promise.all([1, 2].map(() => RawConnection.open(server.port, remoteAddress, remoteAddress)));
      for (const c of remote) assert.equal((await command(c, { ping: 1 })).ok, 1);
      const thirdRemote = await RawConnection.open(server.port, remoteAddress, remoteAddress);
      await thirdRemote.closed;
      const local = await Promise.all([1, 2].map(() => RawConnection.open(server.port)));
      for (const c of local) assert.equal((await command(c, { ping: 1 })).ok, 1);
      const thirdLocal = await RawConnection.open(server.port);
      await thirdLocal.closed;
      const status = await command(local[0]!, { serverStatus: 1 });
      assert.deepEqual({ current: status.connections.current, rejected: status.connections.rejected }, { current: 4, rejected: 2 });
      for (const c of [...remote, ...local]) c.close();
    } finally {
      await server.close();
    }
  });

  test('maxConns defaults to 80% of the open-file limit and is never set above it', async () => {
    const logs: LogEntry[] = [];
    const derived = await startServer({ ...BASE, openFileLimit: 100, log: (e) => logs.push(e) });
    try {
      const conn = await RawConnection.open(derived.port);
      const status = await command(conn, { serverStatus: 1 });
      assert.equal(status.connections.current + status.connections.available, 80);
      conn.close();
    } finally {
      await derived.close();
    }
    const reduced = await startServer({ ...BASE, openFileLimit: 100, maxConns: 500, log: (e) => logs.push(e) });
    try {
      const conn = await RawConnection.open(reduced.port);
      const status = await command(conn, { serverStatus: 1 });
      assert.equal(status.connections.current + status.connections.available, 80);
      const warning = logs.find((e) => e.msg === 'maxConns reduced to what the open-file limit allows');
      assert.deepEqual(warning?.attr, { requested: 500, maxConns: 80 });
      conn.close();
    } finally {
      await reduced.close();
    }
  });
});
