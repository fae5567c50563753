/**
 * The PostgreSQL storage engine, for ONE eddydb server per database (docs/scale-out.md, slice 7's first part): one
 * connection runs every transaction of the storage's queue, as SQLite's connection does, and change entries get their
 * times from the database's commit-ordered clock (`append_changes`, schema.ts). Since this server's commits are the
 * only ones, they feed the tail inside their queue turn, as on SQLite.
 *
 * One server only, enforced: the storage holds a session advisory lock on its schema for as long as it is open, and an
 * open that cannot take it fails with DBPathInUse. Serving one database from several servers (a tail that reads the
 * change table, uniqueness the database enforces, snapshot transactions in PostgreSQL) comes with the later slices.
 */
import { CommitFedTail } from '../commit_fed_tail.js';
import { fromSqlTs } from '../oplog_ts.js';
import { readTransaction, SerialQueue, writeTransaction, type TransactionSteps } from '../serial_queue.js';
import { StorageError } from '../types.js';
import type { ChangeTail, Storage, StorageOptions, StorageReader, StorageWriter, WriteResult } from '../types.js';
import { PostgresConnection } from './connection.js';
import { upgradeSchema } from './migrations.js';
import { checkSchemaName, DEFAULT_SCHEMA, SERVER_LOCK_CLASS } from './schema.js';
import { PostgresStatements } from './statements.js';
import { PostgresTransaction, type PostgresConnectionState } from './postgres_transaction.js';

/** What `openPostgresStorage` accepts: the common options and the schema to use. */
export interface PostgresStorageOptions extends StorageOptions {
  /** The PostgreSQL schema holding eddydb's tables (default `eddydb`); a lowercase identifier. */
  schema?: string;
}

export class PostgresStorage implements Storage {
  readonly engine = 'postgres';
  readonly persistent = true;
  private readonly queue = new SerialQueue();
  private readonly state: PostgresConnectionState;
  private readonly changes: CommitFedTail;
  readonly tail: ChangeTail;

  /** Use `openPostgresStorage`; this takes over an open connection holding the server lock, on a current schema. */
  private constructor(
    private connection: PostgresConnection,
    /** The PostgreSQL schema this storage uses. */
    readonly schema: string,
    start: bigint,
    private readonly uri: string,
    private readonly log: StorageOptions['log'],
  ) {
    this.state = { connection, sql: new PostgresStatements(schema), oplogBytes: null, lastOplogTs: undefined, catalogVersion: 0 };
    this.changes = new CommitFedTail(start);
    this.tail = this.changes;
    this.changes.readCommitted = (after, limit) => this.read((r) => r.readOplog({ after, limit }));
  }

  /** @internal See `openPostgresStorage`. */
  static async open(uri: string, options: PostgresStorageOptions = {}): Promise<PostgresStorage> {
    if (typeof uri !== 'string' || uri === '') throw new RangeError('the PostgreSQL storage needs a connection URI');
    const schema = checkSchemaName(options.schema ?? DEFAULT_SCHEMA);
    if (options.maxSizeBytes !== undefined) {
      throw new RangeError('maxSizeBytes is not supported by the postgres storage engine: set a quota in PostgreSQL instead');
    }
    const connection = await PostgresConnection.open(uri, options.log);
    try {
      await takeServerLock(connection, schema);
      await upgradeSchema(connection.client, schema);
      // The tail starts at the highest time the clock gave out (committed or not: every committed one is at or below
      // it), or the database's current second when that is later: every time given out from now on is above both,
      // as the sequence only grows and the clock follows the same wall clock.
      const start = await connection.query<{ start: bigint }>(
        `SELECT greatest(last_value, (SELECT max(ts) FROM ${schema}.changes), ` +
          `(floor(extract(epoch FROM clock_timestamp()))::bigint - 2147483648) << 32) AS start FROM ${schema}.clock`,
      );
      return new PostgresStorage(connection, schema, fromSqlTs(start.rows[0]!.start), uri, options.log);
    } catch (err) {
      // Ending the session releases the server lock if it was taken.
      await connection.end();
      throw err;
    }
  }

