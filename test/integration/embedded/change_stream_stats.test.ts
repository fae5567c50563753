/**
 * `client.changeStreamStats()`: the open change streams of an embedded client, in the order they were opened, with
 * the figures `$currentOp` shows (a stream whose history was trimmed away, one that is current, one that has not
 * read while writes happened, one whose next entry is the oldest retained), on every storage mode with a tiny
 * oplog. Nothing asserts on elapsed time: lag in seconds is only asserted positive after the clock was seen to move
 * between the stream's position and the writes after it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Timestamp, type Client, type Document } from '../../../src/index.js';
import { modes, openClient } from '../../helpers/embedded.js';

/** Waits until the wall clock has moved past `ms`, so a write after it has a later wall time. */
async function clockPast(ms: number): Promise<void> {
  while (Date.now() <= ms) await new Promise((resolve) => setTimeout(resolve, 2));
}

/** Waits until `count` streams are open (a stream's aggregate runs as soon as watch() returns, not within it). */
async function streamsOpen(client: Client, count: number): Promise<void> {
  for (let tries = 0; tries < 5000; tries++) {
    if ((await client.changeStreamStats()).length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  assert.fail(`${count} streams never opened`);
}

for (const mode of modes()) {
  describe(`change stream statistics (${mode})`, () => {
    it('lists every open stream with what it returned, its lag and the history left before it', async () => {
      const { client, cleanup } = await openClient(mode, { oplogSizeMB: 0.05 });
      try {
        const coll = client.db('stats').collection('c');
        await coll.insertOne({ _id: -1 });
        const lost = coll.watch();
        await streamsOpen(client, 1);
        const pad = client.db('stats').collection('pad');
        for (let i = 0; i < 4; i++) await pad.insertMany(Array.from({ length: 50 }, (_, j) => ({ _id: i * 50 + j, pad: 'x'.repeat(500) })));
        await client.serverContext.engine.oplogTrimSettled();

        await coll.insertOne({ _id: 0 });
        const positionWall = Date.now();
        const current = coll.watch();
        const lagging = coll.watch([{ $match: { operationType: 'insert' } }]);
        await streamsOpen(client, 3);
        await clockPast(positionWall);
        await coll.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
        for (let i = 1; i <= 3; i++) assert.equal(((await current.next()).documentKey as Document)._id, i);
        const status = await client.db('admin').command({ serverStatus: 1 });
        const atRisk = client.watch([], { startAtOperationTime: (status.oplog as Document).firstTime as Timestamp, batchSize: 1 });
        await streamsOpen(client, 4);

        const stats = await client.changeStreamStats();
        const c = { db: 'stats', coll: 'c' };
        assert.deepEqual(stats.map((s) => s.ns), [c, c, c, undefined]);
        assert.deepEqual(stats.map((s) => s.scope), ['collection', 'collection', 'collection', 'cluster']);
        assert.deepEqual(stats.map((s) => s.eventsReturned), [0, 3, 0, 1]);
        assert.deepEqual(stats.map((s) => s.historyLost), [true, false, false, false]);
        assert.deepEqual(stats.map((s) => s.historyAtRisk), [false, false, false, true]);
        for (const s of stats) {
          assert.notEqual(s.cursorId, undefined);
          // In process there is no connection to name.
          assert.equal(s.connectionId, undefined);
          assert.equal(s.client, undefined);
          assert.ok(s.openedAt instanceof Date);
          assert.ok(s.lastActivity instanceof Date);
          assert.ok(s.clusterTime instanceof Timestamp);
          assert.equal(s.active, false);
        }
        const [, currentStats, laggingStats, atRiskStats] = stats as [Document, Document, Document, Document];
        assert.equal(currentStats.lagEntries, 0);
        assert.equal(currentStats.lagSeconds, 0);
        assert.ok(currentStats.bytesReturned > 0);
        assert.deepEqual(laggingStats.pipeline.slice(1), [{ $match: { operationType: 'insert' } }]);
        assert.equal(laggingStats.lagEntries, 3);
        assert.ok(laggingStats.lagSeconds > 0, `lagSeconds ${String(laggingStats.lagSeconds)}`);
        assert.ok(laggingStats.historyRemainingEntries > 0);
        assert.equal(atRiskStats.historyRemainingEntries, 0);
        assert.ok(atRiskStats.lagEntries > laggingStats.lagEntries);

        const totals = ((await client.db('admin').command({ serverStatus: 1 })).metrics as Document).changeStreams as Document;
        assert.deepEqual({ ...totals, maxLagSeconds: totals.maxLagSeconds > 0 }, { open: 4, eventsReturned: 4, maxLagSeconds: true, historyLost: 1, historyAtRisk: 1 });

        await lagging.close();
        await lost.close();
        assert.deepEqual((await client.changeStreamStats()).map((s) => s.eventsReturned), [3, 1]);
        await current.close();
        await atRisk.close();
        assert.deepEqual(await client.changeStreamStats(), []);
      } finally {
        await cleanup();
      }
    });
  });
}
