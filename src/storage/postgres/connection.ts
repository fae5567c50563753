/**
 * The one PostgreSQL connection of a storage: every statement of its queue goes through `query`, which prepares each
 * distinct text once and turns a failure into what the contract reports.
 *
 * The client runs in node-postgres' pipeline mode: a statement is written out at once, behind any still unanswered,
 * and PostgreSQL answers them in order. `send` uses that for the statements nobody waits for (BEGIN, a read's
 * COMMIT, a ROLLBACK): the next statement of the queue follows them on the wire, so they cost no round trip of their
 * own.
 */
import pg from 'pg';
import { StorageError } from '../types.js';
import type { StorageEventLog } from '../types.js';
import { connectWritable } from './hosts.js';

/** PostgreSQL's int8 as a bigint (times, counts, natural positions); node-postgres hands out text otherwise. */
const INT8_OID = 20;
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (text: string) => BigInt(text) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** How long opening a connection may take before the open fails. */
const CONNECT_TIMEOUT_MS = 10_000;

/** PostgreSQL's SQLSTATE for a full disk (class 53, insufficient resources). */
const DISK_FULL = '53100';

export class PostgresConnection {
  /**
   * The first failure of a statement since the last BEGIN, or null: PostgreSQL then refuses every later statement of
   * the transaction, and COMMIT rolls it back. A handle refuses to go on (postgres_transaction.ts).
   */
  failure: Error | null = null;
  /** Counts transactions: a posted statement's failure belongs to the one it was sent in (see `begin`). */
  private transaction = 0;
  /** Why the connection broke, once it did: every later statement fails. */
  private lost: Error | null = null;
  private readonly names = new Map<string, string>();

  private constructor(
    readonly client: pg.Client,
    log: StorageEventLog | undefined,
  ) {
    // Without a listener an ended connection's 'error' event would end the process.
    client.on('error', (err: Error) => this.lose(err));
    client.on('end', () => {
      if (!this.ending) this.lose(new Error('the connection ended'));
    });
    this.log = log;
  }

  private readonly log: StorageEventLog | undefined;
  /** Set by `end()`: the connection's end is this side's doing, not a loss. */
  private ending = false;

  /** True once the connection broke: the storage opens a new one before its next transaction. */
  get isLost(): boolean {
    return this.lost !== null;
  }

  private lose(err: Error): void {
    if (this.lost || this.ending) return;
    this.lost = err;
    this.log?.({ msg: 'Lost the connection to PostgreSQL', component: 'STORAGE', attr: { error: err.message } });
  }

  /**
   * Connects to `uri`, or to the first of its hosts that accepts writes when it lists several (hosts.ts); rejects
   * with the connection failure as cause.
   */
  static async open(uri: string, log: StorageEventLog | undefined): Promise<PostgresConnection> {
    let client: pg.Client;
    try {
      client = await connectWritable(uri, {
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        // A peer that vanished without closing the socket is noticed by the operating system, not never.
        keepAlive: true,
        pipeline: true,
        application_name: 'eddydb',
        types: TYPES,
      });
    } catch (err) {
      throw err instanceof StorageError ? err : postgresFailure(err, null);
    }
    return new PostgresConnection(client, log);
  }

  /** The database this connection is on (for messages). */
  get database(): string {
    return this.client.database ?? '';
  }

