/** Scenario 2: insertMany of 1,000 documents at a time, repeated; documents per second over all batches. */
import { makeDocs } from '../docs.js';
import { LatencySamples, perSecond } from '../stats.js';
import { openFeed } from '../subjects/open.js';
import type { Scenario } from './types.js';

const BATCH = 1_000;

export const insertMany: Scenario = {
  name: 'insert_many',
  title: '2. insertMany of 1,000 documents',
  subjects: ['eddydb-memory', 'eddydb-file', 'eddydb-wire', 'eddydb-pg', 'eddydb-pg-wire', 'eddydb-pg-2wire', 'raw-sqlite', 'pouchdb', 'rxdb-memory'],
  headline: 'docsPerSec',
  fullRunRounds: 3,
  async run(subject, quick) {
    const batches = quick ? 20 : 100;
    const warmupBatches = quick ? 2 : 5;
    const feed = await openFeed(subject, 'insert_many');
    try {
      for (let b = 0; b < warmupBatches; b++) await feed.insertMany(makeDocs(b * BATCH, BATCH));
      // Built before the clock starts: the figure is the store's work, not making test documents.
      const prepared = Array.from({ length: batches }, (_, b) => makeDocs((warmupBatches + b) * BATCH, BATCH));
      const perBatch = new LatencySamples();
      const start = performance.now();
      for (const docs of prepared) {
        const t = performance.now();
        await feed.insertMany(docs);
        perBatch.add(performance.now() - t);
      }
      const ms = performance.now() - start;
      const batch = perBatch.summary();
      return {
        work: { batches, batchSize: BATCH, docs: batches * BATCH, warmupBatches },
        metrics: { docsPerSec: perSecond(batches * BATCH, ms), batchP50Ms: batch.p50Ms, batchP99Ms: batch.p99Ms },
        serverPeakRssKiB: feed.serverPeakRssKiB(),
      };
    } finally {
      await feed.close();
    }
  },
};
