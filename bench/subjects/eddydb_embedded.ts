/** eddydb in-process: `Client.open(':memory:')` (SQLite in memory) or `Client.open(folder)` (SQLite file). */
import { Client } from '../../src/index.js';
import { makeTempDir } from '../util/tmp.js';
import type { CollectionLike, MongoSubject } from './types.js';

/** Opens an embedded client on memory or on a fresh temporary folder. */
export async function openEmbedded(storage: 'memory' | 'file', folder?: string): Promise<MongoSubject> {
  const client = await Client.open(storage === 'memory' ? ':memory:' : (folder ?? makeTempDir('embedded')));
  const db = client.db('bench');
  const collection = (name: string): CollectionLike => db.collection(name) as unknown as CollectionLike;
  return {
    collection,
    // In-process there is no connection pool: every stream's getMore waits on its own promise.
    connect: async () => ({ collection, close: async () => undefined }),
    startSession: () => client.startSession(),
    serverPeakRssKiB: () => null,
    close: () => client.close(),
  };
}
