/**
 * Bad input against the real server: malformed wire messages on raw sockets, and invalid command arguments
 * through the driver. After each bad message the offending connection got an error reply or was closed, the server
 * still serves a separate driver client, and no data changed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Long, type Collection, type Document, type MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { clientFor, rejectsWith, startInProcess } from './harness.js';
import {
  bodySection, bson, compressed, garbage, message, OP_MSG, opMsg, opMsgWithChecksum, RawSocket, sequenceSection, type Outcome,
} from './raw_wire.js';

type Doc = { _id: string; [key: string]: unknown };

const DB = 'malformed';
const COLL = 'data';

/** A BSON document from already-encoded elements. */
function rawDocument(elements: Buffer[]): Buffer {
  const body = Buffer.concat([...elements, Buffer.from([0])]);
  const size = Buffer.alloc(4);
  size.writeInt32LE(4 + body.length, 0);
  return Buffer.concat([size, body]);
}

/** A BSON string element. */
function stringElement(name: string, value: string): Buffer {
  const text = Buffer.from(`${value}\0`, 'utf8');
  const size = Buffer.alloc(4);
  size.writeInt32LE(text.length, 0);
  return Buffer.concat([Buffer.from([2]), Buffer.from(`${name}\0`, 'utf8'), size, text]);
}

/** An insert of `_id` as a whole OP_MSG body. */
function insertBody(_id: string, extra: Document = {}): Document {
  return { insert: COLL, documents: [{ _id, ...extra }], $db: DB };
}

