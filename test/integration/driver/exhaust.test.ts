/**
 * Exhaust cursors over the wire, as mongod streams them: a getMore sent in an OP_MSG with the exhaustAllowed flag
 * makes the server send the following batches by itself, each reply with moreToCome and answering the one before
 * it, until the cursor closes (the last reply has no moreToCome). The official Node driver asks for exhaust only on
 * its monitoring hello, so these tests speak OP_MSG themselves. OP_QUERY's exhaust flag: mongod 8.0 has no OP_QUERY
 * find, so a legacy find with it is refused, and a handshake with it gets one ordinary reply.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Long, type Document, type MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { asLong, clientFor, eventually, startInProcess } from './harness.js';
import { bodySection, bson, message, OP_QUERY, OP_REPLY, opMsg, RawSocket, type Outcome, type Reply } from './raw_wire.js';

const MORE_TO_COME = 1 << 1;
const EXHAUST_ALLOWED = 1 << 16;
/** OP_QUERY's Exhaust flag bit. */
const OP_QUERY_EXHAUST = 1 << 6;
/** OP_REPLY's QueryFailure flag bit. */
const QUERY_FAILURE = 1 << 1;

function replied(outcome: Outcome): Reply {
  assert.ok('reply' in outcome, 'the server replied');
  return outcome;
}

/** An OP_QUERY message: flags, namespace, skip 0, numberToReturn, query. */
function opQuery(requestId: number, flags: number, namespace: string, numberToReturn: number, query: Document): Buffer {
  const head = Buffer.alloc(4);
  head.writeInt32LE(flags, 0);
  const counts = Buffer.alloc(8);
  counts.writeInt32LE(0, 0);
  counts.writeInt32LE(numberToReturn, 4);
  return message(OP_QUERY, Buffer.concat([head, Buffer.from(`${namespace}\0`, 'utf8'), counts, bson(query)]), requestId);
}

