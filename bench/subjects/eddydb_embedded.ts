/**
 * eddydb in-process: `Client.open(':memory:')` (SQLite in memory), `Client.open(folder)` (SQLite file) or
 * `Client.open('postgresql://...')` (the postgres engine).
 */
import { Client } from '../../src/index.js';
import { makeTempDir } from '../util/tmp.js';
import type { CollectionLike, MongoSubject } from './types.js';

/** Opens an embedded client on memory, on a fresh temporary folder (or `folder`), or on a PostgreSQL URI. */
export async function openEmbedded(storage: 'memory' | 'file' | `postgresql://${string}`, folder?: string): Promise<MongoSubject> {
  const path = storage === 'memory' ? ':memory:' : storage === 'file' ? (folder ?? makeTempDir('embedded')) : storage;
  const client = await Client.open(path);
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
