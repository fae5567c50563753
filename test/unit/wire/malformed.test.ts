import { describe, test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { compress, opMsg, opQuery, rawMessage, RawClient, section0, section1, startServer, bson, type Reply } from './wire_test_client.js';
import { CloseConnectionSignal, type WireServer } from '../../../src/wire/index.js';
import { MongoServerError } from '../../../src/errors/index.js';

const MAX_BSON = 1024;
const MAX_MESSAGE = 64 * 1024;

/** Raw bytes of `{s: <string with an invalid UTF-8 byte>}`. */
function invalidUtf8Doc(): Buffer {
  const doc = bson({ s: 'abc' });
  doc[doc.indexOf('abc')] = 0xff;
  return doc;
}

describe('wire: malformed input', () => {
  let server: WireServer;
  let port: number;
  let events: Array<Record<string, unknown>>;
  let witness: RawClient;

  before(async () => {
    ({ server, port, events } = await startServer(async (command) => {
      if ('throwPlain' in command) throw new Error('boom');
      if ('throwMongo' in command) throw new MongoServerError(11000, 'dup key', { extra: { keyValue: { a: 1 } } });
      if ('throwClose' in command) throw new CloseConnectionSignal();
      if ('returnNothing' in command) return undefined as never;
      if ('hugeReply' in command) return { ok: 1, s: 'x'.repeat(MAX_BSON + 20 * 1024) };
      return { ok: 1, command };
    }, { maxBsonObjectSize: MAX_BSON, maxMessageSizeBytes: MAX_MESSAGE }));
    // A connection opened before every bad one: it must keep working after each.
    witness = await RawClient.connect(port);
  });
  after(async () => {
    witness.destroy();
    await server.close();
  });

  let witnessRequest = 1000;
  async function witnessStillWorks(): Promise<void> {
    const id = ++witnessRequest;
    await witness.write(opMsg(id, { ping: 1, $db: 'admin' }));
    const r = await witness.next();
    assert.equal(r.responseTo, id);
    assert.equal(r.doc.ok, 1);
  }

  async function expectClosed(bytes: Buffer): Promise<void> {
    const c = await RawClient.connect(port);
    await c.write(bytes);
    assert.equal(await c.waitClosed(), true, 'the server closes the connection');
    assert.equal(c.pendingReplies, 0, 'and sends no reply');
    await witnessStillWorks();
  }

  async function expectError(bytes: Buffer, code: number, errmsg?: RegExp): Promise<Reply> {
    const c = await RawClient.connect(port);
    await c.write(bytes);
    const r = await c.next();
    assert.equal(r.doc.ok, 0);
    assert.equal(r.doc.code, code, `code of ${JSON.stringify(r.doc)}`);
    assert.equal(typeof r.doc.codeName, 'string');
    if (errmsg) assert.match(r.doc.errmsg, errmsg);
    // The connection survives an error reply.
    await c.write(opMsg(77, { ping: 1, $db: 'admin' }));
    assert.equal((await c.next()).doc.ok, 1);
    c.destroy();
    await witnessStillWorks();
    return r;
  }

  test('messageLength below 16 closes the connection', async () => {
    await expectClosed(rawMessage(1, 2013, Buffer.alloc(8), 12));
    assert.ok(events.some((e) => /msgLen 12 is invalid/.test(String(e.error))));
  });

  test('messageLength above maxMessageSizeBytes closes the connection', async () => {
    await expectClosed(rawMessage(1, 2013, Buffer.alloc(8), MAX_MESSAGE + 1));
  });

  test('an unknown opCode closes the connection', async () => {
    await expectClosed(rawMessage(1, 2002, Buffer.alloc(20)));
  });

  test('an illegal required OP_MSG flag bit closes the connection', async () => {
    await expectClosed(opMsg(1, { ping: 1, $db: 'a' }, { flags: 1 << 3 }));
  });

  test('more than two document sequences close the connection', async () => {
    await expectClosed(opMsg(1, null, { sections: [section1('a', []), section1('b', []), section1('c', []), section0({ x: 1, $db: 'a' })] }));
  });

  test('an unsupported compressor (snappy, zstd) closes the connection', async () => {
    await expectClosed(compress(opMsg(1, { ping: 1, $db: 'a' }), 1));
    await expectClosed(compress(opMsg(1, { ping: 1, $db: 'a' }), 3));
  });

  test('zlib data that does not inflate to uncompressedSize closes the connection', async () => {
    const m = compress(opMsg(1, { ping: 1, $db: 'a' }), 2);
    m.writeInt32LE(m.readInt32LE(20) + 5, 20);
    await expectClosed(m);
  });

  test('an OP_MSG ending before its flags gets Overflow', async () => {
    await expectError(rawMessage(5, 2013, Buffer.alloc(0)), 15);
  });

  test('a truncated body document gets InvalidBSON', async () => {
    const doc = bson({ ping: 1, $db: 'a' });
    const body = Buffer.concat([Buffer.from([0]), doc.subarray(0, doc.length - 3)]);
    await expectError(rawMessage(5, 2013, Buffer.concat([Buffer.alloc(4), body])), 22);
  });

  test('invalid UTF-8 in a string gets InvalidBSON', async () => {
    await expectError(opMsg(5, null, { sections: [section0(invalidUtf8Doc())] }), 22);
  });

  test('a document without its terminating zero gets InvalidBSON', async () => {
    const doc = bson({ ping: 1, $db: 'a' });
    doc[doc.length - 1] = 7;
    await expectError(opMsg(5, null, { sections: [section0(doc)] }), 22);
  });

  test('no body section gets 40587', async () => {
    await expectError(opMsg(5, null, { sections: [section1('documents', [{ a: 1 }])] }), 40587, /must have a body/);
  });

  test('two body sections get 40430', async () => {
    await expectError(opMsg(5, null, { sections: [section0({ a: 1, $db: 'a' }), section0({ b: 1, $db: 'a' })] }), 40430);
  });

  test('an unknown section kind gets 40432', async () => {
    const r = await expectError(opMsg(5, null, { sections: [section0({ a: 1, $db: 'a' }), Buffer.from([5, 0, 0, 0, 0])] }), 40432);
    assert.equal(r.doc.errmsg, 'Unknown section kind 5');
    assert.equal(r.doc.codeName, 'Location40432');
  });

  test('a document sequence running past the message end gets Overflow', async () => {
    await expectError(opMsg(5, null, { sections: [section0({ a: 1, $db: 'a' }), section1('docs', [{ x: 1 }], 400)] }), 15);
  });

  test('a document running past the end of its sequence gets InvalidBSON', async () => {
    const seq = section1('docs', [{ x: 1 }]);
    seq.writeInt32LE(seq.readInt32LE(1) - 2, 1);
    await expectError(opMsg(5, null, { sections: [seq.subarray(0, seq.length - 2), section0({ a: 1, $db: 'a' })] }), 22);
  });

  test('duplicate sequences get 40431, a sequence repeating a body field 40433', async () => {
    await expectError(opMsg(5, null, { sections: [section1('d', []), section1('d', []), section0({ a: 1, $db: 'a' })] }), 40431);
    await expectError(opMsg(5, null, { sections: [section1('a', []), section0({ a: 1, $db: 'a' })] }), 40433);
  });

  test('a missing $db gets 40571', async () => {
    await expectError(opMsg(5, { ping: 1 }), 40571, /require a \$db argument/);
    await expectError(opMsg(5, { ping: 1, $db: 3 }), 14, /BSON field '\$db' is the wrong type 'int', expected type 'string'/);
  });

  test('a document over maxBsonObjectSize + 16 KiB gets BSONObjectTooLarge', async () => {
    await expectError(opMsg(5, { ping: 1, $db: 'a', s: 'x'.repeat(MAX_BSON + 16 * 1024 + 10) }), 10334);
  });

  test('a document up to maxBsonObjectSize + 16 KiB is accepted', async () => {
    const c = await RawClient.connect(port);
    await c.write(opMsg(5, { ping: 1, $db: 'a', s: 'x'.repeat(MAX_BSON + 8 * 1024) }));
    assert.equal((await c.next()).doc.ok, 1);
    c.destroy();
  });

  test('a moreToCome request that fails to parse gets no reply and the connection goes on', async () => {
    const c = await RawClient.connect(port);
    await c.write(Buffer.concat([opMsg(5, { ping: 1 }, { flags: 2 }), opMsg(6, { ping: 1, $db: 'a' })]));
    assert.equal((await c.next()).responseTo, 6);
    c.destroy();
  });

  test('handler rejections: plain Error → InternalError, toReply() is used, CloseConnectionSignal closes', async () => {
    const r1 = await expectError(opMsg(5, { throwPlain: 1, $db: 'a' }), 1, /boom/);
    assert.equal(r1.doc.codeName, 'InternalError');
    const r2 = await expectError(opMsg(5, { throwMongo: 1, $db: 'a' }), 11000);
    assert.deepEqual(r2.doc.keyValue, { a: 1 });
    assert.equal(r2.doc.codeName, 'DuplicateKey');
    await expectError(opMsg(5, { returnNothing: 1, $db: 'a' }), 1);
    await expectError(opMsg(5, { hugeReply: 1, $db: 'a' }), 10334);
    await expectClosed(opMsg(5, { throwClose: 1, $db: 'a' }));
  });

  test('OP_QUERY: non-$cmd namespace gets a query failure with 5739101', async () => {
    const r = await expectError(opQuery(5, 'db.coll', { a: 1 }), 5739101, /OP_QUERY is no longer supported/);
    assert.equal(r.opCode, 1);
    assert.equal(r.flags & 2, 2);
    assert.match(r.doc.$err, /OP_QUERY is no longer supported/);
  });

  test('OP_QUERY: numberToReturn other than 1/-1 gets 16979, $db in the query 40621', async () => {
    const r = await expectError(opQuery(5, 'admin.$cmd', { isMaster: 1 }, 0), 16979);
    assert.equal(r.doc.errmsg, 'Bad numberToReturn (0) for $cmd type ns - can only be 1 or -1');
    assert.equal(r.opCode, 1);
    await expectError(opQuery(5, 'admin.$cmd', { isMaster: 1, $db: 'x' }), 40621);
  });

  test('OP_QUERY: invalid BSON gets InvalidBSON in an OP_REPLY', async () => {
    const m = opQuery(5, 'admin.$cmd', { isMaster: 'abc' });
    m[m.indexOf('abc')] = 0xff;
    const r = await expectError(m, 22);
    assert.equal(r.opCode, 1);
  });

  test('garbage after a fatal frame is ignored; replies before it are delivered', async () => {
    const c = await RawClient.connect(port);
    await c.write(Buffer.concat([opMsg(5, { ping: 1, $db: 'a' }), rawMessage(6, 2013, Buffer.alloc(0), 3), Buffer.alloc(50, 0xab)]));
    assert.equal((await c.next()).responseTo, 5);
    assert.equal(await c.waitClosed(), true);
    await witnessStillWorks();
  });
});

describe('wire: strictOpQuery', () => {
  test('refuses OP_QUERY commands outside mongod\'s allow-list with 352', async () => {
    const { server, port } = await startServer(undefined, { strictOpQuery: true });
    try {
      const c = await RawClient.connect(port);
      await c.write(opQuery(1, 'test.$cmd', { find: 'c' }));
      const r = await c.next();
      assert.equal(r.doc.code, 352);
      assert.equal(r.doc.codeName, 'UnsupportedOpQueryCommand');
      assert.match(r.doc.errmsg, /^Unsupported OP_QUERY command: find\. The client driver may require an upgrade\./);
      await c.write(opQuery(2, 'admin.$cmd', { ismaster: 1 }));
      assert.equal((await c.next()).doc.ok, 1);
      c.destroy();
    } finally {
      await server.close();
    }
  });
});
