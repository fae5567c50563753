/**
 * The storage layer: the interface every engine implements, the engines, and `openStorage`, which picks one.
 */
import { openMemoryStorage } from './memory/memory_storage.js';
import { openPostgresStorage } from './postgres/postgres_storage.js';
import { openSqliteStorage } from './sqlite/sqlite_storage.js';
import type { Storage, StorageOptions } from './types.js';

export { StorageError } from './types.js';
export type {
  CollectionRecord,
  KeyRange,
  Storage,
  StorageErrorKind,
  StorageOptions,
  StorageReader,
  StorageWriter,
  StoredDocument,
  StoredOplogEntry,
} from './types.js';
export { MemoryStorage, openMemoryStorage } from './memory/memory_storage.js';
export { SqliteStorage, openSqliteStorage, SQLITE_FILE_NAME } from './sqlite/sqlite_storage.js';
export { PostgresStorage, openPostgresStorage } from './postgres/postgres_storage.js';
export type { SqlitePragmaName } from './sqlite/sqlite_storage.js';
export { LOCK_FILE_NAME } from './sqlite/folder_lock.js';

/** True for a PostgreSQL connection URI (`postgres://` or `postgresql://`), which names a database, not a folder. */
export function isPostgresUri(text: string | undefined): text is string {
  return typeof text === 'string' && /^postgres(ql)?:\/\//i.test(text);
}

/**
 * Opens the storage a deployment asked for: `options.engine: 'memory'` gives a MemoryStorage (any path is
 * ignored); a PostgreSQL URI as the path (or `engine: 'postgres'` with one) the PostgreSQL engine on that database;
 * otherwise undefined or ':memory:' gives an in-memory SQLite database and a path the SQLite data folder there.
 * Rejects with `StorageError('DBPathInUse')` when the folder (or the PostgreSQL database) is held elsewhere.
 */
export async function openStorage(pathOrMemory: string | undefined, options: StorageOptions = {}): Promise<Storage> {
  const engine = options.engine ?? (isPostgresUri(pathOrMemory) ? 'postgres' : 'sqlite');
  if (engine === 'memory') return openMemoryStorage();
  if (engine === 'postgres') {
    if (!isPostgresUri(pathOrMemory)) {
      throw new RangeError(`the postgres engine needs a postgresql:// URI, got ${JSON.stringify(pathOrMemory)}`);
    }
    return openPostgresStorage(pathOrMemory, options);
  }
  if (engine !== 'sqlite') throw new RangeError(`unknown storage engine ${JSON.stringify(engine)}`);
  if (isPostgresUri(pathOrMemory)) throw new RangeError('a postgresql:// URI needs the postgres engine, not sqlite');
  return openSqliteStorage(pathOrMemory ?? ':memory:', options);
}

/** A PostgreSQL URI with its password replaced by `xxx`, for logs and getCmdLineOpts. */
export function redactPostgresUri(uri: string): string {
  try {
    const url = new URL(uri);
    if (url.password !== '') url.password = 'xxx';
    return url.toString();
  } catch {
    return uri.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:xxx@');
  }
}
