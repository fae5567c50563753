import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calculateObjectSize, deserialize } from 'bson';
import { serializeAnySize } from '../../../src/bson/index.js';

test('serializeAnySize encodes documents just past and far past the 17 MiB scratch buffer whole', () => {
  // The bson package cuts a document whose last field ends just past its buffer short without an error.
  for (const extra of [-21, 0, 10, 100, 1000, 4 * 1024 * 1024]) {
    for (const doc of [{ _id: 1, big: 'x'.repeat(17 * 1024 * 1024 + extra) }, { big: 'x'.repeat(17 * 1024 * 1024 + extra), _id: 1 }]) {
      const bytes = serializeAnySize(doc);
      assert.equal(bytes.byteLength, calculateObjectSize(doc), `size ${extra}`);
      const back = deserialize(bytes) as typeof doc;
      assert.equal(back.big.length, doc.big.length);
      assert.equal(back._id, 1);
    }
  }
});
