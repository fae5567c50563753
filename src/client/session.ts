import { Long, UUID, type Document } from '../bson/index.js';
import { MongoServerError } from '../errors/index.js';

/** Options of a transaction, as the Node driver takes them. */
export interface TransactionOptions {
  readConcern?: Document | { level: string };
  writeConcern?: Document;
}

/** How long withTransaction() keeps retrying, as the drivers' convenient API does. */
const WITH_TRANSACTION_TIMEOUT_MS = 120_000;

type TransactionState = 'none' | 'starting' | 'inProgress' | 'committed' | 'committedEmpty' | 'aborted';

/**
 * A logical session, as `client.startSession()` returns it. Commands run with it carry its `lsid`; cursors opened
 * in it end with it. One engine with serialised storage makes every read causally consistent with the session's
 * earlier writes, so no extra waiting is needed.
 *
 * It runs multi-document transactions as the Node driver's session does (the driver specification's state machine):
 * `startTransaction()`, then operations with `{ session }`, then `commitTransaction()` or `abortTransaction()`; or
 * `withTransaction(fn)`, which retries on TransientTransactionError.
 */
export class ClientSession {
  readonly id: { id: UUID };
  private ended = false;
  private txnNumber = 0;
  private state: TransactionState = 'none';
  private options: TransactionOptions = {};

  constructor(
    private readonly onEnd: (lsid: Document) => Promise<void>,
    /** Runs an admin command in this session (commitTransaction, abortTransaction). */
    private readonly runAdmin: (command: Document, session: ClientSession) => Promise<Document>,
  ) {
    this.id = { id: new UUID() };
  }

  get hasEnded(): boolean {
    return this.ended;
  }

  /** True between startTransaction() and its commit or abort. */
  inTransaction(): boolean {
    return this.state === 'starting' || this.state === 'inProgress';
  }

  startTransaction(options: TransactionOptions = {}): void {
    if (this.inTransaction()) throw new Error('Transaction already in progress');
    this.txnNumber++;
    this.state = 'starting';
    this.options = options;
  }

  /**
   * @internal Adds the transaction's fields to a command run in this session: `txnNumber` and `autocommit: false`,
   * and on the first command `startTransaction: true` with the transaction's read concern.
   */
  applyTransaction(cmd: Document): void {
    if (!this.inTransaction()) return;
    cmd.txnNumber = Long.fromNumber(this.txnNumber);
    cmd.autocommit = false;
    if (this.state === 'starting') {
      cmd.startTransaction = true;
      if (this.options.readConcern) cmd.readConcern = this.options.readConcern;
      this.state = 'inProgress';
    }
  }

  async commitTransaction(): Promise<void> {
    if (this.state === 'none') throw new Error('No transaction started');
    if (this.state === 'aborted') throw new Error('Cannot call commitTransaction after calling abortTransaction');
    if (this.state === 'starting' || this.state === 'committedEmpty') {
      // Nothing was sent in the transaction: there is nothing to commit.
      this.state = 'committedEmpty';
      return;
    }
    await this.endTransaction('commitTransaction');
    this.state = 'committed';
  }

  async abortTransaction(): Promise<void> {
    if (this.state === 'none') throw new Error('No transaction started');
    if (this.state === 'committed' || this.state === 'committedEmpty') throw new Error('Cannot call abortTransaction after calling commitTransaction');
    if (this.state === 'aborted') throw new Error('Cannot call abortTransaction twice');
    const sent = this.state === 'inProgress';
    this.state = 'aborted';
    // An abort that fails changes nothing for the caller: the transaction is over either way.
    if (sent) await this.endTransaction('abortTransaction').catch(() => undefined);
  }

  /**
   * Runs `fn` in a transaction and commits it, starting over while the failure is a TransientTransactionError
   * (a write conflict, say) and less than two minutes have passed. Returns what `fn` returned.
   */
  async withTransaction<T>(fn: (session: ClientSession) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const started = Date.now();
    for (;;) {
      this.startTransaction(options);
      let result: T;
      try {
        result = await fn(this);
      } catch (err) {
        if (this.inTransaction()) await this.abortTransaction();
        if (hasLabel(err, 'TransientTransactionError') && Date.now() - started < WITH_TRANSACTION_TIMEOUT_MS) continue;
        throw err;
      }
      if (!this.inTransaction()) return result; // fn committed or aborted itself
      try {
        await this.commitTransaction();
        return result;
      } catch (err) {
        if (hasLabel(err, 'TransientTransactionError') && Date.now() - started < WITH_TRANSACTION_TIMEOUT_MS) continue;
        throw err;
      }
    }
  }

  private async endTransaction(name: 'commitTransaction' | 'abortTransaction'): Promise<void> {
    const command: Document = { [name]: 1, txnNumber: Long.fromNumber(this.txnNumber), autocommit: false };
    if (this.options.writeConcern) command.writeConcern = this.options.writeConcern;
    await this.runAdmin(command, this);
  }

  async endSession(): Promise<void> {
    if (this.ended) return;
    if (this.state === 'inProgress') await this.abortTransaction();
    this.ended = true;
    await this.onEnd(this.id);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.endSession();
  }
}

function hasLabel(err: unknown, label: string): boolean {
  return err instanceof MongoServerError && err.hasErrorLabel(label);
}
