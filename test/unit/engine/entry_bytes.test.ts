import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Binary, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, deserialize, serialize } from 'bson';
import { encodeEntry, type OplogEntry } from '../../../src/oplog/entry.js';
import { EntryEncoder } from '../../../src/engine/entry_bytes.js';
import { attachRawDocuments, firstField, rawDocumentsOf } from '../../../src/bson/index.js';

const decode = (bytes: Uint8Array) => deserialize(bytes, { promoteValues: false, promoteBuffers: false });

function insertEntry(doc: Record<string, unknown>, extra: Record<string, unknown> = {}): { entry: OplogEntry; bytes: Uint8Array } {
  const bytes = serialize(doc);
  const fullDocument = decode(bytes);
  const entry = {
    ts: 77n, wall: new Date(1_700_000_000_123), op: 'insert', db: 'dé', coll: 'c.x', uuid: '0123456789abcdef0123456789abcdef',
    documentKey: { _id: fullDocument._id }, ...extra, fullDocument,
  } as OplogEntry;
  return { entry, bytes };
}

const encoder = new EntryEncoder();

const ids: unknown[] = [
  1, -0.5, 2 ** 40, 'abc', 'ünï', new ObjectId(), new Long(5), new Decimal128('1.5'), new Binary(Buffer.from('xy'), 4),
  new Binary(Buffer.from('old'), 2), new Date(-5), new Timestamp({ t: 3, i: 4 }), true, null, new MinKey(), new MaxKey(),
  { a: 1, b: [1, { c: 'd' }] }, new Int32(7), new Double(3),
];

test('an insert entry assembled from its document bytes equals encodeEntry, for _id of every type', () => {
  for (const id of ids) {
    const { entry, bytes } = insertEntry({ _id: id, name: 'n', n: 1.5, tags: ['a', { x: null }], at: new Date(0) });
    assert.deepEqual(Buffer.from(encoder.encodeWithDocument(entry, bytes)), Buffer.from(encodeEntry(entry)), String(id));
  }
});

test('wall times before 1970 and far ahead encode as encodeEntry', () => {
  for (const wall of [new Date(-1_234_567_891), new Date(0), new Date(8.64e15), new Date(-8.64e15)]) {
    const { entry, bytes } = insertEntry({ _id: 1, a: 'b' });
    entry.wall = wall;
    assert.deepEqual(Buffer.from(encoder.encodeWithDocument(entry, bytes)), Buffer.from(encodeEntry(entry)), String(wall.getTime()));
  }
});

test('entries of other shapes still encode as encodeEntry', () => {
  const { entry, bytes } = insertEntry({ _id: 1, a: 1 }, { images: true });
  assert.deepEqual(Buffer.from(encoder.encodeWithDocument(entry, bytes)), Buffer.from(encodeEntry(entry)));
  const other = { ts: 1n, wall: new Date(0), op: 'replace', db: 'd', coll: 'c', fullDocument: decode(serialize({ _id: 2 })), documentKey: { _id: 2 } } as OplogEntry;
  assert.deepEqual(Buffer.from(encoder.encodeWithDocument(other, serialize(other.fullDocument!))), Buffer.from(encodeEntry(other)));
  const tail = { ts: 1n, wall: new Date(0), op: 'replace', db: 'd', coll: 'c', documentKey: { _id: 2 }, fullDocument: decode(serialize({ _id: 2, v: 'x' })) } as OplogEntry;
  assert.deepEqual(Buffer.from(encoder.encodeWithDocument(tail, serialize(tail.fullDocument!))), Buffer.from(encodeEntry(tail)));
});

test('two encoders, as two engines hold, interleaved across collections each give encodeEntry bytes', () => {
  const a = new EntryEncoder();
  const b = new EntryEncoder();
  for (let i = 0; i < 6; i++) {
    const { entry, bytes } = insertEntry({ _id: i, v: 'x' }, {});
    entry.coll = `c${i % 3}`;
    entry.uuid = `${i % 3}`.repeat(32);
    const expected = Buffer.from(encodeEntry(entry));
    assert.deepEqual(Buffer.from((i % 2 === 0 ? a : b).encodeWithDocument(entry, bytes)), expected, `entry ${i}`);
    assert.deepEqual(Buffer.from((i % 2 === 0 ? b : a).encodeWithDocument(entry, bytes)), expected, `entry ${i}, other encoder`);
  }
});

test('firstField finds only a leading field of that name', () => {
  const bytes = serialize({ _id: 'k', a: 1 });
  assert.deepEqual(Buffer.from(firstField(bytes, '_id')!), Buffer.from(serialize({ _id: 'k' }).subarray(4, -1)));
  assert.equal(firstField(serialize({ a: 1, _id: 2 }), '_id'), null);
  assert.equal(firstField(serialize({ _idx: 1 }), '_id'), null);
  assert.equal(firstField(serialize({}), '_id'), null);
});

test('raw documents ride on their array, unseen by serialization', () => {
  const docs = [{ a: 1 }];
  const raws = [serialize({ a: 1 })];
  attachRawDocuments(docs, raws);
  assert.equal(rawDocumentsOf(docs), raws);
  assert.deepEqual(Object.keys(docs), ['0']);
  assert.deepEqual(serialize({ docs }), serialize({ docs: [{ a: 1 }] }));
  assert.equal(rawDocumentsOf([{ a: 1 }]), undefined);
  docs.push({ a: 2 });
  assert.equal(rawDocumentsOf(docs), undefined, 'a changed array no longer vouches for its bytes');
});
