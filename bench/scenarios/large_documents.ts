/**
 * Scenario 8: large documents. Small single inserts into one collection while another holds eight 8 MiB documents,
 * against the same inserts with no large document stored, then dropping both collections. A store that keeps large
 * rows in the b-tree its small rows go through makes every small write step over their overflow pages.
 */
import { perSecond } from '../stats.js';
import { openMongo } from '../subjects/open.js';
import type { CollectionLike } from '../subjects/types.js';
import type { Scenario } from './types.js';

const LARGE_DOCS = 8;
/** Under the 16 MiB limit and over half of it: the size at which a store's worst case shows. */
const LARGE_BYTES = 8 * 1024 * 1024;

async function smallInserts(coll: CollectionLike, count: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i++) await coll.insertOne({ _id: i, s: `small document ${i}`, n: i });
  return perSecond(count, performance.now() - start);
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export const largeDocuments: Scenario = {
  name: 'large_documents',
  title: '8. Small writes next to large documents',
  subjects: ['eddydb-memory', 'eddydb-file'],
  headline: 'insertsPerSec',
  async run(subject, quick) {
    const inserts = quick ? 2_000 : 20_000;
    const mongo = await openMongo(subject);
    try {
      // Warm-up (JIT, statement caches), so that the first measured phase is not the slower one for that alone.
      await smallInserts(mongo.collection('warmup'), inserts / 10);
      const baseline = await smallInserts(mongo.collection('alone'), inserts);
      const large = mongo.collection('large');
      const pad = 'x'.repeat(LARGE_BYTES - 64);
      for (let i = 0; i < LARGE_DOCS; i++) await large.insertOne({ _id: i, pad });
      const withLarge = await smallInserts(mongo.collection('small'), inserts);
      const dropSmallMs = await timed(() => mongo.collection('small').drop());
      const dropLargeMs = await timed(() => large.drop());
      return {
        work: { inserts, warmupInserts: inserts / 10, largeDocs: LARGE_DOCS, largeBytes: LARGE_BYTES },
        metrics: {
          insertsPerSec: withLarge,
          insertsPerSecAlone: baseline,
          withLargeRatio: withLarge / baseline,
          dropSmallMs,
          dropLargeMs,
        },
      };
    } finally {
      await mongo.close();
    }
  },
};