describe('malformed wire messages against the real server', () => {
  let server: RunningServer;
  let client: MongoClient;
  let coll: Collection<Doc>;
  /** What the collection must hold: only what well-formed requests wrote. */
  const expected: Doc[] = [];
  let probe = 0;

  before(async () => {
    server = await startInProcess();
    client = clientFor(server.address);
    coll = client.db(DB).collection<Doc>(COLL);
    await coll.insertOne({ _id: 'seed', n: 1 });
    expected.push({ _id: 'seed', n: 1 });
  });

  after(async () => {
    await client?.close();
    await server?.close();
  });

  /** The server still works for another client, and the data is exactly what well-formed requests wrote. */
  async function assertHealthy(): Promise<void> {
    const before = await coll.find().sort({ _id: 1 }).toArray();
    assert.deepEqual(before, [...expected].sort((a, b) => (a._id < b._id ? -1 : 1)), 'no data changed');
    const marker = { _id: `ok-${String(++probe).padStart(3, '0')}` };
    await coll.insertOne(marker);
    expected.push(marker);
    assert.deepEqual(await coll.findOne({ _id: marker._id }), marker, 'a separate client can still insert and find');
  }

  /** Sends `bytes` on a fresh socket and returns what the server did. */
  async function send(bytes: Buffer, end = false): Promise<Outcome> {
    const raw = await RawSocket.open(server.port);
    try {
      raw.write(bytes, end);
      return await raw.outcome();
    } finally {
      raw.destroy();
    }
  }

  /** An error reply with `code` (when given), or a closed connection when `code` is 'closed'. */
  function assertRejected(outcome: Outcome, code: number | 'closed' | 'either'): void {
    if ('closed' in outcome) {
      assert.ok(code === 'closed' || code === 'either', `expected an error reply ${code}, but the connection was closed`);
      return;
    }
    assert.notEqual(code, 'closed', `expected the connection to be closed, got ${JSON.stringify(outcome.reply)}`);
    const { reply } = outcome;
    assert.equal(reply.ok, 0, `an error reply: ${JSON.stringify(reply)}`);
    assert.equal(typeof reply.code, 'number');
    assert.equal(typeof reply.codeName, 'string');
    assert.equal(typeof reply.errmsg, 'string');
    if (typeof code === 'number') assert.equal(reply.code, code, reply.errmsg);
  }

  test('control: a hand-built OP_MSG insert (plain and with a correct checksum) is accepted', async () => {
    const plain = await send(opMsg([bodySection(insertBody('raw-1'))]));
    assert.ok('reply' in plain && plain.opCode === OP_MSG);
    assert.deepEqual({ ok: plain.reply.ok, n: plain.reply.n }, { ok: 1, n: 1 });
    expected.push({ _id: 'raw-1' });
    const summed = await send(opMsgWithChecksum([bodySection(insertBody('raw-2'))]));
    assert.ok('reply' in summed);
    assert.equal(summed.reply.ok, 1);
    expected.push({ _id: 'raw-2' });
    const sequence = await send(opMsg([bodySection({ insert: COLL, $db: DB }), sequenceSection('documents', [{ _id: 'raw-3' }])]));
    assert.ok('reply' in sequence);
    assert.equal(sequence.reply.n, 1);
    expected.push({ _id: 'raw-3' });
    await assertHealthy();
  });

  test('messageLength below 16 closes the connection', async () => {
    for (const length of [0, 8, 15, -1]) {
      const bytes = Buffer.alloc(20);
      bytes.writeInt32LE(length, 0);
      assertRejected(await send(bytes), 'closed');
      await assertHealthy();
    }
  });

  test('messageLength above 48 MB closes the connection without waiting for the bytes', async () => {
    const header = message(OP_MSG, Buffer.alloc(0), 1, 48_000_001);
    assertRejected(await send(header), 'closed');
    const huge = message(OP_MSG, Buffer.alloc(0), 1, 0x7fffffff);
    assertRejected(await send(huge), 'closed');
    await assertHealthy();
  });

  test('an unknown opcode', async () => {
    const body = Buffer.concat([Buffer.alloc(4), bodySection(insertBody('bad-opcode'))]);
    assertRejected(await send(message(9999, body)), 'either');
    assertRejected(await send(message(2001, body)), 'either'); // OP_UPDATE: removed from the protocol
    await assertHealthy();
  });

  test('truncated BSON in an OP_MSG body: an error reply', async () => {
    const doc = bson(insertBody('bad-truncated'));
    for (const cut of [5, doc.length >> 1, doc.length - 1]) {
      assertRejected(await send(opMsg([bodySection(doc.subarray(0, cut))])), 'either');
      await assertHealthy();
    }
  });

  test('invalid BSON (an unknown element type byte): InvalidBSON', async () => {
    const doc = bson({ insert: COLL, documents: [{ _id: 'bad-type', zz: 1 }], $db: DB });
    const at = doc.indexOf(Buffer.from('zz\0', 'utf8'));
    assert.ok(at > 0);
    doc[at - 1] = 0x20; // not a BSON type
    const outcome = await send(opMsg([bodySection(doc)]));
    assertRejected(outcome, 22);
    await assertHealthy();
  });

  test('a document sequence without a body section: 40587', async () => {
    const outcome = await send(opMsg([sequenceSection('documents', [{ _id: 'bad-nobody' }])]));
    assertRejected(outcome, 40587);
    await assertHealthy();
  });

  test('two body sections: 40430', async () => {
    const outcome = await send(opMsg([bodySection(insertBody('bad-two-1')), bodySection(insertBody('bad-two-2'))]));
    assertRejected(outcome, 40430);
    await assertHealthy();
  });

  test('an unknown section kind (40432), a missing $db (40571), an illegal required flag bit (closed)', async () => {
    const unknownKind = Buffer.concat([Buffer.from([7]), bson(insertBody('bad-kind'))]);
    assertRejected(await send(opMsg([bodySection(insertBody('bad-kind-0')), unknownKind])), 40432);
    assertRejected(await send(opMsg([bodySection({ insert: COLL, documents: [{ _id: 'bad-nodb' }] })])), 40571);
    assertRejected(await send(opMsg([bodySection(insertBody('bad-flag'))], 1 << 5)), 'closed');
    await assertHealthy();
  });

  test('a document over 16 MB inside a message under 48 MB: BSONObjectTooLarge, nothing inserted', async () => {
    // Encoded by hand: the serializer's own buffer stops at 16 MB.
    const big = rawDocument([stringElement('_id', 'bad-big'), stringElement('blob', 'x'.repeat(17 * 1024 * 1024))]);
    assertRejected(await send(opMsg([bodySection({ insert: COLL, $db: DB }), sequenceSection('documents', [big])])), 10334);
    const command = rawDocument([
      stringElement('insert', COLL),
      Buffer.concat([Buffer.from('\x04documents\0', 'latin1'), rawDocument([Buffer.concat([Buffer.from('\x030\0', 'latin1'), big])])]),
      stringElement('$db', DB),
    ]);
    assertRejected(await send(opMsg([bodySection(command)])), 10334);
    await assertHealthy();
  });

  test('OP_COMPRESSED with an unknown compressor id', async () => {
    const inner = opMsg([bodySection(insertBody('bad-compressor'))]);
    assertRejected(await send(compressed(inner, 99)), 'either');
    await assertHealthy();
  });

  test('an OP_MSG checksum that does not match closes the connection', async () => {
    assertRejected(await send(opMsgWithChecksum([bodySection(insertBody('bad-checksum'))], true)), 'closed');
    await assertHealthy();
  });

  test('random garbage (seeded) never takes the server down', async () => {
    for (let seed = 1; seed <= 25; seed++) {
      const bytes = garbage(seed, 16 + ((seed * 97) % 600));
      // Half-close after the bytes: a garbage messageLength that asks for more must not hang the test.
      assertRejected(await send(bytes, true), 'either');
    }
    // Garbage behind a valid header: a plausible length and OP_MSG, random contents.
    for (let seed = 100; seed < 110; seed++) {
      assertRejected(await send(message(OP_MSG, garbage(seed, 64))), 'either');
    }
    await assertHealthy();
  });

  test('a bad message after good ones on the same connection: the earlier replies arrive, then the error', async () => {
    const raw = await RawSocket.open(server.port);
    try {
      raw.write(Buffer.concat([
        opMsg([bodySection({ ping: 1, $db: 'admin' })], 0, 1),
        opMsg([bodySection({ ping: 1, $db: 'admin' })], 0, 2),
        message(OP_MSG, Buffer.alloc(0), 3, 4),
      ]));
      const first = await raw.outcome();
      const second = await raw.outcome();
      assert.ok('reply' in first && first.reply.ok === 1);
      assert.ok('reply' in second && second.reply.ok === 1);
      assert.deepEqual(await raw.outcome(), { closed: true });
    } finally {
      raw.destroy();
    }
    await assertHealthy();
  });
});

