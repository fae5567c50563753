/**
 * Opens a subject by name, in the shape a scenario asks for. Each subject's modules are imported only when it is
 * opened, so a child's memory holds only the library it measures.
 */
import type { SubjectName } from './names.js';
import type { FeedSubject, MongoSubject } from './types.js';

/**
 * A fresh, empty eddydb subject (memory, a temporary folder, a server on a temporary folder, or either on a
 * throwaway PostgreSQL cluster).
 */
export async function openMongo(name: SubjectName, options: { folder?: string; poolSize?: number } = {}): Promise<MongoSubject> {
  switch (name) {
    case 'eddydb-memory':
      return (await import('./eddydb_embedded.js')).openEmbedded('memory');
    case 'eddydb-file':
      return (await import('./eddydb_embedded.js')).openEmbedded('file', options.folder);
    case 'eddydb-wire':
      return (await import('./eddydb_wire.js')).openWire(options);
    case 'eddydb-pg':
      return (await import('./eddydb_embedded.js')).openEmbedded((await import('../util/postgres.js')).startPostgres());
    case 'eddydb-pg-wire':
      return (await import('./eddydb_wire.js')).openWire({ ...options, pgUri: (await import('../util/postgres.js')).startPostgres() });
    case 'eddydb-pg-2wire':
      return (await import('./eddydb_wire.js')).openWire({ ...options, pgUri: (await import('../util/postgres.js')).startPostgres(), servers: 2 });
    default:
      throw new Error(`${name} is not eddydb`);
  }
}

/** A fresh, empty store of any kind as a FeedSubject writing to `collection`. */
export async function openFeed(name: SubjectName, collection: string): Promise<FeedSubject> {
  switch (name) {
    case 'raw-sqlite':
      return (await import('../peers/raw_sqlite.js')).openRawSqlite();
    case 'pouchdb':
      return (await import('../peers/pouchdb.js')).openPouchDb();
    case 'rxdb-memory':
      return (await import('../peers/rxdb.js')).openRxDb();
    default:
      return (await import('./mongo_feed.js')).mongoFeed(await openMongo(name), collection);
  }
}
