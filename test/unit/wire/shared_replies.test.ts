// Change-stream replies leave the socket as the exact bytes bson.serialize gives, however they are framed:
// OP_MSG, OP_QUERY's OP_REPLY, and OP_COMPRESSED with each compressor, for events shared between replies.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { compressSync, uncompressSync } from 'snappy';
import { Binary, BSON, Long, Timestamp, type Document } from 'bson';
import type { CommandHandler, WireServer } from '../../../src/wire/index.js';
import { compress, opMsg, opQuery, RawClient, startServer } from './wire_test_client.js';

/** Events reused by every reply, as the change-stream layer shares them between streams. */
const small = { _id: { _data: '8200000001' }, operationType: 'insert', ns: { db: 'db', coll: 'c' }, fullDocument: { _id: 1, é: 'ü' } };
const large = { _id: { _data: '8200000002' }, operationType: 'insert', ns: { db: 'db', coll: 'c' }, fullDocument: { _id: 2, s: 'x'.repeat(100_000) } };

function changeStreamReply(n: number): Document {
  const batch = [small, large, small].slice(0, n);
  const ts = new Timestamp({ t: 5, i: n });
  return {
    cursor: { nextBatch: batch, postBatchResumeToken: { _data: `82000000${n}` }, id: Long.fromNumber(42), ns: 'db.c' },
    ok: 1,
    operationTime: ts,
    $clusterTime: { clusterTime: ts, signature: { hash: new Binary(Buffer.alloc(20), 0), keyId: Long.fromNumber(0) } },
  };
}

/** OP_COMPRESSED with snappy (the test client's own helper knows noop and zlib). */
function snappyCompressed(message: Buffer): Buffer {
  const payload = compressSync(message.subarray(16));
  const out = Buffer.alloc(25 + payload.length);
  out.writeInt32LE(out.length, 0);
  out.writeInt32LE(message.readInt32LE(4), 4);
  out.writeInt32LE(2012, 12);
  out.writeInt32LE(message.readInt32LE(12), 16);
  out.writeInt32LE(message.length - 16, 20);
  out[24] = 1;
  payload.copy(out, 25);
  return out;
}

/** The body (BSON) of a reply message, unwrapped from OP_COMPRESSED, with the opcode it carried. */
function bodyOf(msg: Buffer): { opCode: number; body: Buffer; compressorId?: number } {
  assert.equal(msg.readInt32LE(0), msg.length, 'messageLength is the message size');
  const opCode = msg.readInt32LE(12);
  if (opCode === 2012) {
    const compressorId = msg[24]!;
    const payload = msg.subarray(25);
    const inner = compressorId === 2 ? inflateSync(payload) : compressorId === 1 ? (uncompressSync(payload) as Buffer) : payload;
    assert.equal(inner.length, msg.readInt32LE(20), 'uncompressedSize');
    const rebuilt = Buffer.concat([Buffer.alloc(16), inner]);
    rebuilt.writeInt32LE(rebuilt.length, 0);
    rebuilt.writeInt32LE(msg.readInt32LE(16), 12);
    return { ...bodyOf(rebuilt), compressorId };
  }
  if (opCode === 2013) return { opCode, body: msg.subarray(21) };
  assert.equal(opCode, 1);
  return { opCode, body: msg.subarray(36) };
}

describe('shared change-stream replies on the wire', () => {
  let server: WireServer;
  let port: number;
  const sent: Document[] = [];
  const handler: CommandHandler = async (command) => {
    const reply = changeStreamReply(Number(command.n ?? 1));
    sent.push(reply);
    return reply;
  };
  before(async () => {
    ({ server, port } = await startServer(handler));
  });
  after(async () => {
    await server.close();
  });

  const cases = [
    { name: 'OP_MSG', wrap: (m: Buffer) => m, compressorId: undefined },
    { name: 'OP_COMPRESSED noop', wrap: (m: Buffer) => compress(m, 0), compressorId: 0 },
    { name: 'OP_COMPRESSED zlib', wrap: (m: Buffer) => compress(m, 2), compressorId: 2 },
    { name: 'OP_COMPRESSED snappy', wrap: snappyCompressed, compressorId: 1 },
  ];
  for (const c of cases) {
    test(`${c.name}: every reply is the serializer's bytes, the same event in many replies, small and large`, async () => {
      const clients = [await RawClient.connect(port), await RawClient.connect(port)];
      try {
        for (const n of [0, 1, 2, 3, 3]) {
          for (const [i, client] of clients.entries()) {
            const requestId = 100 + n * 2 + i;
            // A request over 64 KiB is decompressed off the event loop, a small one inline: both must come through.
            const pad = n === 3 ? 'p'.repeat(70_000) : '';
            await client.write(c.wrap(opMsg(requestId, { getMore: Long.fromNumber(42), collection: 'c', n, pad, $db: 'db' })));
            const msg = await client.nextMessage();
            assert.equal(msg.readInt32LE(8), requestId, 'responseTo');
            const { opCode, body, compressorId } = bodyOf(msg);
            assert.equal(opCode, 2013);
            assert.equal(compressorId, c.compressorId);
            assert.ok(body.equals(BSON.serialize(sent.at(-1)!, { ignoreUndefined: true })), `reply with ${n} events`);
          }
        }
      } finally {
        for (const client of clients) client.destroy();
      }
    });
  }

  test('pipelined requests for replies larger than the socket buffers, read slowly: all arrive whole, in order', async () => {
    const client = await RawClient.connect(port);
    try {
      client.socket.pause();
      const requests = Array.from({ length: 40 }, (_, i) => opMsg(300 + i, { getMore: Long.fromNumber(42), collection: 'c', n: 3, big: i, $db: 'db' }));
      await client.write(Buffer.concat(requests));
      await new Promise((resolve) => setTimeout(resolve, 200));
      client.socket.resume();
      for (let i = 0; i < requests.length; i++) {
        const msg = await client.nextMessage(5000);
        assert.equal(msg.readInt32LE(8), 300 + i, 'replies come in request order');
        assert.ok(bodyOf(msg).body.equals(BSON.serialize(changeStreamReply(3), { ignoreUndefined: true })));
      }
    } finally {
      client.destroy();
    }
  });

  test('OP_QUERY: the OP_REPLY document is the serializer\'s bytes too', async () => {
    const client = await RawClient.connect(port);
    try {
      for (const n of [3, 2]) {
        await client.write(opQuery(200 + n, 'db.$cmd', { getMore: Long.fromNumber(42), collection: 'c', n }));
        const msg = await client.nextMessage();
        const { opCode, body } = bodyOf(msg);
        assert.equal(opCode, 1);
        assert.ok(body.equals(BSON.serialize(sent.at(-1)!, { ignoreUndefined: true })));
      }
    } finally {
      client.destroy();
    }
  });
});