describe('invalid command arguments through the driver get MongoDB codes', () => {
  let server: RunningServer;
  let client: MongoClient;

  before(async () => {
    server = await startInProcess();
    client = clientFor(server.address);
    await client.db(DB).collection(COLL).insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }] as Document[]);
  });

  after(async () => {
    await client?.close();
    await server?.close();
  });

  test('find: a filter that is not a document is TypeMismatch (14)', async () => {
    await rejectsWith(client.db(DB).command({ find: COLL, filter: 'x' }), 14, {
      codeName: 'TypeMismatch', message: "BSON field 'find.filter' is the wrong type 'string', expected type 'object'",
    });
    await rejectsWith(client.db(DB).command({ find: COLL, sort: 1 }), 14, { codeName: 'TypeMismatch' });
    await rejectsWith(client.db(DB).command({ find: COLL, filter: { $bogus: 1 } }), 2, { codeName: 'BadValue', message: /^unknown top level operator: \$bogus/ });
  });

  test('find: negative limit, skip and batchSize fail the IDL validator (51024)', async () => {
    for (const field of ['limit', 'skip', 'batchSize']) {
      await rejectsWith(client.db(DB).command({ find: COLL, [field]: -1 }), 51024, {
        codeName: 'Location51024', message: `BSON field '${field}' value must be >= 0, actual value '-1'`,
      });
    }
  });

  test('an unknown command is CommandNotFound (59)', async () => {
    await rejectsWith(client.db(DB).command({ frobnicate: 1 }), 59, { codeName: 'CommandNotFound', message: "no such command: 'frobnicate'" });
  });

  test('insert without documents (40414) or with documents that are not an array (14)', async () => {
    await rejectsWith(client.db(DB).command({ insert: COLL }), 40414, {
      codeName: 'IDLFailedToParse', message: "BSON field 'insert.documents' is missing but a required field",
    });
    await rejectsWith(client.db(DB).command({ insert: COLL, documents: 'x' }), 14, { codeName: 'TypeMismatch' });
  });

  test('an unknown stage option is IDLUnknownField (40415)', async () => {
    await rejectsWith(client.db(DB).command({ aggregate: COLL, pipeline: [{ $out: { db: DB, coll: 'x', bogus: 1 } }], cursor: {} }), 40415, {
      codeName: 'IDLUnknownField', message: "BSON field '$out.bogus' is an unknown field.",
    });
  });

  test('a field of the wrong type names the type it has (14)', async () => {
    await rejectsWith(client.db(DB).command({ distinct: COLL, key: 1 }), 14, {
      codeName: 'TypeMismatch', message: "BSON field 'distinct.key' is the wrong type 'int', expected type 'string'",
    });
    await rejectsWith(client.db(DB).command({ killCursors: COLL, cursors: 'x' }), 14, {
      codeName: 'TypeMismatch', message: "BSON field 'killCursors.cursors' is the wrong type 'string', expected type 'array'",
    });
  });

  test('getLog of an unknown log is OperationFailed (96)', async () => {
    await rejectsWith(client.db('admin').command({ getLog: 'bogus' }), 96, { codeName: 'OperationFailed', message: "No log named 'bogus'" });
  });

  test('a bad collection name is InvalidNamespace (73)', async () => {
    await rejectsWith(client.db(DB).command({ insert: 'bad$name', documents: [{ _id: 1 }] }), 73, { codeName: 'InvalidNamespace' });
    await rejectsWith(client.db(DB).command({ find: '' }), 73, { codeName: 'InvalidNamespace' });
  });

  test('getMore: unknown cursor 43, negative batchSize 51024, wrong id type 14; aggregate without cursor 9', async () => {
    await rejectsWith(client.db(DB).command({ getMore: Long.fromNumber(12345), collection: COLL }), 43, {
      codeName: 'CursorNotFound', message: 'cursor id 12345 not found',
    });
    await rejectsWith(client.db(DB).command({ getMore: Long.fromNumber(12345), collection: COLL, batchSize: -1 }), 51024, {
      message: "BSON field 'batchSize' value must be >= 0, actual value '-1'",
    });
    await rejectsWith(client.db(DB).command({ getMore: 'x', collection: COLL }), 14, { codeName: 'TypeMismatch' });
    await rejectsWith(client.db(DB).command({ aggregate: COLL, pipeline: [] }), 9, { codeName: 'FailedToParse' });
  });

  test('after all of that the data is unchanged', async () => {
    assert.deepEqual(await client.db(DB).collection(COLL).find().sort({ _id: 1 }).toArray(), [{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
  });
});