describe('exhaust cursors', () => {
  let server: RunningServer;
  let client: MongoClient;
  let port: number;

  before(async () => {
    server = await startInProcess();
    client = clientFor(server.address);
    port = Number(server.address.split(':').at(-1));
    await client.db('ex').collection<{ _id: number }>('ten').insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: i + 1 })));
    await client.db('ex').collection<{ _id: number }>('many').insertMany(Array.from({ length: 3000 }, (_, i) => ({ _id: i + 1 })));
  });

  after(async () => {
    await client?.close();
    await server?.close();
  });

  /** Opens a find cursor on `coll` over `socket` and returns its id, after checking the first batch's size. */
  async function openCursor(socket: RawSocket, coll: string, batchSize: number): Promise<Long> {
    socket.write(opMsg([bodySection({ find: coll, batchSize, $db: 'ex' })], 0, 1));
    const first = replied(await socket.outcome());
    assert.equal(first.reply.cursor.firstBatch.length, batchSize);
    return asLong(first.reply.cursor.id);
  }

  /** Every reply to one exhaust getMore, up to the one without moreToCome. */
  async function stream(socket: RawSocket): Promise<Reply[]> {
    const replies: Reply[] = [];
    for (;;) {
      const r = replied(await socket.outcome());
      replies.push(r);
      if ((r.flags & MORE_TO_COME) === 0) return replies;
      assert.ok(replies.length < 100, 'the stream ends');
    }
  }

  test('one exhaust getMore streams every remaining batch, each answering the previous reply', async () => {
    const socket = await RawSocket.open(port);
    try {
      const id = await openCursor(socket, 'ten', 2);
      socket.write(opMsg([bodySection({ getMore: id, collection: 'ten', batchSize: 3, $db: 'ex' })], EXHAUST_ALLOWED, 7));
      const replies = await stream(socket);
      assert.deepEqual(replies.map((r) => r.reply.cursor.nextBatch.map((d: Document) => d._id)), [[3, 4, 5], [6, 7, 8], [9, 10]]);
      assert.deepEqual(replies.map((r) => (r.flags & MORE_TO_COME) !== 0), [true, true, false]);
      assert.deepEqual(replies.map((r) => asLong(r.reply.cursor.id).isZero()), [false, false, true]);
      assert.equal(replies[0]!.responseTo, 7);
      for (let i = 1; i < replies.length; i++) assert.equal(replies[i]!.responseTo, replies[i - 1]!.requestId);
      assert.equal(server.engine.cursors.has(id.toBigInt()), false);

      // The connection serves ordinary requests again afterwards.
      socket.write(opMsg([bodySection({ ping: 1, $db: 'admin' })], 0, 8));
      const ping = replied(await socket.outcome());
      assert.equal(ping.reply.ok, 1);
      assert.equal(ping.responseTo, 8);
      assert.equal(ping.flags & MORE_TO_COME, 0);
    } finally {
      socket.destroy();
    }
  });

  test('a stream whose last full batch ends on the last document ends with an empty batch', async () => {
    const socket = await RawSocket.open(port);
    try {
      const id = await openCursor(socket, 'ten', 1);
      socket.write(opMsg([bodySection({ getMore: id, collection: 'ten', batchSize: 3, $db: 'ex' })], EXHAUST_ALLOWED, 2));
      const replies = await stream(socket);
      assert.deepEqual(replies.map((r) => r.reply.cursor.nextBatch.length), [3, 3, 3, 0]);
      assert.equal(asLong(replies.at(-1)!.reply.cursor.id).isZero(), true);
    } finally {
      socket.destroy();
    }
  });

  test('without exhaustAllowed a getMore gets one reply; a failing exhaust getMore gets one error reply', async () => {
    const socket = await RawSocket.open(port);
    try {
      const id = await openCursor(socket, 'ten', 2);
      socket.write(opMsg([bodySection({ getMore: id, collection: 'ten', batchSize: 3, $db: 'ex' })], 0, 3));
      const one = replied(await socket.outcome());
      assert.equal(one.flags & MORE_TO_COME, 0);
      assert.deepEqual(one.reply.cursor.nextBatch.map((d: Document) => d._id), [3, 4, 5]);
      socket.write(opMsg([bodySection({ killCursors: 'ten', cursors: [id], $db: 'ex' })], 0, 4));
      replied(await socket.outcome());
      socket.write(opMsg([bodySection({ getMore: id, collection: 'ten', $db: 'ex' })], EXHAUST_ALLOWED, 5));
      const failed = replied(await socket.outcome());
      assert.equal(failed.flags & MORE_TO_COME, 0);
      assert.equal(failed.reply.ok, 0);
      assert.equal(failed.reply.code, 43);
      assert.equal(failed.reply.codeName, 'CursorNotFound');
      // Other commands ignore the flag.
      socket.write(opMsg([bodySection({ find: 'ten', batchSize: 2, $db: 'ex' })], EXHAUST_ALLOWED, 6));
      const find = replied(await socket.outcome());
      assert.equal(find.flags & MORE_TO_COME, 0);
      assert.equal(find.reply.cursor.firstBatch.length, 2);
    } finally {
      socket.destroy();
    }
  });

  test('a client that leaves in the middle of a stream stops it; the cursor stays usable', async () => {
    const socket = await RawSocket.open(port);
    const id = await openCursor(socket, 'many', 1);
    socket.write(opMsg([bodySection({ getMore: id, collection: 'many', batchSize: 1, $db: 'ex' })], EXHAUST_ALLOWED, 2));
    const first = replied(await socket.outcome());
    assert.equal(first.flags & MORE_TO_COME, MORE_TO_COME);
    socket.reset();
    // Once the stream has stopped, the cursor is free for another getMore, which gets what the stream did not send.
    let rest: Document | undefined;
    await eventually(async () => {
      try {
        rest = await client.db('ex').command({ getMore: id, collection: 'many', batchSize: 0 });
        return true;
      } catch (err) {
        if ((err as { code?: number }).code === 96) return false; // OperationFailed: still in use by the stream
        throw err;
      }
    }, 'the stream stops after the client left');
    const ids: number[] = rest!.cursor.nextBatch.map((d: Document) => d._id);
    assert.ok(ids.length > 0 && ids.length < 2998, `the stream stopped early (${ids.length} left)`);
    assert.equal(ids.at(-1), 3000);
    assert.deepEqual(ids, Array.from({ length: ids.length }, (_, i) => 3001 - ids.length + i));
  });

  test('OP_QUERY: a legacy find with the exhaust flag is refused; a handshake with it gets one reply', async () => {
    const socket = await RawSocket.open(port);
    try {
      socket.write(opQuery(1, OP_QUERY_EXHAUST, 'ex.ten', 2, {}));
      const refused = replied(await socket.outcome());
      assert.equal(refused.opCode, OP_REPLY);
      assert.equal(refused.flags & QUERY_FAILURE, QUERY_FAILURE);
      assert.equal(refused.reply.code, 5739101);
      assert.match(String(refused.reply.$err), /OP_QUERY is no longer supported/);
      socket.write(opQuery(2, OP_QUERY_EXHAUST, 'admin.$cmd', -1, { isMaster: 1 }));
      const hello = replied(await socket.outcome());
      assert.equal(hello.opCode, OP_REPLY);
      assert.equal(hello.reply.ismaster, true);
      assert.equal(hello.responseTo, 2);
      socket.write(opMsg([bodySection({ ping: 1, $db: 'admin' })], 0, 3));
      assert.equal(replied(await socket.outcome()).responseTo, 3, 'nothing else was streamed');
    } finally {
      socket.destroy();
    }
  });
});
