import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageFramer } from '../../../src/wire/message_framer.js';
import { opMsg } from './wire_test_client.js';

const messages = [opMsg(1, { ping: 1, $db: 'a' }), opMsg(2, { hello: 1, $db: 'admin', pad: 'x'.repeat(300) }), opMsg(3, { x: 1, $db: 'b' })];
const stream = Buffer.concat(messages);

test('framer: all messages in one chunk', () => {
  const f = new MessageFramer(1e6);
  const { messages: out, fatal } = f.push(stream);
  assert.equal(fatal, undefined);
  assert.deepEqual(out, messages);
  assert.equal(f.pendingBytes, 0);
});

test('framer: one byte at a time', () => {
  const f = new MessageFramer(1e6);
  const out: Buffer[] = [];
  for (let i = 0; i < stream.length; i++) out.push(...f.push(stream.subarray(i, i + 1)).messages);
  assert.deepEqual(out, messages);
});

test('framer: every split point of two chunks', () => {
  for (let cut = 0; cut <= stream.length; cut++) {
    const f = new MessageFramer(1e6);
    const out = [...f.push(stream.subarray(0, cut)).messages, ...f.push(stream.subarray(cut)).messages];
    assert.deepEqual(out, messages, `cut at ${cut}`);
  }
});

test('framer: a bad length fails the stream but keeps the messages before it', () => {
  const bad = Buffer.alloc(16);
  bad.writeInt32LE(15, 0);
  const f = new MessageFramer(1e6);
  const r = f.push(Buffer.concat([messages[0]!, bad, messages[1]!]));
  assert.deepEqual(r.messages, [messages[0]]);
  assert.match(r.fatal?.message ?? '', /msgLen 15 is invalid/);
  assert.deepEqual(f.push(messages[2]!).messages, []);
});

test('framer: a length above the maximum fails at once, before the body arrives', () => {
  const f = new MessageFramer(1000);
  const head = Buffer.alloc(4);
  head.writeInt32LE(1001, 0);
  assert.match(f.push(head).fatal?.message ?? '', /msgLen 1001 is invalid. Min 16 Max: 1000/);
});
