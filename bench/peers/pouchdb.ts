/** PouchDB on disk (`pouchdb-node`, LevelDB) with a live `changes` feed that includes the documents. */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { BenchDoc } from '../docs.js';
import type { FeedSubject } from '../subjects/types.js';
import { makeTempDir } from '../util/tmp.js';

interface PouchChange {
  id: string;
  doc?: { n?: number };
}
interface PouchFeed {
  on(event: 'change', listener: (change: PouchChange) => void): PouchFeed;
  on(event: 'error', listener: (err: unknown) => void): PouchFeed;
  cancel(): void;
}
interface PouchDatabase {
  put(doc: object): Promise<unknown>;
  bulkDocs(docs: object[]): Promise<{ error?: boolean }[]>;
  changes(options: { since: 'now'; live: true; include_docs: true }): PouchFeed;
  close(): Promise<void>;
}
type PouchConstructor = new (name: string) => PouchDatabase;

// pouchdb-node is CommonJS without type declarations; these are the few calls used here.
const PouchDB = createRequire(import.meta.url)('pouchdb-node') as PouchConstructor;

export function openPouchDb(): FeedSubject {
  const db = new PouchDB(join(makeTempDir('pouchdb'), 'db'));
  let feed: PouchFeed | null = null;
  return {
    insertOne: async (doc: BenchDoc) => {
      await db.put(doc);
    },
    insertMany: async (docs: BenchDoc[]) => {
      const results = await db.bulkDocs(docs);
      if (results.some((r) => r.error)) throw new Error('PouchDB bulkDocs rejected a document');
    },
    async watch(onInsert) {
      feed = db.changes({ since: 'now', live: true, include_docs: true });
      feed.on('change', (change) => {
        if (change.doc?.n !== undefined) onInsert(change.doc.n);
      });
      feed.on('error', (err) => process.stderr.write(`PouchDB changes failed: ${String(err)}\n`));
    },
    serverPeakRssKiB: () => null,
    async close() {
      feed?.cancel();
      await db.close();
    },
  };
}
