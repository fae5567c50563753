import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c } from '../../../src/wire/crc32c.js';

test('crc32c: check value of "123456789"', () => {
  assert.equal(crc32c(Buffer.from('123456789', 'ascii')), 0xe3069283);
});

test('crc32c: RFC 3720 (iSCSI) vectors', () => {
  assert.equal(crc32c(Buffer.alloc(0)), 0);
  assert.equal(crc32c(Buffer.alloc(32, 0x00)), 0x8a9136aa);
  assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i))), 0x46dd794e);
  assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i))), 0x113fdb5c);
});

test('crc32c: start/end select a sub-range', () => {
  const buf = Buffer.from('xx123456789yy', 'ascii');
  assert.equal(crc32c(buf, 2, 11), 0xe3069283);
});
