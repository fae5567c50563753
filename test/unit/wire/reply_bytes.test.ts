// Replies assembled from cached event bytes must be byte for byte what the bson serializer writes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Binary, BSON, BSONRegExp, Code, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, type Document,
} from 'bson';
import { encodeReplyBytes } from '../../../src/wire/reply_bytes.js';
import { encodeReply } from '../../../src/wire/reply.js';
import { prng } from '../../helpers/random.js';

const MAX_BSON = 16 * 1024 * 1024;

function generator(seed: number) {
  const rnd = prng(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const names = ['a', 'b', '_id', 'x.y', '$weird', 'ünï', '日本', '', 'fullDocument', '10', '2', 'toString'];
  const str = (): string => pick(['', 'plain', 'ünïcödé', '日本語', 'emoji 🎉', 'x'.repeat(int(300))]);
  const scalar = (): unknown => pick([
    () => int(1000) - 500, () => rnd() * 1e6, () => new Int32(int(1e6)), () => new Double(int(100)), () => Long.fromNumber(int(1e9)),
    () => new Decimal128('12.50'), () => new Timestamp({ t: int(1e6), i: int(9) }), () => new ObjectId(), () => new Date(int(1e12)),
    () => new Binary(Buffer.from(str()), pick([0, 4, 128])), () => null, () => undefined, () => rnd() < 0.5, str,
    () => /ab+c/i, () => new BSONRegExp('x+', 'm'), () => new MinKey(), () => new MaxKey(), () => new Code('f()'), () => 2n ** 40n,
  ])();
  const value = (depth: number): unknown => {
    const r = rnd();
    if (depth < 3 && r < 0.15) return doc(depth + 1);
    if (depth < 3 && r < 0.25) return Array.from({ length: int(4) }, () => value(depth + 1));
    return scalar();
  };
  const doc = (depth = 0): Document => {
    const out: Document = {};
    for (let i = int(6); i > 0; i--) out[pick(names)] = value(depth);
    return out;
  };
  const event = (): Document => ({ _id: { _data: '82' + 'ab'.repeat(int(20)) }, operationType: 'insert', ...doc(), fullDocument: doc() });
  return { int, pick, rnd, doc, event };
}

/** A reply shaped like dispatch's: command fields, then ok, operationTime and $clusterTime, the cursor anywhere. */
function reply(g: ReturnType<typeof generator>, batch: Document[], changeStream: boolean): Document {
  const key = g.pick(['firstBatch', 'nextBatch'] as const);
  const cursor: Document = {};
  if (g.rnd() < 0.3) cursor.before = g.doc();
  cursor[key] = batch;
  if (changeStream) cursor.postBatchResumeToken = { _data: '8200000001' };
  cursor.id = Long.fromNumber(g.int(1e6));
  cursor.ns = 'db.coll';
  const extra = g.rnd() < 0.3 ? { nInserted: 3, note: g.doc() } : {};
  const ts = new Timestamp({ t: 1, i: 2 });
  const fields: Document = g.rnd() < 0.5 ? { cursor, ...extra } : { ...extra, cursor };
  return { ...fields, ok: 1, operationTime: ts, $clusterTime: { clusterTime: ts, signature: { hash: new Binary(Buffer.alloc(20)), keyId: Long.fromNumber(0) } } };
}

function joined(doc: Document): Buffer {
  const { chunks, size } = encodeReplyBytes(doc);
  const out = Buffer.concat(chunks);
  assert.equal(out.length, size);
  return out;
}

function expected(doc: Document): Buffer {
  return Buffer.from(BSON.serialize(doc, { ignoreUndefined: true }));
}

describe('reply bytes', () => {
  test('random cursor replies equal bson.serialize, shared events or not, empty batches included', () => {
    let assembled = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const g = generator(seed);
      const pool = Array.from({ length: 30 }, () => g.event());
      for (let n = 0; n < 200; n++) {
        const size = g.pick([0, 0, 1, 1, 2, 3, 11, 25, 120]);
        const batch = Array.from({ length: size }, () => (g.rnd() < 0.8 ? g.pick(pool) : g.event()));
        const doc = reply(g, batch, g.rnd() < 0.8);
        const { chunks, size: total } = encodeReplyBytes(doc);
        const bytes = Buffer.concat(chunks);
        assert.equal(bytes.length, total);
        assert.deepEqual(bytes, expected(doc), `seed ${seed} reply ${n}`);
        if (chunks.length > 1) assembled++;
      }
    }
    assert.ok(assembled > 200, `only ${assembled} replies were assembled from kept bytes`);
  });

  test('replies that are not change-stream batches, or hold a non-document, are serialized whole and still equal', () => {
    const g = generator(9);
    const shapes: Document[] = [
      { ok: 1 },
      { cursor: { firstBatch: [g.doc(), g.doc()], id: Long.fromNumber(0), ns: 'db.c' }, ok: 1 },
      { cursor: { nextBatch: [g.event(), 5, null], postBatchResumeToken: { _data: '82' }, id: Long.fromNumber(1), ns: 'db.c' }, ok: 1 },
      { cursor: { nextBatch: [g.event(), [1, 2]], postBatchResumeToken: { _data: '82' }, id: Long.fromNumber(1), ns: 'db.c' }, ok: 1 },
      { cursor: { nextBatch: [g.event(), new Map([['a', 1]])], postBatchResumeToken: { _data: '82' }, id: Long.fromNumber(1), ns: 'db.c' }, ok: 1 },
      // eslint-disable-next-line no-sparse-arrays
      { cursor: { nextBatch: [g.event(), , g.event()], postBatchResumeToken: { _data: '82' }, id: Long.fromNumber(1), ns: 'db.c' }, ok: 1 },
      { cursor: { nextBatch: [], postBatchResumeToken: { _data: '82' }, id: Long.fromNumber(1), ns: 'db.c' }, ok: 1 },
      { cursor: 'not a document', ok: 1 },
    ];
    for (const doc of shapes) {
      const { chunks } = encodeReplyBytes(doc);
      assert.deepEqual(Buffer.concat(chunks), expected(doc));
    }
    assert.equal(encodeReplyBytes(shapes[1]!).chunks.length, 1, 'a find batch is serialized in one piece');
  });

  test('an event sent in many replies is encoded at most twice: the later replies share its bytes', () => {
    const g = generator(11);
    const [event, other] = [g.event(), g.event()];
    const eventBytes = expected(event);
    for (const doc of [reply(g, [event, other], true), reply(g, [other, event], true)]) {
      assert.equal(encodeReplyBytes(doc).chunks.length, 1, 'the first two replies are serialized whole');
    }
    const third = reply(g, [event], true);
    const fourth = reply(g, [other, event], true);
    const inThird = encodeReplyBytes(third).chunks.filter((c) => eventBytes.equals(c));
    const inFourth = encodeReplyBytes(fourth).chunks.filter((c) => eventBytes.equals(c));
    assert.equal(inThird.length, 1);
    assert.equal(inFourth[0], inThird[0], 'the same bytes, not a new encoding');
    assert.deepEqual(joined(third), expected(third));
    assert.deepEqual(joined(fourth), expected(fourth));
    const fresh = reply(g, [event, g.event()], true);
    assert.equal(encodeReplyBytes(fresh).chunks.length, 1, 'a batch with an event not kept yet is serialized whole');
    assert.deepEqual(joined(fresh), expected(fresh));
  });

  test('a value the serializer refuses inside an event becomes the same error as before', () => {
    const bad = { _id: { _data: '82' }, weird: { _bsontype: 'Nope' } };
    const doc = { cursor: { nextBatch: [bad], postBatchResumeToken: { _data: '82' }, id: Long.fromNumber(1), ns: 'db.c' }, ok: 1 };
    assert.throws(() => BSON.serialize(doc));
    const { chunks } = encodeReply(doc, MAX_BSON);
    const answer = BSON.deserialize(Buffer.concat(chunks));
    assert.equal(answer.codeName, 'InternalError');
    assert.match(answer.errmsg, /^cannot encode reply: /);
  });

  test('events over 16 MiB: encoded exactly, and a reply over the limit is BSONObjectTooLarge as before', () => {
    const huge = { _id: { _data: '82' }, operationType: 'insert', fullDocument: { s: 'x'.repeat(17 * 1024 * 1024 + 10) } };
    const doc = { cursor: { nextBatch: [huge], postBatchResumeToken: { _data: '82' }, id: Long.fromNumber(1), ns: 'db.c' }, ok: 1 };
    const bytes = encodeReplyBytes(doc);
    encodeReplyBytes({ ...doc, cursor: { ...doc.cursor } });
    const again = encodeReplyBytes({ ...doc, cursor: { ...doc.cursor } });
    assert.ok(again.chunks.length > 1, 'the third reply is assembled from the kept bytes');
    // bson.serialize itself needs a scratch buffer as large as the document.
    BSON.setInternalBufferSize(20 * 1024 * 1024);
    try {
      for (const b of [bytes, again]) {
        const whole = Buffer.concat(b.chunks);
        assert.equal(whole.readInt32LE(0), b.size);
        assert.ok(whole.equals(expected(doc)));
      }
    } finally {
      BSON.setInternalBufferSize(17 * 1024 * 1024);
    }

    const refused = BSON.deserialize(Buffer.concat(encodeReply(doc, MAX_BSON).chunks));
    assert.equal(refused.code, 10334);
    assert.match(refused.errmsg, /^BSONObj size: \d+ \(0x[0-9A-F]+\) is invalid/);
    assert.equal(Number(/BSONObj size: (\d+)/.exec(refused.errmsg)![1]), bytes.size);
  });
});
