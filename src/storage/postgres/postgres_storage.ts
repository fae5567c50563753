/**
 * The PostgreSQL storage engine (docs/scale-out.md, slices 7 and 8's first step): any number of eddydb servers may
 * open the same database and schema, each with one connection that runs its storage queue as SQLite's connection
 * does. Change entries get their times from the database's commit-ordered clock (`append_changes`, schema.ts).
 *
 * One writer at a time across every server: each write transaction starts by taking the write lock (an advisory lock
 * held until it ends), then reads what other servers committed since this server last looked and hands it to the
 * tail, so the engine above has seen every earlier commit before its write decides anything, and the write's own
 * entries follow them in time. Under that lock the engine's single-writer logic (uniqueness checked then inserted,
 * capped totals, retryable-write records) holds across servers as it does in one process. Reads take no lock; each
 * reads the other servers' entries in its own snapshot first, so what it returns is never ahead of what the tail
 * delivered. Other servers' commits are also noticed between transactions: each commit that logs entries sends a
 * NOTIFY, and a listening connection (change_listener.ts) and a poll wake the queue to read them.
 *
 * A catalog epoch row (bumped by every catalog change) tells a server its cached catalog entries are stale.
 */
import { CommitFedTail } from '../commit_fed_tail.js';
import { fromSqlTs, toSqlTs } from '../oplog_ts.js';
import { readTransaction, SerialQueue, writeTransaction, type TransactionSteps } from '../serial_queue.js';
import { StorageError } from '../types.js';
import type { ChangeTail, Storage, StorageOptions, StorageReader, StorageWriter, WriteResult } from '../types.js';
import { ChangeListener } from './change_listener.js';
import { PostgresConnection } from './connection.js';
import { upgradeSchema } from './migrations.js';
import { changesChannel, checkSchemaName, DEFAULT_SCHEMA, LEASE_LOCK_CLASS, SERVER_LOCK_CLASS } from './schema.js';
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
  private readonly listener: ChangeListener;
  /** The catalog epoch this server last read (see `drain`). */
  private epoch: bigint;
  /** True while a turn that will read the other servers' entries is queued (see `kick`). */
  private kickQueued = false;
  /** The channel commits are announced on. */
  private readonly channel: string;

  /** Use `openPostgresStorage`; this takes over an open connection holding the server lock, on a current schema. */
  private constructor(
    private connection: PostgresConnection,
    /** The PostgreSQL schema this storage uses. */
    readonly schema: string,
    opened: { start: bigint; epoch: bigint; alone: boolean },
    private readonly uri: string,
    private readonly log: StorageOptions['log'],
  ) {
    this.state = { connection, sql: new PostgresStatements(schema), oplogBytes: null, lastOplogTs: undefined, catalogVersion: 0 };
    this.alone = opened.alone;
    this.channel = changesChannel(schema);
    this.epoch = opened.epoch;
    this.changes = new CommitFedTail(opened.start);
    this.changes.kick = () => this.kick();
    this.tail = this.changes;
    this.changes.readCommitted = (after, limit) => this.read((r) => r.readOplog({ after, limit }));
    this.listener = new ChangeListener(uri, this.channel, (ts) => {
      if (ts === null || ts > this.changes.through) this.kick();
    }, log);
  }

  /** True when no other eddydb server had this database and schema open when this one opened it. */
  readonly alone: boolean;

  /** The jobs this server leads (true, until its session ends) or was refused (false, with when it last asked). */
  private readonly leases = new Map<string, { held: boolean; askedAt: number }>();

  /**
   * Whether this server runs `job` (see `Storage.lead`): the one holding the job's session advisory lock does. A
   * server's lock goes with its session (a crash, a lost connection), and another server's next ask takes it. A
   * refused server asks again at most every LEASE_RETRY_MS, so asking costs no statement most of the time.
   */
  async lead(job: string): Promise<boolean> {
    const known = this.leases.get(job);
    if (known?.held) return true;
    if (known && Date.now() - known.askedAt < LEASE_RETRY_MS) return false;
    const held = await this.turns.run(async () => {
      const result = await this.connection.query<{ held: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS held', [LEASE_LOCK_CLASS, `${this.schema}:${job}`]);
      return result.rows[0]!.held;
    });
    this.leases.set(job, { held, askedAt: Date.now() });
    return held;
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
      await upgradeSchema(connection.client, schema);
      const alone = await takeServerLock(connection, schema);
      // Under the write lock, so that no time given out is still uncommitted: the tail starts at the highest time the
      // clock gave out, or the database's current second when that is later. Every time given out from now on is
      // above both, as the sequence only grows and the clock follows the same wall clock.
      const sql = new PostgresStatements(schema);
      await connection.query('BEGIN');
      await connection.query(sql.lockWrites);
      const row = (await connection.query<{ start: bigint; epoch: bigint }>(
        `SELECT greatest(last_value, (SELECT max(ts) FROM ${schema}.changes), ` +
          `(floor(extract(epoch FROM clock_timestamp()))::bigint - 2147483648) << 32) AS start, ` +
          `(SELECT epoch FROM ${schema}.catalog_epoch) AS epoch FROM ${schema}.clock`,
      )).rows[0]!;
      await connection.query('COMMIT');
      return new PostgresStorage(connection, schema, { start: fromSqlTs(row.start), epoch: row.epoch, alone }, uri, options.log);
    } catch (err) {
      // Ending the session releases the server lock if it was taken.
      await connection.end();
      throw err;
    }
  }

  private readonly transactions: TransactionSteps<PostgresTransaction> = {
    begin: (writable) => {
      const connection = this.connection;
      // Written out, not awaited: the drain's statement follows them on the wire. A read is one snapshot.
      connection.begin(writable ? 'BEGIN' : 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      if (writable) connection.post(this.state.sql.lockWrites, []);
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
      // Transactional: PostgreSQL sends it to the listening servers once the COMMIT is visible, never for a rollback.
      const pending = handle.changes?.pending.changes;
      if (pending) this.connection.post(this.state.sql.notify, [this.channel, String(pending.last)]);
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
    return readTransaction(this.turns, this.transactions, async (handle) => {
      await this.drain(handle);
      return fn(handle);
    });
  }

  write<T>(fn: (writer: StorageWriter) => Promise<T>): Promise<WriteResult<T>> {
    return writeTransaction(this.turns, this.transactions, async (handle) => {
      await this.drain(handle);
      return fn(handle);
    });
  }

  /**
   * The first step of every transaction: reads, in the transaction's snapshot (for a write, under the write lock),
   * the catalog epoch and every change entry past the tail's position, and hands the entries to the tail as one
   * batch per read, in time order. They are other servers' commits: this server's own reached the tail as they
   * committed. A changed epoch makes the cached catalog entries stale.
   */
  private async drain(handle: PostgresTransaction): Promise<void> {
    this.kickQueued = false;
    for (;;) {
      const { epoch, truncatedThrough, rows } = await handle.readChangesPast(this.changes.through, DRAIN_ENTRIES);
      if (epoch !== this.epoch) {
        this.epoch = epoch;
        this.state.catalogVersion++;
      }
      if (rows.length === 0) return;
      // The cached totals describe this server's view: another server's appends (and trims) change them.
      this.state.oplogBytes = null;
      this.state.lastOplogTs = rows[rows.length - 1]!.ts;
      const pending = this.changes.begin();
      this.changes.record(pending, rows, undefined);
      // Another server trimmed past this one's position: entries it never received may be gone.
      if (truncatedThrough !== null && truncatedThrough > this.changes.through) pending.truncatedThrough = truncatedThrough;
      this.changes.commit(pending);
      if (rows.length < DRAIN_ENTRIES) return;
    }
  }

  /**
   * Queues a turn that reads what other servers committed (the turn's drain does the work), unless one is queued
   * already: a notification, the poll, or the contract's `kick()`.
   */
  private kick(): void {
    if (this.kickQueued || this.queue.closed) return;
    this.kickQueued = true;
    this.read(async () => undefined).catch(() => {
      // Unreachable or closing: the next poll or operation tries again.
      this.kickQueued = false;
    });
  }

  /**
   * Inside a queue turn: when the connection was lost (PostgreSQL restarted, failed over or cut it), opens a new one
   * and takes the server lock again. The turn's drain then hands the tail whatever committed since it last heard (a
   * write whose COMMIT was under way when the connection broke may have committed: its entries arrive there, in
   * order, before any later write's). While PostgreSQL stays unreachable every turn tries once and fails with `Unavailable`: a refused
   * connection fails at once; a host that does not answer at all costs the connect timeout.
   */
  private async reconnectIfLost(): Promise<void> {
    if (!this.connection.isLost) return;
    let connection: PostgresConnection | undefined;
    try {
      await this.connection.end();
      connection = await PostgresConnection.open(this.uri, this.log);
      await takeServerLock(connection, this.schema);
      // After a failover the database may be a standby that had not received the newest commits: its clock would
      // hand out times this server already delivered. Every time from now on must be above them.
      await connection.query('BEGIN');
      await connection.query(this.state.sql.lockWrites);
      await connection.query(this.state.sql.pushClock, [toSqlTs(this.changes.through)]);
      await connection.query('COMMIT');
    } catch (err) {
      await connection?.end();
      const failure = err instanceof StorageError ? err : new StorageError('Unavailable', `PostgreSQL is unreachable: ${(err as Error).message}`);
      if (failure !== err) (failure as { cause?: unknown }).cause = err;
      throw failure;
    }
    this.connection = connection;
    this.state.connection = connection;
    // The leases went with the old session.
    this.leases.clear();
    this.rolledBack();
    this.log?.({ msg: 'Reconnected to PostgreSQL', component: 'STORAGE', attr: { through: String(this.changes.through) } });
  }

  /** Nothing to do: PostgreSQL runs its own checkpoints. */
  checkpoint(): Promise<void> {
    return this.queue.run(async () => undefined);
  }

  close(): Promise<void> {
    return this.queue.close(async () => {
      await this.listener.close();
      // Ending the session would release the lock too; unlocking first says so to anyone who looks at pg_locks.
      await this.connection.query('SELECT pg_advisory_unlock_shared($1, hashtext($2))', [SERVER_LOCK_CLASS, this.schema]).catch(() => undefined);
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

/** How often a server that does not lead a job asks again whether it may. */
const LEASE_RETRY_MS = 1000;

/** Entries per statement when a transaction reads what other servers committed. */
const DRAIN_ENTRIES = 1000;

/**
 * Takes the server lock on `schema` shared, for the session's life (ending it releases the lock), and says whether
 * this server is the only one: true when the lock could be taken exclusively first.
 */
async function takeServerLock(connection: PostgresConnection, schema: string): Promise<boolean> {
  const alone = (await connection.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [SERVER_LOCK_CLASS, schema])).rows[0]!.locked;
  await connection.query('SELECT pg_advisory_lock_shared($1, hashtext($2))', [SERVER_LOCK_CLASS, schema]);
  if (alone) await connection.query('SELECT pg_advisory_unlock($1, hashtext($2))', [SERVER_LOCK_CLASS, schema]);
  return alone;
}

/**
 * Opens the PostgreSQL storage on the database `uri` names (`postgresql://user:password@host:port/database`),
 * creating or upgrading eddydb's schema there; other eddydb servers may have it open too. Rejects with a RangeError for `maxSizeBytes` (a quota is PostgreSQL's business) or a bad
 * schema name, and with the connection failure as cause when PostgreSQL cannot be reached. `synchronous` is ignored:
 * durability is PostgreSQL's `synchronous_commit`.
 */
export async function openPostgresStorage(uri: string, options?: PostgresStorageOptions): Promise<PostgresStorage> {
  return PostgresStorage.open(uri, options);
}
