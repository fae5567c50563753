/**
 * Per-change-stream figures through the official driver, on a server with a tiny oplog: `$currentOp` with
 * `idleCursors: true` lists every open stream with its `changeStream` document (a stream whose history was trimmed
 * away, one that is current, one that has not read while writes happened, one whose next entry is the oldest
 * retained), the currentOp command shows a stream's waiting getMore with the same figures, and serverStatus sums
 * them up. Nothing asserts on elapsed time: lag in seconds is only asserted positive after the clock was seen to
 * move between the stream's position and the writes after it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Long, Timestamp, type Collection, type Document, type MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { clientFor, eventually, started, startInProcess, type Stream } from './harness.js';

type Doc = { _id: number; pad?: string };

/** Waits until the wall clock has moved past `ms`, so a write after it has a later wall time. */
async function clockPast(ms: number): Promise<void> {
  while (Date.now() <= ms) await new Promise((resolve) => setTimeout(resolve, 2));
}

function num(value: unknown): number {
  if (Long.isLong(value)) return value.toNumber();
  assert.equal(typeof value, 'number', `a number: ${String(value)}`);
  return value as number;
}

describe('change stream statistics through the driver', () => {
  let server: RunningServer;
  let client: MongoClient;
  let coll: Collection<Doc>;
  const streams: Stream[] = [];
  let lost: Stream;
  let current: Stream;
  let lagging: Stream;
  let atRisk: Stream;

  before(async () => {
    server = await startInProcess({ oplogSizeMB: 0.05 });
    client = clientFor(server.address, { appName: 'stats-test' });
    coll = client.db('stats').collection<Doc>('c');
    await coll.insertOne({ _id: -1 });
    // Opened before the oplog overflows: the trim passes its position.
    lost = await started(coll.watch());
    streams.push(lost);
    const pad = client.db('stats').collection<Doc>('pad');
    for (let i = 0; i < 4; i++) await pad.insertMany(Array.from({ length: 50 }, (_, j) => ({ _id: i * 50 + j, pad: 'x'.repeat(500) })));
    await server.engine.oplogTrimSettled();

    await coll.insertOne({ _id: 0 });
    const positionWall = Date.now();
    current = await started(coll.watch());
    lagging = await started(coll.watch([{ $match: { operationType: 'insert' } }]));
    streams.push(current, lagging);
    await clockPast(positionWall);
    await coll.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
    for (let i = 1; i <= 3; i++) assert.equal((await current.next()).documentKey?._id, i);

    const status = await client.db('admin').command({ serverStatus: 1 });
    const first = status.oplog.firstTime as Timestamp;
    // Its first batch returns the oldest retained entry's event and stands on it: that entry is the next it needs.
    atRisk = await started(client.watch([], { startAtOperationTime: first, batchSize: 1 }));
    streams.push(atRisk);
  });

  after(async () => {
    for (const stream of streams) await stream.close().catch(() => undefined);
    await client.close();
    await server.close();
  });

  async function idleStreams(): Promise<Document[]> {
    const entries = await client.db('admin').aggregate([{ $currentOp: { idleCursors: true } }, { $match: { type: 'idleCursor', changeStream: { $exists: true } } }]).toArray();
    return entries;
  }

  it('$currentOp lists every open stream, in the order they were opened, with its figures', async () => {
    const entries = await idleStreams();
    assert.equal(entries.length, 4);
    assert.deepEqual(entries.map((e) => e.ns), ['stats.c', 'stats.c', 'stats.c', 'admin.$cmd.aggregate']);
    assert.deepEqual(entries.map((e) => e.changeStream.scope), ['collection', 'collection', 'collection', 'cluster']);
    for (const entry of entries.slice(0, 3)) assert.deepEqual(entry.changeStream.ns, { db: 'stats', coll: 'c' });
    assert.equal(entries[3]!.changeStream.ns, undefined);
    for (const entry of entries) {
      assert.equal(entry.cursor.tailable, true);
      const cs = entry.changeStream as Document;
      assert.ok(Object.keys(cs.pipeline[0] as Document)[0] === '$changeStream');
      assert.equal(cs.appName, 'stats-test');
      assert.match(cs.client as string, /^127\.0\.0\.1:\d+$/);
      assert.ok(num(cs.connectionId) > 0);
      assert.ok(cs.openedAt instanceof Date);
      assert.ok(cs.lastActivity instanceof Date);
      assert.ok(cs.clusterTime instanceof Timestamp);
      assert.equal(typeof (cs.resumeToken as Document)._data, 'string');
      assert.equal(cs.active, false);
    }
    const [lostEntry, currentEntry, laggingEntry, atRiskEntry] = entries.map((e) => e.changeStream as Document);

    // The current stream returned three events and stands on the newest commit.
    assert.equal(num(currentEntry!.eventsReturned), 3);
    assert.equal(num(entries[1]!.cursor.nDocsReturned), 3);
    assert.ok(num(currentEntry!.bytesReturned) > 0);
    assert.equal(num(currentEntry!.lagEntries), 0);
    assert.equal(currentEntry!.lagSeconds, 0);
    assert.equal(currentEntry!.historyLost, false);
    assert.equal(currentEntry!.historyAtRisk, false);

    // The lagging stream read nothing while three inserts committed after its position.
    assert.deepEqual(laggingEntry!.pipeline, [{ $changeStream: {} }, { $match: { operationType: 'insert' } }]);
    assert.equal(num(laggingEntry!.eventsReturned), 0);
    assert.equal(num(laggingEntry!.bytesReturned), 0);
    assert.equal(num(laggingEntry!.lagEntries), 3);
    assert.ok((laggingEntry!.lagSeconds as number) > 0, `lagSeconds ${String(laggingEntry!.lagSeconds)}`);
    assert.equal(laggingEntry!.historyLost, false);
    assert.equal(laggingEntry!.historyAtRisk, false);
    assert.ok(num(laggingEntry!.historyRemainingEntries) > 0);

    // The stream opened before the oplog overflowed can no longer resume.
    assert.equal(lostEntry!.historyLost, true);
    assert.equal(lostEntry!.historyAtRisk, false);
    assert.equal(num(lostEntry!.historyRemainingSeconds), 0);
    assert.ok(num(lostEntry!.lagEntries ?? 1) > 0);

    // The stream whose next entry is the oldest retained one loses its history at the next trim.
    assert.equal(num(atRiskEntry!.eventsReturned), 1);
    assert.equal(atRiskEntry!.historyLost, false);
    assert.equal(atRiskEntry!.historyAtRisk, true);
    assert.equal(num(atRiskEntry!.historyRemainingEntries), 0);
    assert.equal(num(atRiskEntry!.historyRemainingSeconds), 0);
    assert.ok(num(atRiskEntry!.lagEntries) > num(laggingEntry!.lagEntries));
  });

  it('serverStatus sums the streams up in metrics.changeStreams', async () => {
    const status = await client.db('admin').command({ serverStatus: 1 });
    const totals = status.metrics.changeStreams as Document;
    assert.equal(num(totals.open), 4);
    assert.equal(num(totals.eventsReturned), 4);
    assert.equal(num(totals.historyLost), 1);
    assert.equal(num(totals.historyAtRisk), 1);
    assert.ok((totals.maxLagSeconds as number) > 0);
  });

  it('the currentOp command shows a waiting getMore with its stream figures', async () => {
    const waiting = current.next();
    let shown: Document | undefined;
    await eventually(async () => {
      const reply = await client.db('admin').command({ currentOp: 1, op: 'getmore', 'changeStream.active': true });
      shown = (reply.inprog as Document[])[0];
      return shown !== undefined;
    }, 'a getMore waiting on the current stream');
    assert.equal(shown!.ns, 'stats.c');
    assert.equal(num(shown!.cursor.nDocsReturned), 3);
    assert.equal(num(shown!.changeStream.eventsReturned), 3);
    assert.equal(num(shown!.changeStream.lagEntries), 0);
    assert.equal(shown!.changeStream.appName, 'stats-test');
    await coll.insertOne({ _id: 4 });
    assert.equal((await waiting).documentKey?._id, 4);
    const after = (await idleStreams()).map((e) => num(e.changeStream.eventsReturned));
    assert.deepEqual(after, [0, 4, 0, 1]);
  });
});
