import { describe, test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Int32 } from 'bson';
import { compress, opMsg, opQuery, RawClient, startServer, type Reply } from './wire_test_client.js';
import type { CommandHandler, RequestInfo, WireServer } from '../../../src/wire/index.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('wire framing', () => {
  let server: WireServer;
  let port: number;
  let events: Array<Record<string, unknown>>;
  const seen: Array<{ command: Record<string, unknown>; request: RequestInfo }> = [];

  const handler: CommandHandler = async (command, conn, request) => {
    seen.push({ command, request });
    return { ok: 1, command, request: { ...request }, connectionId: conn.id, local: conn.localAddress, remote: conn.remoteAddress };
  };

  before(async () => {
    ({ server, port, events } = await startServer(handler));
  });
  after(async () => {
    await server.close();
  });

  test('OP_MSG round trip keeps Int32/Double wrappers and answers with flagBits 0', async () => {
    const c = await RawClient.connect(port);
    await c.write(opMsg(7, { ping: 1, n: 2.5, $db: 'test' }));
    const r = await c.next();
    assert.equal(r.opCode, 2013);
    assert.equal(r.responseTo, 7);
    assert.equal(r.flags, 0);
    assert.equal(r.doc.ok, 1);
    assert.deepEqual(r.doc.command, { ping: 1, n: 2.5, $db: 'test' });
    const last = seen.at(-1)!;
    assert.equal((last.command.ping as Int32)._bsontype, 'Int32');
    assert.equal((last.command.n as { _bsontype: string })._bsontype, 'Double');
    assert.deepEqual(last.request, { requestId: 7, opCode: 2013, exhaustAllowed: false, moreToCome: false, compressor: null });
    assert.equal(r.doc.local, `127.0.0.1:${port}`);
    assert.match(r.doc.remote as string, /^127\.0\.0\.1:\d+$/);
    c.destroy();
  });

  test('a message split over many chunks, including inside the length field', async () => {
    const c = await RawClient.connect(port);
    const msg = opMsg(11, { split: 'yes', pad: 'z'.repeat(200), $db: 'db' });
    const cuts = [2, 3, 17, 21, 60, 150, msg.length];
    let from = 0;
    for (const to of cuts) {
      await c.write(msg.subarray(from, to));
      await pause(2);
      from = to;
    }
    const r = await c.next();
    assert.equal(r.responseTo, 11);
    assert.equal(r.doc.command.split, 'yes');
    c.destroy();
  });

  test('several messages in one chunk are answered in order', async () => {
    const c = await RawClient.connect(port);
    await c.write(Buffer.concat([1, 2, 3, 4, 5].map((i) => opMsg(100 + i, { i, $db: 'db' }))));
    for (const i of [1, 2, 3, 4, 5]) {
      const r = await c.next();
      assert.equal(r.responseTo, 100 + i);
      assert.equal(r.doc.command.i, i);
    }
    c.destroy();
  });

  test('kind-1 document sequences become arrays under their identifier', async () => {
    const c = await RawClient.connect(port);
    await c.write(opMsg(20, { insert: 'coll', $db: 'db' }, {
      sequences: [
        { id: 'documents', docs: [{ _id: 1 }, { _id: 2, a: 'x' }] },
        { id: 'other', docs: [] },
      ],
    }));
    const r = await c.next();
    assert.deepEqual(r.doc.command, { insert: 'coll', $db: 'db', documents: [{ _id: 1 }, { _id: 2, a: 'x' }], other: [] });
    c.destroy();
  });

  test('a good checksum is accepted; flags reach the handler', async () => {
    const c = await RawClient.connect(port);
    await c.write(opMsg(30, { ping: 1, $db: 'admin' }, { checksum: 'good', flags: 1 << 16 }));
    const r = await c.next();
    assert.equal(r.responseTo, 30);
    assert.equal(r.doc.ok, 1);
    assert.equal(r.doc.request.exhaustAllowed, true);
    c.destroy();
  });

  test('a bad checksum closes the connection without a reply', async () => {
    const c = await RawClient.connect(port);
    await c.write(opMsg(31, { ping: 1, $db: 'admin' }, { checksum: 'bad' }));
    assert.equal(await c.waitClosed(), true);
    assert.equal(c.pendingReplies, 0);
    assert.ok(events.some((e) => e.msg === 'Closing connection after a protocol error' && e.code === 288));
  });

  test('moreToCome runs the command but sends no reply', async () => {
    const c = await RawClient.connect(port);
    const before = seen.length;
    await c.write(Buffer.concat([
      opMsg(40, { fireAndForget: 1, $db: 'db' }, { flags: 2 }),
      opMsg(41, { ping: 1, $db: 'db' }),
    ]));
    const r = await c.next();
    assert.equal(r.responseTo, 41, 'the first reply answers the second message');
    assert.equal(seen.length, before + 2);
    assert.equal(seen[before]!.request.moreToCome, true);
    await pause(20);
    assert.equal(c.pendingReplies, 0);
    c.destroy();
  });

  test('OP_COMPRESSED zlib: the reply is compressed with zlib too', async () => {
    const c = await RawClient.connect(port);
    await c.write(compress(opMsg(50, { find: 'c', filter: { a: 'b'.repeat(500) }, $db: 'db' }), 2));
    const r: Reply = await c.next();
    assert.equal(r.opCode, 2013);
    assert.equal(r.compressorId, 2);
    assert.equal(r.originalOpCode, 2013);
    assert.equal(r.responseTo, 50);
    assert.equal(r.doc.command.filter.a, 'b'.repeat(500));
    assert.equal(r.doc.request.compressor, 'zlib');
    c.destroy();
  });

  test('OP_COMPRESSED noop round trip; a compressed hello is answered uncompressed', async () => {
    const c = await RawClient.connect(port);
    await c.write(compress(opMsg(51, { ping: 1, $db: 'db' }), 0));
    const r1 = await c.next();
    assert.equal(r1.compressorId, 0);
    assert.equal(r1.doc.request.compressor, 'noop');
    await c.write(compress(opMsg(52, { hello: 1, $db: 'admin' }), 2));
    const r2 = await c.next();
    assert.equal(r2.compressorId, undefined);
    assert.equal(r2.responseTo, 52);
    c.destroy();
  });

  test('OP_QUERY handshake on admin.$cmd gets an OP_REPLY; $query wrapper and $readPreference carried', async () => {
    const c = await RawClient.connect(port);
    await c.write(opQuery(60, 'admin.$cmd', { isMaster: 1, helloOk: true }));
    const r = await c.next();
    assert.equal(r.opCode, 1);
    assert.equal(r.responseTo, 60);
    assert.equal(r.flags, 8);
    assert.deepEqual(r.doc.command, { isMaster: 1, helloOk: true, $db: 'admin' });
    assert.equal(r.doc.request.opCode, 2004);

    await c.write(opQuery(61, 'mydb.$cmd', { $query: { count: 'c' }, $readPreference: { mode: 'primary' } }));
    const r2 = await c.next();
    assert.deepEqual(r2.doc.command, { count: 'c', $readPreference: { mode: 'primary' }, $db: 'mydb' });

    await c.write(opQuery(62, 'mydb.$cmd', { ping: 1 }, 1, 4));
    const r3 = await c.next();
    assert.deepEqual(r3.doc.command, { ping: 1, $readPreference: { mode: 'secondaryPreferred' }, $db: 'mydb' });
    c.destroy();
  });

  test('one connection runs its commands in order; another is not blocked meanwhile', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const order: string[] = [];
    const { server: s2, port: p2 } = await startServer(async (command) => {
      const name = Object.keys(command)[0]!;
      order.push(`start ${name}`);
      if (name === 'slow') await gate;
      order.push(`end ${name}`);
      return { ok: 1 };
    });
    try {
      const a = await RawClient.connect(p2);
      const b = await RawClient.connect(p2);
      await a.write(Buffer.concat([opMsg(1, { slow: 1, $db: 'x' }), opMsg(2, { after: 1, $db: 'x' })]));
      await pause(10);
      await b.write(opMsg(3, { other: 1, $db: 'x' }));
      const rb = await b.next();
      assert.equal(rb.responseTo, 3);
      assert.deepEqual(order, ['start slow', 'start other', 'end other']);
      release();
      assert.equal((await a.next()).responseTo, 1);
      assert.equal((await a.next()).responseTo, 2);
      assert.deepEqual(order.slice(3), ['end slow', 'start after', 'end after']);
      a.destroy();
      b.destroy();
    } finally {
      await s2.close();
    }
  });

  test('connections are numbered from 1, logged when accepted and ended, and counted', async () => {
    const closed: number[] = [];
    const { server: s3, port: p3, events: ev } = await startServer(undefined, { onConnectionClosed: (c) => closed.push(c.id) });
    try {
      const a = await RawClient.connect(p3);
      await a.write(opMsg(1, { ping: 1, $db: 'x' }));
      const r = await a.next();
      assert.equal(r.doc.connectionId, 1);
      const b = await RawClient.connect(p3);
      await b.write(opMsg(1, { ping: 1, $db: 'x' }));
      assert.equal((await b.next()).doc.connectionId, 2);
      assert.equal(s3.connectionCount, 2);
      a.destroy();
      for (let i = 0; i < 100 && closed.length === 0; i++) await pause(5);
      assert.deepEqual(closed, [1]);
      assert.equal(s3.connectionCount, 1);
      assert.ok(ev.some((e) => e.msg === 'Connection accepted' && e.id === 1 && typeof e.remote === 'string'));
      assert.ok(ev.some((e) => e.msg === 'Connection ended' && e.id === 1));
      b.destroy();
    } finally {
      await s3.close();
    }
  });

  test('a client that half-closes after its requests still gets every reply', async () => {
    const c = await RawClient.connect(port);
    await c.write(Buffer.concat([opMsg(90, { a: 1, $db: 'x' }), opMsg(91, { b: 1, $db: 'x' })]));
    c.socket.end();
    assert.equal((await c.next()).responseTo, 90);
    assert.equal((await c.next()).responseTo, 91);
    assert.equal(await c.waitClosed(), true);
  });

  test('close() destroys open sockets and resolves', async () => {
    const { server: s4, port: p4 } = await startServer();
    const a = await RawClient.connect(p4);
    await a.write(opMsg(1, { ping: 1, $db: 'x' }));
    await a.next();
    await s4.close();
    assert.equal(await a.waitClosed(), true);
    assert.equal(s4.connectionCount, 0);
  });
});
