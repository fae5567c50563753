import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeKey } from '../../../src/bson/index.js';

/** The string encoding spelled out: tag, UTF-8 with 0x00 escaped as 0x00 0xFF, then 0x00 0x00. */
function reference(s: string): number[] {
  const out = [0x28];
  for (const b of new TextEncoder().encode(s)) {
    out.push(b);
    if (b === 0) out.push(0xff);
  }
  out.push(0, 0);
  return out;
}

test('string keys: ASCII, NUL, non-ASCII and lone surrogates encode as their escaped UTF-8', () => {
  for (const s of ['', 'a', 'd123', 'a\0b', '\0', 'é', 'aé\0z', 'ab\u{1F600}x', 'x\uD800', '\uDC00y', 'a'.repeat(300) + 'ü']) {
    assert.deepEqual([...encodeKey(s)], reference(s), JSON.stringify(s));
  }
});
