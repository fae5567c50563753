/**
 * The default storage engine: one SQLite database per data folder (`<dir>/eddydb.sqlite`), through
 * better-sqlite3. SQLite runs synchronously; the asynchronous interface and the queue exist so that a
 * networked engine fits the same contract.
 */
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readTransaction, SerialQueue, writeTransaction, type TransactionSteps } from '../serial_queue.js';
import { StorageError } from '../types.js';
import type { ChangeTail, Storage, StorageOptions, StorageReader, StorageWriter, WriteResult } from '../types.js';
import { CLOCK_KEY, InProcessChanges, savedClock } from '../in_process_changes.js';
import { fromSqlTs } from '../oplog_ts.js';
import { FolderLock, dbPathInUse } from './folder_lock.js';
import { isOutOfSpace, ReservedSpace } from './reserved_space.js';
import { upgradeSchema } from './migrations.js';
import { checkSqliteStore, corrupted, isCorruptionError } from './startup_check.js';
import { SqliteStatements } from './statements.js';
import { SqliteTransaction } from './sqlite_transaction.js';
import type { SqliteConnectionState } from './sqlite_transaction.js';

/** The database file inside a data folder. */
export const SQLITE_FILE_NAME = 'eddydb.sqlite';

/** Settings `SqliteStorage.pragma` may read (diagnostics and tests). */
export type SqlitePragmaName = 'synchronous' | 'journal_mode' | 'locking_mode' | 'user_version';

export class SqliteStorage implements Storage {
  readonly engine = 'sqlite';
  readonly persistent: boolean;
  private readonly queue = new SerialQueue();
  private readonly state: SqliteConnectionState;
  private readonly changes: InProcessChanges;
  readonly tail: ChangeTail;

  /** Use `openSqliteStorage`; this takes ownership of an open, initialised connection and its folder lock. */
  private constructor(
    private readonly db: SqliteDatabase,
    /** The absolute data folder, or null for an in-memory database. */
    readonly path: string | null,
    private readonly lock: FolderLock | null,
    /** The data folder's reserved disk space (null in memory). */
    private readonly reserve: ReservedSpace | null,
  ) {
    this.persistent = path !== null;
    this.state = { stmts: new SqliteStatements(db), oplogBytes: null, lastOplogTs: undefined, catalogVersion: 0 };
    const saved = this.state.stmts.getMeta.get(CLOCK_KEY) as string | undefined;
    const newest = this.state.stmts.lastOplogTs.get() as bigint | null;
    this.changes = new InProcessChanges(savedClock(saved), newest === null ? 0n : fromSqlTs(newest));
    this.tail = this.changes;
    this.changes.readCommitted = (after, limit) => this.read((r) => r.readOplog({ after, limit }));
  }

  /** @internal Opens a connection; see `openSqliteStorage`. */
  static open(dir: string, options: StorageOptions = {}): SqliteStorage {
    const synchronous = options.synchronous ?? 'normal';
    if (synchronous !== 'normal' && synchronous !== 'full') {
      throw new RangeError(`synchronous must be 'normal' or 'full', got ${JSON.stringify(synchronous)}`);
    }
    if (dir === ':memory:') {
      const db = new Database(':memory:');
      try {
        initConnection(db, synchronous, options.maxSizeBytes);
      } catch (err) {
        db.close();
        throw err;
      }
      return new SqliteStorage(db, null, null, null);
    }

    const path = resolve(dir);
    mkdirSync(path, { recursive: true });
    const lock = FolderLock.claim(path);
    let db: SqliteDatabase | undefined;
    const file = join(path, SQLITE_FILE_NAME);
    try {
      // timeout 0: a database held by another process must fail now, not after a busy wait.
      db = new Database(file, { timeout: 0 });
      // EXCLUSIVE before WAL: the connection then keeps SQLite's file lock until it closes (a lock the OS drops
      // if the process dies) and WAL needs no shared-memory file.
      db.pragma('locking_mode = EXCLUSIVE');
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new Error(`could not switch ${SQLITE_FILE_NAME} to WAL mode (got ${String(mode)})`);
      initConnection(db, synchronous, options.maxSizeBytes);
      // After a crash as after a clean stop: a damaged file is refused here, before anything reads from it.
      checkSqliteStore(db, file);
      lock.writePid();
      const reserve = new ReservedSpace(path, options.log);
      if (!reserve.ensure()) {
        const attr = { path: reserve.path, bytes: reserve.bytes };
        options.log?.({ msg: 'No room to reserve disk space for deletes and drops', component: 'STORAGE', attr });
      }
      return new SqliteStorage(db, path, lock, reserve);
    } catch (err) {
      db?.close();
      lock.release();
      if ((err as { code?: unknown }).code === 'SQLITE_BUSY') throw dbPathInUse(path);
      if (isCorruptionError(err)) throw corrupted(file, (err as Error).message, err);
      throw err;
    }
  }

