/**
 * Scenario 7: queries on a large collection. How long `find().limit(1)` and the first batch of `find({})` take on a
 * million documents (a query streams: neither may depend on the collection's size), how fast `find({}).toArray()`
 * pages through all of them, and the latency another connection's point reads see while a sort of the whole
 * collection runs on the server (it yields: one request must not freeze the others).
 */
import { LatencySamples } from '../stats.js';
import { openMongo } from '../subjects/open.js';
import type { Scenario } from './types.js';

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

export const queries: Scenario = {
  name: 'queries',
  title: '7. Queries on a large collection',
  subjects: ['eddydb-memory', 'eddydb-file', 'eddydb-wire'],
  headline: 'limitOneMs',
  async run(subject, quick) {
    const docs = quick ? 100_000 : 1_000_000;
    const mongo = await openMongo(subject);
    try {
      const coll = mongo.collection('big');
      const batch: Record<string, unknown>[] = [];
      for (let i = 0; i < docs; i++) {
        batch.push({ _id: i, r: (i * 7919) % docs, s: 'payload' });
        if (batch.length === 10_000) await coll.insertMany(batch.splice(0));
      }
      if (batch.length > 0) await coll.insertMany(batch.splice(0));
      const limitOne = await timed(() => coll.find({ r: { $gte: 0 } }, { limit: 1 }).toArray());
      const firstBatch = await timed(async () => {
        const cursor = coll.find({});
        const doc = await cursor.next();
        await cursor.close();
        return doc;
      });
      const all = await timed(() => coll.find({}).toArray());
      if (all.value.length !== docs) throw new Error(`find({}) returned ${all.value.length} of ${docs}`);

      // Point reads from another connection while one sort of everything runs.
      const other = await mongo.connect(1);
      const tiny = other.collection('tiny');
      await tiny.insertOne({ _id: 0 });
      const latencies = new LatencySamples();
      let sorting = true;
      // The sort returns one document, so the time measured is the server's, not this process decoding the result.
      const sort = timed(() => coll.find({}, { sort: { r: -1 }, skip: docs - 1 }).toArray()).finally(() => {
        sorting = false;
      });
      while (sorting) {
        // In process a read never leaves the microtask queue; one event-loop turn per read lets the sort run at all.
        await new Promise((resolve) => setImmediate(resolve));
        const start = performance.now();
        await tiny.find({ _id: 0 }).toArray();
        latencies.add(performance.now() - start);
      }
      const sorted = await sort;
      await other.close();
      const during = latencies.summary();
      return {
        work: { documents: docs, pointReadsDuringSort: during.samples },
        metrics: {
          limitOneMs: Math.round(limitOne.ms * 10) / 10,
          firstBatchMs: Math.round(firstBatch.ms * 10) / 10,
          toArrayDocsPerSec: Math.round(docs / (all.ms / 1000)),
          sortAllMs: Math.round(sorted.ms),
          pointReadDuringSortP50Ms: during.p50Ms,
          pointReadDuringSortP99Ms: during.p99Ms,
        },
        serverPeakRssKiB: mongo.serverPeakRssKiB(),
      };
    } finally {
      await mongo.close();
    }
  },
};