  /**
   * Runs one statement and waits for its answer. Every text is prepared on its first use, the transaction control
   * statements too: a Bind and an Execute cost PostgreSQL less than parsing a simple query each time.
   */
  async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    const transaction = this.transaction;
    try {
      return await this.client.query<R>({ name: this.nameOf(text), text, values });
    } catch (err) {
      if (isConnectionFailure(err)) this.lose(err as Error);
      throw transaction === this.transaction ? this.failed(err) : postgresFailure(err, this.lost);
    }
  }

  /**
   * Writes a statement of a write transaction out without waiting for its answer, for the writes whose outcome the
   * contract does not report (removing an entry, a non-unique index entry, a meta row): the statements after it
   * follow it on the wire, so they see its effect, and a failure is noted when its answer arrives, before the answer
   * of any later statement. The handle then refuses to go on, and COMMIT reports the rollback.
   */
  post(text: string, values: unknown[]): void {
    const transaction = this.transaction;
    this.client.query({ name: this.nameOf(text), text, values }).catch((err: unknown) => {
      if (isConnectionFailure(err)) this.lose(err as Error);
      // A rolled-back transaction's answers may arrive once the next one began: they are not its failures.
      if (transaction === this.transaction) this.failed(err);
    });
  }

  /** Starts a transaction: BEGIN (or `text`) is written out, not waited for, and the failure of the last is forgotten. */
  begin(text: string): void {
    this.transaction++;
    this.failure = null;
    this.send(text);
  }

  /** An error to report for a failed statement; the first one of a transaction is kept as `failure`. */
  private failed(err: unknown): Error {
    if (this.failure) return abortedTransaction(this.failure);
    this.failure = postgresFailure(err, this.lost);
    return this.failure;
  }

  /**
   * Writes a statement out without waiting for its answer (see the top of this file). A failure is not reported
   * here: on a broken connection the next statement fails too, and says why.
   */
  send(text: string): void {
    this.client.query({ name: this.nameOf(text), text }).catch(() => undefined);
  }

  /** The name `text` is prepared under on this connection. */
  private nameOf(text: string): string {
    let name = this.names.get(text);
    if (name === undefined) {
      name = `eddydb_${this.names.size + 1}`;
      this.names.set(text, name);
    }
    return name;
  }

  /** Ends the connection once the statements already written out are answered; never rejects. */
  async end(): Promise<void> {
    this.ending = true;
    await this.client.end().catch(() => undefined);
  }
}

/**
 * The failure of a statement sent after an earlier one of its transaction failed (`earlier`): of the same storage
 * kind when the earlier one has one (a lost connection stays Unavailable, which clients may retry).
 */
export function abortedTransaction(earlier: Error): Error {
  const message = `the transaction was aborted by PostgreSQL after an earlier failure: ${earlier.message}`;
  if (!(earlier instanceof StorageError)) return new Error(message, { cause: earlier });
  const failure = new StorageError(earlier.kind, message);
  (failure as { cause?: unknown }).cause = earlier;
  return failure;
}

/** SQLSTATEs of a server going away or refusing sessions: shutting down, crashed, starting up (57P01-57P03). */
const GOING_AWAY = new Set(['57P01', '57P02', '57P03']);
/** Socket errors of a connection that cannot be made or was cut. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * True for a failure that is about the connection, not the statement: class 08 (connection exception), a server
 * going away, a socket error, or node-postgres' own words for a connection that ended or broke.
 */
export function isConnectionFailure(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && (code.startsWith('08') || GOING_AWAY.has(code) || SOCKET_CODES.has(code))) return true;
  const message = err instanceof Error ? err.message : '';
  return /Connection terminated|not queryable|timeout expired|connection error/i.test(message);
}

/**
 * A PostgreSQL or connection failure as the storage reports it: a full disk is `OutOfDiskSpace`, a lost or refused
 * connection `Unavailable`, anything else an Error naming PostgreSQL with the driver's error as `cause` (the engine
 * reports it as InternalError).
 */
export function postgresFailure(err: unknown, lost: Error | null): Error {
  const message = err instanceof Error ? err.message : String(err);
  if ((err as { code?: unknown })?.code === DISK_FULL) {
    const failure = new StorageError('OutOfDiskSpace', `PostgreSQL has no space left: ${message}`);
    (failure as { cause?: unknown }).cause = err;
    return failure;
  }
  if (lost || isConnectionFailure(err)) {
    const why = lost && lost !== err ? ` (the connection was lost: ${lost.message})` : '';
    const failure = new StorageError('Unavailable', `PostgreSQL is unreachable: ${message}${why}`);
    (failure as { cause?: unknown }).cause = err;
    return failure;
  }
  return new Error(`PostgreSQL: ${message}`, { cause: err });
}
