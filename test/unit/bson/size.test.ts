import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Binary, bsonSizeExceeds, calculateObjectSize, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp,
} from '../../../src/bson/index.js';

describe('bsonSizeExceeds', () => {
  const samples: Record<string, unknown>[] = [
    {},
    { a: 1 },
    { _id: new ObjectId(), s: 'h\u00e9llo \u{1f600}', n: null, b: true, d: new Date(0), i: new Int32(7), l: Long.fromNumber(9), x: new Double(1.5) },
    { dec: Decimal128.fromString('1.5'), ts: new Timestamp({ t: 1, i: 2 }), bin: new Binary(Buffer.from('abc')), re: /a+/i, min: new MinKey(), max: new MaxKey() },
    { arr: [1, 'two', [3, [4]], { five: 5 }], nested: { a: { b: { c: 'deep' } } }, 'na\u00efve': 'key' },
    { big: 'x'.repeat(100_000), many: Array.from({ length: 5000 }, (_, n) => n) },
  ];

  test('never says more than the exact size: a lower bound', () => {
    for (const doc of samples) {
      const exact = calculateObjectSize(doc);
      assert.equal(bsonSizeExceeds(doc, exact), false, `${JSON.stringify(Object.keys(doc))} within its own size`);
    }
  });

  test('says so when a document is larger than the limit', () => {
    assert.equal(bsonSizeExceeds({ s: 'x'.repeat(1000) }, 999), true);
    assert.equal(bsonSizeExceeds({ a: Array.from({ length: 1000 }, () => null) }, 2000), true);
    assert.equal(bsonSizeExceeds({ s: 'x'.repeat(1000) }, 2000), false);
  });

  test('stops early on a document that holds one value by reference many times', () => {
    // 2^60 copies of the string once written out: only the walk's early stop makes this answer at all.
    let v: unknown = 'abc';
    for (let level = 0; level < 60; level++) v = { x: v, y: v };
    assert.equal(bsonSizeExceeds({ v }, 16 * 1024 * 1024), true);
  });
});
