import type { Document } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import type { Engine } from '../engine.js';
import { snapshotView, Transaction } from './transaction.js';
import { VersionStore } from './version_store.js';

/** mongod's default transactionLifetimeLimitSeconds: a transaction open longer is aborted. */
export const DEFAULT_TRANSACTION_LIFETIME_SECONDS = 60;

/**
 * The transactions of an engine, one per session at most: the newest `txnNumber` each session used and its
 * transaction, open, committed or aborted (so that a retried commit answers as the first one did). Also owns the
 * version store the open transactions read their snapshots from.
 */
export class TransactionRegistry {
  readonly versions = new VersionStore();
  private readonly sessions = new Map<string, Transaction>();
  private readonly open = new Set<Transaction>();
  /** Aborts each open transaction when it outlives the lifetime limit, even if nobody touches it again. */
  private readonly timers = new Map<Transaction, ReturnType<typeof setTimeout>>();
  lifetimeLimitSeconds = DEFAULT_TRANSACTION_LIFETIME_SECONDS;
  /** Snapshot read times in use, each until when (ms): history after them is kept (mongod's snapshot window). */
  private readonly pins = new Map<bigint, number>();
  /** How long a snapshot read time stays readable after its last use (minSnapshotHistoryWindowInSeconds). */
  historyWindowMs = 300_000;
  /** Versions are complete for every commit after this time; null while nothing is recorded. */
  private historyFrom: bigint | null = null;
  /**
   * Past this many bytes of history, snapshot read times are given up (later reads at them are SnapshotTooOld) so
   * that one snapshot read cannot make a busy server keep minutes of before-images; open transactions keep theirs.
   */
  historyBudgetBytes = 64 * 1024 * 1024;

  constructor(private readonly engine: Engine) {}

  /**
   * True while a transaction is open or a snapshot read time is in use: writes then record before-images. Read inside
   * the storage queue; when nothing needs history any more, it is dropped here.
   */
  get capturing(): boolean {
    // Every write asks: with nothing open and no history kept, the answer costs no clock read.
    if (this.open.size === 0 && this.pins.size === 0 && this.historyFrom === null) return false;
    const now = Date.now();
    let expired = false;
    for (const [ts, until] of this.pins) {
      if (until < now) {
        this.pins.delete(ts);
        expired = true;
      }
    }
    if (this.versions.bytes > this.historyBudgetBytes && this.pins.size > 0) {
      this.pins.clear();
      expired = true;
    }
    if (expired) this.pruneHistory();
    const needed = this.open.size > 0 || this.pins.size > 0;
    if (!needed && this.historyFrom !== null) {
      this.versions.prune(null);
      this.historyFrom = null;
    }
    return needed;
  }

  /** Marks the start of history: called inside the storage queue by whatever makes capturing start. */
  private startHistory(): void {
    if (!this.capturing) this.historyFrom = this.engine.committedTs;
  }

  /**
   * The engine as a snapshot read sees it (readConcern `snapshot` outside a transaction): the store as of
   * `atClusterTime`, or of the newest committed time when absent. The time stays readable for the history window
   * after this use. A time older than the kept history is SnapshotTooOld (239), as in mongod.
   */
  async snapshotRead(atClusterTime: bigint | undefined): Promise<{ engine: Engine; ts: bigint }> {
    let ts = 0n;
    await this.engine.storage.read(async () => {
      const committed = this.engine.committedTs;
      ts = atClusterTime === undefined || atClusterTime > committed ? committed : atClusterTime;
      if (ts < committed && (this.historyFrom === null || !this.capturing || ts < this.historyFrom)) {
        throw mongoError('SnapshotTooOld', `Read timestamp ${ts >> 32n}:${ts & 0xffffffffn} is older than the oldest available timestamp.`);
      }
      this.startHistory();
      this.pins.set(ts, Date.now() + this.historyWindowMs);
    });
    return { engine: snapshotView(this.engine, this.versions, ts), ts };
  }

  /**
   * Starts transaction `txnNumber` of `session` (a command with `startTransaction: true`). Its snapshot is the newest
   * committed time, taken in the storage queue so that every later write records its versions for it. A session's
   * earlier transaction still open is aborted, as mongod does; an older or reused number is refused.
   */
  async begin(session: string, lsid: Document, txnNumber: bigint): Promise<Transaction> {
    this.expire();
    const current = this.sessions.get(session);
    if (current && txnNumber < current.txnNumber) {
      throw mongoError('TransactionTooOld', `Cannot start transaction ${txnNumber} on session ${session} because a newer transaction ${current.txnNumber} has already started.`);
    }
    if (current && txnNumber === current.txnNumber) {
      throw mongoError('ConflictingOperationInProgress', `Given transaction number ${txnNumber} does not match any in-progress transactions. The active transaction number is ${current.txnNumber}`);
    }
    if (current) this.end(current, 'aborted');
    let txn: Transaction | undefined;
    await this.engine.storage.read(async () => {
      this.startHistory();
      txn = new Transaction(this.engine, this.versions, session, lsid, txnNumber, this.engine.committedTs, (self, uuid, hex) => this.writtenByOthers(self, uuid, hex));
      this.open.add(txn);
    });
    this.sessions.set(session, txn!);
    const timer = setTimeout(() => this.end(txn!, 'aborted'), this.lifetimeLimitSeconds * 1000);
    timer.unref();
    this.timers.set(txn!, timer);
    return txn!;
  }

