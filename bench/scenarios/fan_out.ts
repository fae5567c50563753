/**
 * Scenario 3: many streams, each watching its own document through a `documentKey._id` $match, under a paced
 * writer updating random documents. Each write must reach exactly the one stream watching its document.
 * Over the wire the streams spread over several MongoClients so each waiting getMore has its own connection.
 */
import { LatencySamples } from '../stats.js';
import { isWire } from '../subjects/names.js';
import { openMongo } from '../subjects/open.js';
import type { ChangeStreamLike, CollectionLike, Doc } from '../subjects/types.js';
import { consumeEvents } from '../util/consume.js';
import { pacedWrites } from '../util/pace.js';
import { seededRandom } from '../util/random.js';
import { watchEventLoop } from '../util/stall.js';
import { waitUntil, within } from '../util/time.js';
import type { Scenario } from './types.js';

/** Streams per MongoClient over the wire; its pool holds a few more connections than that. */
const STREAMS_PER_CLIENT = 50;
/**
 * Writes the paced writer may have outstanding at once. In-process a second outstanding write adds no throughput
 * (one thread), only queueing; over the wire a few overlap round trips so one round trip does not cap the rate.
 */
const WRITES_IN_FLIGHT = { embedded: 1, wire: 8 } as const;

export const fanOut: Scenario = {
  name: 'fan_out',
  title: '3. Fan-out: one stream per document under a paced writer',
  subjects: ['eddydb-memory', 'eddydb-file', 'eddydb-wire', 'eddydb-pg', 'eddydb-pg-wire', 'eddydb-pg-2wire'],
  headline: 'achievedWritesPerSec',
  fullRunRounds: 3,
  async run(subject, quick) {
    const wire = isWire(subject);
    const streamCount = wire ? (quick ? 200 : 1_000) : quick ? 2_000 : 10_000;
    const rate = wire ? 1_000 : 5_000;
    const durationMs = quick ? 3_000 : 10_000;
    const inFlight = wire ? WRITES_IN_FLIGHT.wire : WRITES_IN_FLIGHT.embedded;
    const db = await openMongo(subject);
    const streams: ChangeStreamLike[] = [];
    try {
      const coll = db.collection('fan_out');
      for (let i = 0; i < streamCount; i += 1_000) {
        const docs: Doc[] = [];
        for (let j = i; j < Math.min(streamCount, i + 1_000); j++) docs.push({ _id: j, n: 0 });
        await coll.insertMany(docs);
      }

      const collections: CollectionLike[] = [];
      if (wire) {
        for (let c = 0; c < Math.ceil(streamCount / STREAMS_PER_CLIENT); c++) {
          collections.push((await db.connect(STREAMS_PER_CLIENT + 5)).collection('fan_out'));
        }
      } else {
        collections.push(coll);
      }
      const openStart = performance.now();
      for (let i = 0; i < streamCount; i++) {
        const on = collections[Math.floor(i / STREAMS_PER_CLIENT) % collections.length]!;
        streams.push(on.watch([{ $match: { 'documentKey._id': i } }]));
      }
      // Every stream opened and through one wait round before the first write.
      await Promise.all(streams.map((s) => s.tryNext()));
      const openMs = performance.now() - openStart;

      const sentAt = new Float64Array(Math.ceil((rate * durationMs) / 1000) + 1_000);
      const latency = new LatencySamples();
      let misrouted = 0;
      let failed = 0;
      let closing = false;
      streams.forEach((stream, i) => {
        consumeEvents(stream, (event, now) => {
          if ((event.documentKey as Doc)._id !== i) misrouted++;
          const w = ((event.updateDescription as Doc).updatedFields as Doc).w as number;
          latency.add(now - sentAt[w]!);
        }, () => {
          if (!closing) failed++;
        });
      });

      const writer = wire ? (await db.connect(inFlight)).collection('fan_out') : coll;
      const pick = seededRandom();
      const loop = watchEventLoop();
      const run = await pacedWrites(rate, durationMs, inFlight, async (k) => {
        const target = pick(streamCount);
        sentAt[k] = performance.now();
        await writer.updateOne({ _id: target }, { $inc: { n: 1 }, $set: { w: k } });
      });
      const drained = await waitUntil(() => latency.count >= run.writes, quick ? 10_000 : 30_000);
      const maxEventLoopStallMs = loop.stop();
      const lat = latency.summary(run.writes);
      closing = true;
      return {
        work: {
          streams: streamCount, targetWritesPerSec: rate, durationMs, writes: run.writes,
          clients: collections.length, streamsPerClient: wire ? STREAMS_PER_CLIENT : streamCount, writesInFlightAtMost: inFlight,
        },
        metrics: {
          achievedWritesPerSec: run.achievedPerSec,
          eventsDelivered: lat.samples,
          eventsExpected: run.writes,
          misrouted,
          streamErrors: failed,
          p50Ms: lat.p50Ms,
          p99Ms: lat.p99Ms,
          maxMs: lat.maxMs,
          openStreamsMs: Math.round(openMs),
          maxEventLoopStallMs,
        },
        serverPeakRssKiB: db.serverPeakRssKiB(),
        notes: drained ? [] : ['not every event arrived within the drain time'],
      };
    } finally {
      await within(Promise.all(streams.map((s) => s.close().catch(() => undefined))), 30_000, []);
      await within(db.close(), 30_000, undefined);
    }
  },
};
