/**
 * Scenario 8: large documents. Small single inserts into a collection that also holds eight 8 MiB documents, whose
 * `_id`s (strings) sort after the small ones' (numbers), so every insert lands right next to them in key order;
 * then dropping that collection; then the same inserts into a collection with nothing large. A store that keeps
 * large rows in the b-tree its small rows go through makes every small write near them step over their overflow
 * pages.
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

export const largeDocuments: Scenario = {
  name: 'large_documents',
  title: '8. Small writes next to large documents',
  subjects: ['eddydb-memory', 'eddydb-file'],
  headline: 'insertsPerSec',
  async run(subject, quick) {
    const inserts = quick ? 2_000 : 20_000;
    const mongo = await openMongo(subject);
    try {
      // Warm-up (JIT, statement caches).
      await smallInserts(mongo.collection('warmup'), inserts / 10);
      const mixed = mongo.collection('mixed');
      const pad = 'x'.repeat(LARGE_BYTES - 64);
      for (let i = 0; i < LARGE_DOCS; i++) await mixed.insertOne({ _id: `large ${i}`, pad });
      const withLarge = await smallInserts(mixed, inserts);
      const start = performance.now();
      await mixed.drop();
      const dropMs = performance.now() - start;
      // The same inserts with nothing large stored, last: the write-ahead log has grown as much for both phases.
      const alone = await smallInserts(mongo.collection('alone'), inserts);
      return {
        work: { inserts, warmupInserts: inserts / 10, largeDocs: LARGE_DOCS, largeBytes: LARGE_BYTES },
        metrics: { insertsPerSec: withLarge, insertsPerSecAlone: alone, withLargeRatio: withLarge / alone, dropMs },
      };
    } finally {
      await mongo.close();
    }
  },
};
