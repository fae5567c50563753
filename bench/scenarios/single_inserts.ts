/**
 * Scenario 1: sequential awaited single-document inserts while one watcher consumes the change feed. Write
 * throughput includes the watcher's cost; latency runs from just before the insert call to the moment the
 * watcher's loop has the event.
 */
import { makeDoc } from '../docs.js';
import { LatencySamples, perSecond } from '../stats.js';
import { openFeed } from '../subjects/open.js';
import { waitUntil } from '../util/time.js';
import type { Scenario } from './types.js';

export const singleInserts: Scenario = {
  name: 'single_inserts',
  title: '1. Single-document inserts, one watcher',
  subjects: ['eddydb-memory', 'eddydb-file', 'eddydb-wire', 'eddydb-pg', 'eddydb-pg-wire', 'eddydb-pg-2wire', 'raw-sqlite', 'pouchdb', 'rxdb-memory'],
  headline: 'writesPerSec',
  fullRunRounds: 3,
  async run(subject, quick) {
    const inserts = quick ? 3_000 : 20_000;
    const warmup = inserts / 10;
    const feed = await openFeed(subject, 'single_inserts');
    try {
      const sentAt = new Float64Array(warmup + inserts);
      const seen = new Uint8Array(warmup + inserts);
      const latency = new LatencySamples();
      let warmSeen = 0;
      let duplicates = 0;
      const onInsert = (n: number): void => {
        const now = performance.now();
        if (seen[n]) {
          duplicates++;
          return;
        }
        seen[n] = 1;
        if (n < warmup) warmSeen++;
        else latency.add(now - sentAt[n]!);
      };
      if (feed.watch) await feed.watch(onInsert);

      // Warm-up: JIT, caches and the feed itself must be running before the measured inserts.
      for (let i = 0; i < warmup; i++) await feed.insertOne(makeDoc(i));
      if (feed.watch && !(await waitUntil(() => warmSeen === warmup, 60_000))) {
        throw new Error(`the watcher saw ${warmSeen} of ${warmup} warm-up inserts`);
      }

      const start = performance.now();
      for (let i = warmup; i < warmup + inserts; i++) {
        const doc = makeDoc(i);
        sentAt[i] = performance.now();
        await feed.insertOne(doc);
      }
      const writeMs = performance.now() - start;
      if (feed.watch) await waitUntil(() => latency.count === inserts, 30_000);
      const lat = latency.summary(feed.watch ? inserts : 0);
      return {
        work: { inserts, warmupInserts: warmup, watcher: feed.watch !== undefined },
        metrics: {
          writesPerSec: perSecond(inserts, writeMs),
          eventsDelivered: feed.watch ? lat.samples : null,
          eventsExpected: feed.watch ? inserts : null,
          duplicateEvents: feed.watch ? duplicates : null,
          p50Ms: lat.p50Ms,
          p99Ms: lat.p99Ms,
          maxMs: lat.maxMs,
        },
        serverPeakRssKiB: feed.serverPeakRssKiB(),
      };
    } finally {
      await feed.close();
    }
  },
};
