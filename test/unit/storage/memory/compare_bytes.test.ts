// compareBytes orders byte strings exactly as Buffer.compare (memcmp, then length) does, on both sides of its
// short-key cut-over, with shared prefixes, prefixes of each other, empty strings and every byte value.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { compareBytes } from '../../../../src/storage/memory/compare_bytes.js';
import { prng } from '../../../helpers/random.js';

it('compareBytes has the sign of Buffer.compare', () => {
  const rand = prng(42);
  const int = (n: number) => Math.floor(rand() * n);
  const prefix = Buffer.from(Array.from({ length: 120 }, () => int(256)));
  const make = () => {
    const shared = prefix.subarray(0, [0, 1, 5, 47, 48, 49, 100][int(7)]!);
    // Few distinct byte values in the tail, so that equal strings and strings one the prefix of the other are common.
    const tail = Buffer.from(Array.from({ length: int(4) }, () => [0, 1, 127, 128, 255][int(5)]!));
    return Buffer.concat([shared, tail]);
  };
  let equal = 0;
  for (let i = 0; i < 20000; i++) {
    const a = make();
    const b = rand() < 0.1 ? Buffer.from(a) : make();
    const expected = Buffer.compare(a, b);
    assert.equal(Math.sign(compareBytes(a, b)), expected, `${a.toString('hex')} vs ${b.toString('hex')}`);
    assert.equal(Math.sign(compareBytes(new Uint8Array(a), new Uint8Array(b))), expected);
    if (expected === 0) equal++;
  }
  assert.ok(equal > 100);
  assert.equal(compareBytes(Buffer.alloc(0), Buffer.alloc(0)), 0);
  assert.ok(compareBytes(Buffer.alloc(0), Buffer.from([0])) < 0);
});
