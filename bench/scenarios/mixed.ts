/**
 * Scenario 5: 100 collection-wide streams with `fullDocument: 'updateLookup'` while four writer loops update
 * random existing documents as fast as they can. Every write is due at every stream.
 */
import { LatencySamples, perSecond } from '../stats.js';
import { isWire } from '../subjects/names.js';
import { openMongo } from '../subjects/open.js';
import type { ChangeStreamLike, Doc } from '../subjects/types.js';
import { seededRandom } from '../util/random.js';
import { watchEventLoop } from '../util/stall.js';
import { waitUntil, within } from '../util/time.js';
import { consumeEvents } from '../util/consume.js';
import type { Scenario } from './types.js';

const DOCS = 10_000;
const STREAMS = 100;
const WRITERS = 4;

export const mixed: Scenario = {
  name: 'mixed',
  title: '5. Mixed load: 100 updateLookup streams, 4 writers',
  subjects: ['eddydb-file', 'eddydb-wire', 'eddydb-pg', 'eddydb-pg-wire', 'eddydb-pg-2wire'],
  headline: 'writesPerSec',
  fullRunRounds: 3,
  async run(subject, quick) {
    const durationMs = quick ? 3_000 : 10_000;
    const wire = isWire(subject);
    const db = await openMongo(subject);
    const streams: ChangeStreamLike[] = [];
    try {
      const coll = db.collection('mixed');
      for (let i = 0; i < DOCS; i += 1_000) {
        const docs: Doc[] = [];
        for (let j = i; j < i + 1_000; j++) docs.push({ _id: j, n: 0, name: `user ${j}`, group: j % 16 });
        await coll.insertMany(docs);
      }
      const watched = wire ? (await db.connect(STREAMS + 10)).collection('mixed') : coll;
      for (let s = 0; s < STREAMS; s++) streams.push(watched.watch([], { fullDocument: 'updateLookup' }));
      await Promise.all(streams.map((s) => s.tryNext()));

      const sentAt: number[] = [];
      const latency = new LatencySamples();
      let withoutDocument = 0;
      let failed = 0;
      let closing = false;
      for (const stream of streams) {
        consumeEvents(stream, (event, now) => {
          if (!event.fullDocument) withoutDocument++;
          const w = ((event.updateDescription as Doc).updatedFields as Doc).w as number;
          latency.add(now - sentAt[w]!);
        }, () => {
          if (!closing) failed++;
        });
      }

      const writer = wire ? (await db.connect(WRITERS + 2)).collection('mixed') : coll;
      const pick = seededRandom();
      let next = 0;
      const loop = watchEventLoop();
      const start = performance.now();
      await Promise.all(Array.from({ length: WRITERS }, async () => {
        while (performance.now() - start < durationMs) {
          // One event-loop turn per write, as a writer driven by requests gets; an in-process write that resolves
          // without I/O would otherwise hold the thread for the whole run and the streams would wait for the end.
          await new Promise<void>((resolve) => setImmediate(resolve));
          const k = next++;
          sentAt[k] = performance.now();
          await writer.updateOne({ _id: pick(DOCS) }, { $inc: { n: 1 }, $set: { w: k } });
        }
      }));
      const writeMs = performance.now() - start;
      const writes = next;
      const drainStart = performance.now();
      // A timer ends this wait, so when deliveries hold the event loop the wait (and drainMs) lasts as long as they do.
      const drainLimitMs = quick ? 10_000 : 30_000;
      const drained = await waitUntil(() => latency.count >= writes * STREAMS, drainLimitMs);
      const drainMs = performance.now() - drainStart;
      const maxEventLoopStallMs = loop.stop();
      const lat = latency.summary(writes * STREAMS);
      closing = true;
      return {
        work: { docs: DOCS, streams: STREAMS, writers: WRITERS, durationMs, writes, drainLimitMs },
        metrics: {
          writesPerSec: perSecond(writes, writeMs),
          eventsDelivered: lat.samples,
          eventsExpected: writes * STREAMS,
          eventsPerSec: perSecond(lat.samples, writeMs + drainMs),
          withoutFullDocument: withoutDocument,
          streamErrors: failed,
          p50Ms: lat.p50Ms,
          p99Ms: lat.p99Ms,
          maxMs: lat.maxMs,
          drainMs: Math.round(drainMs),
          maxEventLoopStallMs,
        },
        serverPeakRssKiB: db.serverPeakRssKiB(),
        notes: drained ? [] : [`streams were still behind ${Math.round(drainMs / 1000)} s after the writers stopped; events delivered counts those that had arrived`],
      };
    } finally {
      await within(Promise.all(streams.map((s) => s.close().catch(() => undefined))), 30_000, []);
      await within(db.close(), 30_000, undefined);
    }
  },
};
