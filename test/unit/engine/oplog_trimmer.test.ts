/**
 * Background oplog trimming: writes never wait for it, it works in small transactions, it honours the minimum
 * retention window, and close() stops it cleanly.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../../src/engine/engine.js';
import { insertDocuments } from '../../../src/engine/write_ops.js';
import { encodeEntry } from '../../../src/oplog/entry.js';
import { openStorage, type Storage } from '../../../src/storage/index.js';

/**
 * Delegates to `inner`, logging each committed transaction as 'write' (it appended oplog entries) or 'trim' (it
 * truncated the oplog); while `hold()` is on, a trim waits inside its transaction, at its truncate, for `release()`.
 */
function gatedStorage(inner: Storage) {
  let held: Promise<void> | null = null;
  let entered: (() => void) | null = null;
  const counts = { writes: 0 };
  const commits: string[] = [];
  const storage: Storage = {
    engine: inner.engine,
    persistent: inner.persistent,
    tail: inner.tail,
    read: (fn) => inner.read(fn),
    write: (fn) => {
      counts.writes++;
      let kind = 'other';
      return inner.write(async (w) => {
        const tagged = new Proxy(w, {
          get(target, prop) {
            if (prop === 'appendChanges') kind = 'write';
            if (prop === 'truncateOplogBefore') {
              kind = 'trim';
              return async (args: { ts: bigint }) => {
                if (held) {
                  entered?.();
                  await held;
                }
                return target.truncateOplogBefore(args);
              };
            }
            const value = Reflect.get(target, prop, target) as unknown;
            return typeof value === 'function' ? value.bind(target) : value;
          },
        });
        return fn(tagged);
      }).then((result) => {
        // Once committed: a write's reply and a trim batch's next step both wait for this.
        commits.push(kind);
        return result;
      });
    },
    checkpoint: () => inner.checkpoint(),
    close: () => inner.close(),
  };
  return {
    storage,
    counts,
    commits,
    /** Holds the next transactions; `inside` resolves once one of them waits in its transaction. */
    hold(): { inside: Promise<void>; release: () => void } {
      let release!: () => void;
      held = new Promise<void>((resolve) => (release = resolve));
      const inside = new Promise<void>((resolve) => (entered = resolve));
      return {
        inside,
        release: () => {
          held = null;
          release();
        },
      };
    },
  };
}

const pad = 'x'.repeat(1000);

async function oplogState(storage: Storage) {
  return storage.read(async (r) => ({ bytes: await r.oplogSizeBytes(), bounds: await r.oplogBounds(), rows: (await r.readOplog({ after: -1n, limit: 100_000 })).length }));
}