  /**
   * The transaction a command continues (`autocommit: false` without `startTransaction`), or NoSuchTransaction (251)
   * when the session has no open transaction with that number.
   */
  active(session: string, txnNumber: bigint): Transaction {
    this.expire();
    const txn = this.sessions.get(session);
    if (txn && txnNumber < txn.txnNumber) {
      throw mongoError('TransactionTooOld', `Cannot continue transaction ${txnNumber} on session ${session} because a newer transaction ${txn.txnNumber} has already started.`);
    }
    if (!txn || txn.txnNumber !== txnNumber || txn.state !== 'inProgress') {
      throw noSuchTransaction(txnNumber);
    }
    return txn;
  }

  /** The session's transaction `txnNumber`, whatever its state, or undefined (commitTransaction, abortTransaction). */
  find(session: string, txnNumber: bigint): Transaction | undefined {
    this.expire();
    const txn = this.sessions.get(session);
    return txn && txn.txnNumber === txnNumber ? txn : undefined;
  }

  /** Commits `txn` (see Transaction.commit); it ends committed, or aborted when the commit fails. */
  async commit(txn: Transaction): Promise<void> {
    try {
      await txn.commit();
      this.end(txn, 'committed');
    } catch (err) {
      this.end(txn, 'aborted');
      throw err;
    }
  }

  abort(txn: Transaction): void {
    if (txn.state === 'inProgress') this.end(txn, 'aborted');
  }

  /** Forgets a session's transaction (endSessions, killSessions), aborting it if open. */
  forget(session: string): void {
    const txn = this.sessions.get(session);
    if (!txn) return;
    this.abort(txn);
    this.sessions.delete(session);
  }

  private end(txn: Transaction, state: 'committed' | 'aborted'): void {
    if (!this.open.has(txn)) return;
    if (state === 'aborted') txn.abort();
    txn.release();
    this.open.delete(txn);
    clearTimeout(this.timers.get(txn));
    this.timers.delete(txn);
    this.pruneHistory();
  }

  /**
   * Drops the versions no open transaction and no snapshot read time needs; history then starts at the oldest one
   * still needed. With nothing left that needs history, `capturing` drops it all at the next write.
   */
  private pruneHistory(): void {
    let oldest: bigint | null = null;
    for (const t of this.open) if (oldest === null || t.snapshot < oldest) oldest = t.snapshot;
    for (const ts of this.pins.keys()) if (oldest === null || ts < oldest) oldest = ts;
    if (oldest === null) return;
    this.versions.prune(oldest);
    if (this.historyFrom !== null && oldest > this.historyFrom) this.historyFrom = oldest;
  }

  /** Aborts transactions open longer than the lifetime limit (mongod's transactionLifetimeLimitSeconds). */
  private expire(now = Date.now()): void {
    for (const txn of this.open) if (now - txn.startedAt > this.lifetimeLimitSeconds * 1000) this.end(txn, 'aborted');
  }

  /** The transactions in progress, oldest first (`$currentOp` lists those no command is using as idle sessions). */
  inProgress(): Transaction[] {
    return [...this.open];
  }

  /** Aborts the open transactions `which` selects (killSessions); their sessions stay usable. */
  abortWhere(which: (txn: Transaction) => boolean): void {
    for (const txn of [...this.open]) if (which(txn)) this.end(txn, 'aborted');
  }

  /** Aborts every open transaction (the engine is closing). */
  abortAll(): void {
    for (const txn of [...this.open]) this.end(txn, 'aborted');
  }

  private writtenByOthers(self: Transaction, uuid: string, keyHex: string): boolean {
    for (const txn of this.open) if (txn !== self && txn.wrote(uuid, keyHex)) return true;
    return false;
  }
}

/** NoSuchTransaction (251): the session has no open transaction with that number (it ended, or never began). */
export function noSuchTransaction(txnNumber: bigint) {
  return mongoError('NoSuchTransaction', `Transaction with { txnNumber: ${txnNumber} } has been aborted.`);
}