  private readonly transactions: TransactionSteps<SqliteTransaction> = {
    begin: (writable) => {
      const handle = new SqliteTransaction(this.state, writable);
      if (writable) {
        this.state.stmts.begin.run();
        handle.changes = { log: this.changes, pending: this.changes.begin() };
      }
      return handle;
    },
    endRead: (handle) => handle.end(),
    commit: (handle) => {
      handle.end();
      try {
        this.state.stmts.commit.run();
      } catch (err) {
        this.rollback();
        throw err;
      }
      return handle.changes ? this.changes.commit(handle.changes.pending) : null;
    },
    rollback: (handle) => {
      handle.end();
      this.rollback();
    },
  };

  read<T>(fn: (reader: StorageReader) => Promise<T>): Promise<T> {
    return readTransaction(this.queue, this.transactions, fn);
  }

  write<T>(fn: (writer: StorageWriter) => Promise<T>): Promise<WriteResult<T>> {
    return writeTransaction(this.queue, this.transactions, fn).catch((err: unknown) => {
      throw this.failure(err);
    });
  }

  checkpoint(): Promise<void> {
    return this.queue.run(async () => {
      if (this.path === null) return;
      try {
        this.db.pragma('wal_checkpoint(TRUNCATE)');
      } catch (err) {
        throw this.failure(err);
      }
      if (this.reserve && !this.reserve.isHeld) this.reserve.ensure();
    });
  }

  /** True while the data folder holds its reserved disk space; null for an in-memory database. */
  get reservedSpaceHeld(): boolean | null {
    return this.reserve ? this.reserve.isHeld : null;
  }

  /** A failed write or checkpoint as the contract reports it: out of space, the reserved space released; else as is. */
  private failure(err: unknown): unknown {
    if (!isOutOfSpace(err)) return err;
    const detail = (err as Error).message;
    this.reserve?.release(detail);
    const failure = new StorageError('OutOfDiskSpace', `no space left for the data folder ${this.path ?? ':memory:'} (${detail})`);
    (failure as { cause?: unknown }).cause = err;
    return failure;
  }

  close(): Promise<void> {
    return this.queue.close(() => {
      try {
        this.db.close();
      } finally {
        this.lock?.release();
      }
    });
  }

  /**
   * Reads one SQLite setting of the connection, e.g. `pragma('synchronous')` is 1 for NORMAL and 2 for FULL.
   * For diagnostics and tests; throws `StorageError('Closed')` after `close()`.
   */
  pragma(name: SqlitePragmaName): unknown {
    if (this.queue.closed) throw new StorageError('Closed', 'storage is closed');
    return this.db.pragma(name, { simple: true });
  }

  private rollback(): void {
    // A failed COMMIT may already have ended the transaction (SQLite rolls back on some errors).
    if (this.db.inTransaction) this.state.stmts.rollback.run();
    this.state.oplogBytes = null;
    this.state.lastOplogTs = undefined;
    this.state.catalogVersion++;
  }
}

/**
 * Opens the SQLite storage of data folder `dir` (created if missing; the database is `<dir>/eddydb.sqlite`) or,
 * for ':memory:', a private in-memory database. Rejects with `StorageError('DBPathInUse')` (mongod's message)
 * when another open storage of this process or another live process holds the folder, and with
 * `StorageError('Corrupted')` when the file fails SQLite's quick_check or the oplog's ordering check.
 */
export async function openSqliteStorage(dir: string | ':memory:', options?: StorageOptions): Promise<SqliteStorage> {
  return SqliteStorage.open(dir, options);
}

/**
 * Connection settings and schema (created, or upgraded from an older version); the first write also takes the
 * exclusive lock of a file database.
 */
function initConnection(db: SqliteDatabase, synchronous: 'normal' | 'full', maxSizeBytes: number | undefined): void {
  db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  if (maxSizeBytes !== undefined) {
    if (!(Number.isSafeInteger(maxSizeBytes) && maxSizeBytes > 0)) {
      throw new RangeError(`maxSizeBytes must be a positive integer, got ${String(maxSizeBytes)}`);
    }
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.pragma(`max_page_count = ${Math.max(1, Math.floor(maxSizeBytes / pageSize))}`);
  }
  db.exec('BEGIN IMMEDIATE');
  try {
    upgradeSchema(db);
    db.exec('COMMIT');
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw err;
  }
}
