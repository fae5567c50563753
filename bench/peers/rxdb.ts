/** RxDB with its in-memory storage, and its `collection.$` change observable. */
import { createRxDatabase, type RxCollection, type RxJsonSchema } from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import type { Subscription } from 'rxjs';
import type { BenchDoc } from '../docs.js';
import type { FeedSubject } from '../subjects/types.js';

/** RxDB reserves fields starting with an underscore, so its primary key is `id`; the other fields are the same. */
interface RxBenchDoc {
  id: string;
  n: number;
  name: string;
  group: number;
  active: boolean;
  score: number;
}

const schema: RxJsonSchema<RxBenchDoc> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 32 },
    n: { type: 'number' },
    name: { type: 'string' },
    group: { type: 'number' },
    active: { type: 'boolean' },
    score: { type: 'number' },
  },
  required: ['id', 'n', 'name', 'group', 'active', 'score'],
};

function toRx(doc: BenchDoc): RxBenchDoc {
  return { id: doc._id, n: doc.n, name: doc.name, group: doc.group, active: doc.active, score: doc.score };
}

export async function openRxDb(): Promise<FeedSubject> {
  const db = await createRxDatabase({
    name: `bench${process.pid}`,
    storage: getRxStorageMemory(),
    multiInstance: false,
  });
  const collections = await db.addCollections({ docs: { schema } });
  const docs = collections.docs as RxCollection<RxBenchDoc>;
  let subscription: Subscription | null = null;
  return {
    insertOne: async (doc) => {
      await docs.insert(toRx(doc));
    },
    insertMany: async (batch) => {
      const result = await docs.bulkInsert(batch.map(toRx));
      if (result.error.length > 0) throw new Error(`RxDB bulkInsert rejected ${result.error.length} documents`);
    },
    async watch(onInsert) {
      subscription = docs.$.subscribe((event) => {
        if (event.operation === 'INSERT') onInsert(event.documentData.n);
      });
    },
    serverPeakRssKiB: () => null,
    async close() {
      subscription?.unsubscribe();
      await db.close();
    },
  };
}
