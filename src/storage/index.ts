/**
 * The storage layer: the interface every engine implements, the engines, and `openStorage`, which picks one.
 */
import { openMemoryStorage } from './memory/memory_storage.js';
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
export type { SqlitePragmaName } from './sqlite/sqlite_storage.js';
export { LOCK_FILE_NAME } from './sqlite/folder_lock.js';

/**
 * Opens the storage a deployment asked for: `options.engine: 'memory'` gives a MemoryStorage (any path is
 * ignored); otherwise undefined or ':memory:' gives an in-memory SQLite database and a path the SQLite data
 * folder there. Rejects with `StorageError('DBPathInUse')` when the folder is held elsewhere.
 */
export async function openStorage(pathOrMemory: string | undefined, options: StorageOptions = {}): Promise<Storage> {
  const engine = options.engine ?? 'sqlite';
  if (engine === 'memory') return openMemoryStorage();
  if (engine !== 'sqlite') throw new RangeError(`unknown storage engine ${JSON.stringify(engine)}`);
  return openSqliteStorage(pathOrMemory ?? ':memory:', options);
}
