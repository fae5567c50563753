/**
 * A change stream reading history from storage must never skip entries that an oplog trim (--oplogSizeMB) removed
 * between its "is my resume point still kept?" check and its read: it either gets every entry after its position or
 * fails with 286 ChangeStreamHistoryLost. The trim runs as its own storage transaction after the write that crossed
 * the limit, so a read queued behind it sees the oplog already cut.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MongoServerError } from '../../../src/errors/index.js';
import { Engine } from '../../../src/engine/engine.js';
import { insertDocuments } from '../../../src/engine/write_ops.js';
import { openChangeStream } from '../../../src/changestream/open_change_stream.js';
import { toTimestamp } from '../../../src/oplog/cluster_clock.js';
import { openStorage, type Storage } from '../../../src/storage/index.js';

/** Delegates to `inner`; the write numbered `gatedWrite` (0-based) waits inside its transaction for `open()`. */
function gatedStorage(inner: Storage, gatedWrite: number) {
  let writes = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let entered!: () => void;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const storage: Storage = {
    engine: inner.engine,
    persistent: inner.persistent,
    tail: inner.tail,
    read: (fn) => inner.read(fn),
    write: (fn) => {
      if (writes++ !== gatedWrite) return inner.write(fn);
      return inner.write(async (w) => {
        entered();
        await gate;
        return fn(w);
      });
    },
    checkpoint: () => inner.checkpoint(),
    close: () => inner.close(),
  };
  return { storage, inside, open: release };
}

describe('a change stream reading history while the oplog is trimmed', () => {
  test('fails with 286 instead of silently skipping the trimmed entries', async () => {
    const inner = await openStorage(':memory:');
    // History written with no limit.
    const writer = await Engine.open(inner);
    for (let i = 0; i < 20; i++) await insertDocuments(writer, 'a', 'c', [{ _id: i, pad: 'x'.repeat(200) }]);
    const bounds = (await inner.read((r) => r.oplogBounds()))!;
    const bytes = await inner.read((r) => r.oplogSizeBytes());

    // A fresh engine (as after a restart) whose hub caches nothing older, with a limit the next insert crosses.
    // Its writes: #0 the insert, #1 the trim after it (held open at the gate).
    const gated = gatedStorage(inner, 1);
    const engine = await Engine.open(gated.storage, { oplogSizeBytes: bytes + 100 });
    const cursor = await openChangeStream(engine, {
      db: 'a',
      coll: 'c',
      pipeline: [{ $changeStream: { startAtOperationTime: toTimestamp(bounds.first) } }],
    });

    const crossing = insertDocuments(engine, 'a', 'c', [{ _id: 'big', pad: 'x'.repeat(600) }]);
    await gated.inside;
    // The stream reads now: its read queues behind the trim, which is running but has not cut anything yet.
    const batch = cursor.next(1000, 0, new AbortController().signal).then(
      (b) => b.docs.map((d) => (d.documentKey as { _id: unknown })._id),
      (err: unknown) => err,
    );
    gated.open();
    await crossing;
    const result = await batch;

    const kept = (await inner.read((r) => r.oplogBounds()))!;
    assert.ok(kept.first > bounds.first, 'the trim removed the oldest entries');
    if (Array.isArray(result)) {
      assert.fail(`the stream returned ${result.length} events starting at _id ${String(result[0])}, silently skipping the trimmed ones`);
    }
    assert.ok(result instanceof MongoServerError, String(result));
    assert.equal(result.code, 286);
    assert.equal(result.codeName, 'ChangeStreamHistoryLost');
  });
});