describe('background oplog trimming', () => {
  test('a write returns before its trim runs; the trim brings the oplog under the limit in small batches', async () => {
    const inner = await openStorage(':memory:');
    const gated = gatedStorage(inner);
    const limit = 20_000;
    const engine = await Engine.open(gated.storage, { oplogSizeBytes: limit, oplogTrimBatchEntries: 4 });
    try {
      for (let i = 0; i < 15; i++) await insertDocuments(engine, 'a', 'c', [{ _id: i, pad }]);
      await engine.oplogTrimSettled();
      const before = gated.counts.writes;

      // The next write crosses the limit by far. It replies before any trim has started.
      const big = Array.from({ length: 30 }, (_, i) => ({ _id: 100 + i, pad }));
      const gate = gated.hold();
      const result = await insertDocuments(engine, 'a', 'c', big);
      assert.equal(result.n, 30);
      await gate.inside; // a trim batch now waits inside its transaction
      assert.deepEqual(gated.commits.slice(-1), ['write'], 'the write replied before any trim committed');
      gate.release();
      // A write issued during the trim commits between its batches, not after all of them.
      await insertDocuments(engine, 'a', 'c', [{ _id: 'later', pad }]);
      await engine.oplogTrimSettled();
      const laterAt = gated.commits.lastIndexOf('write');
      assert.ok(gated.commits.slice(0, laterAt).includes('trim'), gated.commits.join());
      assert.ok(gated.commits.slice(laterAt).includes('trim'), `trims continue after the later write: ${gated.commits.join()}`);

      const after = await oplogState(inner);
      assert.ok(after.bytes <= limit, `oplog ${after.bytes} bytes, limit ${limit}`);
      assert.ok(after.bytes <= Math.floor(limit * 0.9), 'trimmed down to 90% of the limit');
      // 4 entries per transaction: removing the ~30 excess entries took several transactions.
      const trims = gated.counts.writes - before - 2;
      assert.ok(trims >= 5, `${trims} trim transactions`);

      assert.ok(engine.oplogTruncatedThrough > 0n);
      assert.ok(after.bounds!.first > engine.oplogTruncatedThrough);
    } finally {
      await engine.close();
    }
  });

  test('close() waits for a running trim batch and stops the rest', async () => {
    const inner = await openStorage(':memory:');
    const gated = gatedStorage(inner);
    const engine = await Engine.open(gated.storage, { oplogSizeBytes: 5_000, oplogTrimBatchEntries: 1 });
    const gate = gated.hold();
    await insertDocuments(engine, 'a', 'c', Array.from({ length: 20 }, (_, i) => ({ _id: i, pad })));
    await gate.inside; // the first trim batch waits in its transaction
    let closed = false;
    const closing = engine.close().then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(closed, false, 'close waits for the running batch');
    const writesAtClose = gated.counts.writes;
    gate.release();
    await closing;
    // The running batch committed; no further batch started after close.
    assert.equal(gated.counts.writes, writesAtClose);
    await assert.rejects(inner.read((r) => r.oplogSizeBytes()));
  });

  test('entries inside the minimum retention window survive a tiny size limit; older ones are trimmed', async () => {
    const storage = await openStorage(':memory:');
    const now = Date.now();
    const threeHoursAgo = BigInt(Math.floor((now - 3 * 3_600_000) / 1000)) << 32n;
    // Five entries written three hours ago (as if by an earlier run).
    const old = Array.from({ length: 5 }, (_, i) => {
      const ts = threeHoursAgo + BigInt(i + 1);
      return { ts, entry: encodeEntry({ ts, op: 'insert', wall: new Date(now - 3 * 3_600_000), db: 'a', coll: 'old', documentKey: { _id: i }, fullDocument: { _id: i, pad } }) };
    });
    await storage.write((w) => w.appendOplog({ entries: old }));

    const engine = await Engine.open(storage, { oplogSizeBytes: 10, oplogMinRetentionHours: 1 });
    try {
      for (let i = 0; i < 5; i++) await insertDocuments(engine, 'a', 'c', [{ _id: i, pad }]);
      await engine.oplogTrimSettled();
      const rows = await storage.read((r) => r.readOplog({ after: -1n, limit: 1000 }));
      // The old entries are gone, every recent one (the implicit create and five inserts) is kept.
      assert.equal(rows.length, 6);
      assert.ok(rows.every((row) => row.ts > old[4]!.ts));
      assert.equal(engine.oplogTruncatedThrough, old[4]!.ts);
      assert.ok((await storage.read((r) => r.oplogSizeBytes())) > 10, 'over the size limit, held by the window');

      // Once the window has passed them (the clock moved two hours on), they go too.
      const later = await Engine.open(storage, { oplogSizeBytes: 10, oplogMinRetentionHours: 1, now: () => now + 2 * 3_600_000 });
      await insertDocuments(later, 'a', 'c', [{ _id: 'x' }]);
      await later.oplogTrimSettled();
      const left = await storage.read((r) => r.readOplog({ after: -1n, limit: 1000 }));
      assert.ok(left.length <= 1, `${left.length} entries left`);
    } finally {
      await engine.close();
    }
  });

  test('with no minimum retention the same tiny limit removes old and new entries alike', async () => {
    const storage = await openStorage(':memory:');
    const engine = await Engine.open(storage, { oplogSizeBytes: 10 });
    try {
      for (let i = 0; i < 5; i++) await insertDocuments(engine, 'a', 'c', [{ _id: i, pad }]);
      await engine.oplogTrimSettled();
      assert.equal((await oplogState(storage)).rows, 0);
    } finally {
      await engine.close();
    }
  });
});