  private readonly transactions: TransactionSteps<PostgresTransaction> = {
    begin: (writable) => {
      const connection = this.connection;
      // Written out, not awaited: the callback's first statement follows it on the wire. A read is one snapshot.
      connection.begin(writable ? 'BEGIN' : 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const handle = new PostgresTransaction(this.state, writable);
      if (writable) handle.changes = { tail: this.changes, pending: this.changes.begin() };
      return handle;
    },
    endRead: (handle) => {
      handle.end();
      this.connection.send('COMMIT');
    },
    commit: async (handle) => {
      handle.end();
      let command: string;
      try {
        command = (await this.connection.query('COMMIT')).command;
      } catch (err) {
        this.rolledBack();
        throw err;
      }
      // COMMIT of a transaction a failed statement aborted answers ROLLBACK, without an error.
      if (command !== 'COMMIT') {
        this.rolledBack();
        const earlier = this.connection.failure;
        throw new Error(`PostgreSQL rolled the transaction back after an earlier failure${earlier ? `: ${earlier.message}` : ''}`, { cause: earlier ?? undefined });
      }
      return handle.changes ? this.changes.commit(handle.changes.pending) : null;
    },
    rollback: (handle) => {
      handle.end();
      this.connection.send('ROLLBACK');
      this.rolledBack();
    },
  };

  /** The queue's turns, each starting with a new connection when the last one was lost. */
  private readonly turns = {
    run: <T>(fn: () => Promise<T>): Promise<T> =>
      this.queue.run(async () => {
        await this.reconnectIfLost();
        return fn();
      }),
  };

  read<T>(fn: (reader: StorageReader) => Promise<T>): Promise<T> {
    return readTransaction(this.turns, this.transactions, fn);
  }

  write<T>(fn: (writer: StorageWriter) => Promise<T>): Promise<WriteResult<T>> {
    return writeTransaction(this.turns, this.transactions, fn);
  }

  /**
   * Inside a queue turn: when the connection was lost (PostgreSQL restarted, failed over or cut it), opens a new one,
   * takes the server lock again and hands the tail whatever committed since it last heard (a write whose COMMIT was
   * under way when the connection broke may have committed: its entries arrive here, in order, before any later
   * write's). While PostgreSQL stays unreachable every turn tries once and fails with `Unavailable`: a refused
   * connection fails at once; a host that does not answer at all costs the connect timeout.
   */
  private async reconnectIfLost(): Promise<void> {
    if (!this.connection.isLost) return;
    let connection: PostgresConnection | undefined;
    try {
      await this.connection.end();
      connection = await PostgresConnection.open(this.uri, this.log);
      await takeServerLock(connection, this.schema);
    } catch (err) {
      await connection?.end();
      const failure = err instanceof StorageError ? err : new StorageError('Unavailable', `PostgreSQL is unreachable: ${(err as Error).message}`);
      if (failure !== err) (failure as { cause?: unknown }).cause = err;
      throw failure;
    }
    this.connection = connection;
    this.state.connection = connection;
    this.rolledBack();
    this.log?.({ msg: 'Reconnected to PostgreSQL', component: 'STORAGE', attr: { through: String(this.changes.through) } });
    await this.catchUpTail();
  }

  /** Reads what committed after the tail's position, on the current connection, and feeds it to the tail. */
  private async catchUpTail(): Promise<void> {
    for (;;) {
      this.connection.begin('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const reader = new PostgresTransaction(this.state, false);
      let rows;
      try {
        rows = await reader.readOplog({ after: this.changes.through, limit: CATCH_UP_ENTRIES });
      } finally {
        reader.end();
        this.connection.send('COMMIT');
      }
      if (rows.length === 0) return;
      const pending = this.changes.begin();
      this.changes.record(pending, rows, undefined);
      this.changes.commit(pending);
      if (rows.length < CATCH_UP_ENTRIES) return;
    }
  }

  /** Nothing to do: PostgreSQL runs its own checkpoints. */
  checkpoint(): Promise<void> {
    return this.queue.run(async () => undefined);
  }

  close(): Promise<void> {
    return this.queue.close(async () => {
      // Ending the session would release the lock too; unlocking first says so to anyone who looks at pg_locks.
      await this.connection.query('SELECT pg_advisory_unlock($1, hashtext($2))', [SERVER_LOCK_CLASS, this.schema]).catch(() => undefined);
      await this.connection.end();
    });
  }

  /** After a rollback, what the handles cached may be wrong. */
  private rolledBack(): void {
    this.state.oplogBytes = null;
    this.state.lastOplogTs = undefined;
    this.state.catalogVersion++;
  }
}

/** Entries per read when the tail catches up after a reconnect. */
const CATCH_UP_ENTRIES = 1000;

/**
 * Takes the session advisory lock that makes this the only eddydb server on `schema`, or throws DBPathInUse. Ending
 * the session releases it.
 */
async function takeServerLock(connection: PostgresConnection, schema: string): Promise<void> {
  const locked = await connection.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [SERVER_LOCK_CLASS, schema]);
  if (!locked.rows[0]!.locked) {
    throw new StorageError(
      'DBPathInUse',
      `another eddydb server is using the PostgreSQL database ${connection.database} (schema ${schema}); ` +
        'serving one database from several eddydb servers is not supported yet',
    );
  }
}

/**
 * Opens the PostgreSQL storage on the database `uri` names (`postgresql://user:password@host:port/database`),
 * creating or upgrading eddydb's schema there. Rejects with `StorageError('DBPathInUse')` when another eddydb server
 * uses that database and schema, with a RangeError for `maxSizeBytes` (a quota is PostgreSQL's business) or a bad
 * schema name, and with the connection failure as cause when PostgreSQL cannot be reached. `synchronous` is ignored:
 * durability is PostgreSQL's `synchronous_commit`.
 */
export async function openPostgresStorage(uri: string, options?: PostgresStorageOptions): Promise<PostgresStorage> {
  return PostgresStorage.open(uri, options);
}
