import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Binary, Long, ObjectId, Timestamp, deserialize, serialize } from 'bson';
import { toInternal } from '../../../src/client/codec.js';
import { rawDocumentsOf } from '../../../src/bson/index.js';

const roundTrip = (doc: Record<string, unknown>) => deserialize(serialize(doc, { ignoreUndefined: true }), { promoteValues: false, promoteBuffers: false });

test('commands the client sends arrive as a BSON round trip would deliver them', () => {
  const commands: Record<string, unknown>[] = [
    { getMore: Long.fromNumber(12345), collection: 'c', maxTimeMS: 1000, batchSize: 2, $db: 'test' },
    { ping: 1, $db: 'admin' },
    { count: 'c', skip: -0, limit: 2 ** 31, ratio: 1.5, big: 2 ** 53, neg: -2147483648, nan: NaN, $db: 'd', gone: undefined, none: null, flag: false },
    { getMore: Long.fromBits(1, 2, true), collection: 'c', $db: 'x' },
    { find: 'c', filter: { a: 1 }, $db: 'd' },
    { aggregate: 'c', pipeline: [{ $match: { t: new Timestamp({ t: 1, i: 2 }) } }], cursor: {}, $db: 'd' },
    { x: new Timestamp({ t: 1, i: 2 }), $db: 'd' },
    { weird: 'a\uD800b', $db: 'd' },
    { insert: 'c', documents: [{ _id: 1, a: 2.5, b: [1, { c: 'd' }], when: new Date(5), bin: new Binary(Buffer.from('x')) }, { a: 1 }], ordered: false, $db: 'd' },
    { insert: 'c', documents: [{ _id: new ObjectId(), u: undefined }], comment: { documents: [{ a: 1 }] }, maxTimeMS: 5, $db: 'd' },
    { insert: 'c', documents: [1, { a: 1 }], $db: 'd' },
  ];
  for (const cmd of commands) {
    assert.deepStrictEqual(toInternal(cmd), roundTrip(cmd), JSON.stringify(Object.keys(cmd)));
  }
});

test('an insert carries the exact bytes of each document it decoded', () => {
  const docs = [{ _id: 1, a: 'x' }, { _id: 2, b: [1, 2] }];
  const internal = toInternal({ insert: 'c', documents: docs, $db: 'd' });
  const raws = rawDocumentsOf(internal.documents as unknown[]);
  assert.ok(raws);
  assert.deepStrictEqual(raws.map((b) => Buffer.from(b)), docs.map((d) => Buffer.from(serialize(d))));
  docs[0]!.a = 'changed';
  assert.equal((internal.documents as { a: string }[])[0]!.a, 'x', 'the engine gets its own copy');
});
