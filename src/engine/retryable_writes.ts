import { Binary, deserialize, isDocument, Long, serialize, toBigInt, type Document } from '../bson/index.js';
import { mongoError } from '../errors/index.js';
import type { StorageReader } from '../storage/types.js';
import type { WriteContext } from './engine.js';

/**
 * Retryable writes (https://www.mongodb.com/docs/manual/core/retryable-writes/): a driver sends each write of a
 * session with a `txnNumber`, and after a network error or a retryable error it sends the very same command again.
 * The server must not apply a statement twice: like mongod's `config.transactions`, it remembers per session the
 * newest `txnNumber` and what each statement of it did, and answers a retried statement with that result.
 *
 * The record is stored in the same storage transaction as the writes it describes (a meta row per session), so it
 * survives restarts and is never ahead of or behind the data: a statement is recorded if and only if it committed.
 */

/** A retryable write: which session it runs in and its number there. */
export interface RetryableWrite {
  /** The session's identity (`lsid`), as a stable string. */
  session: string;
  txnNumber: bigint;
  /** The statement id of the first statement handed to the engine (the client bulkWrite runs its operations in parts). */
  firstStmtId?: number;
  /**
   * Called after each statement is written and before the commit: the onPrimaryTransactionalWrite fail point. It may
   * throw to abandon the whole command (nothing of it commits).
   */
  afterStatement?: () => void;
}

const META_PREFIX = 'config.transactions:';

/**
 * The session of a command's `lsid`, as {@link RetryableWrite.session} names it: the session UUID as mongod prints it
 * (drivers send `{id: UUID}`), or the hex of whatever else the id is.
 */
export function sessionKey(lsid: Document): string {
  const id = lsid.id;
  if (id instanceof Binary && id.sub_type === Binary.SUBTYPE_UUID && id.length() === 16) {
    const hex = Buffer.from(id.buffer).toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  return Buffer.from(serialize({ id })).toString('hex');
}

/**
 * What one retryable write did so far, loaded inside its write transaction. Statements are numbered by their index
 * in the command (mongod's stmtId). A statement that failed is not recorded: a retry runs it again.
 */
export class RetryableWriteRecord {
  /** Results by statement; null for a statement whose result is implied (an insert). */
  private readonly results: Map<number, Document | null>;
  private changed = false;
  /** Statements of this command answered from the record, in order (the reply's `retriedStmtIds`). */
  readonly retried: number[] = [];
  /** True when this write ran before (the command is a retry): some of its statements may be done. */
  readonly isRetry: boolean;

  private constructor(private readonly write: RetryableWrite, results: Map<number, Document | null>) {
    this.results = results;
    this.isRetry = results.size > 0;
  }

  /**
   * Loads the session's record for `write`: its results when the session's newest write is this one, an empty record
   * when `write` is newer. An older `txnNumber` is TransactionTooOld (225), as in mongod.
   */
  static async load(ctx: WriteContext, write: RetryableWrite): Promise<RetryableWriteRecord> {
    const saved = await ctx.writer.getMeta({ key: META_PREFIX + write.session });
    if (saved === null) return new RetryableWriteRecord(write, new Map());
    const doc = deserialize(Buffer.from(saved, 'base64'), { promoteValues: false }) as Document;
    const stored = toBigInt(doc.txnNumber) ?? -1n;
    if (stored > write.txnNumber) {
      throw mongoError(
        'TransactionTooOld',
        `Retryable write with txnNumber ${write.txnNumber} is prohibited on session ${write.session} because a newer retryable write with txnNumber ${stored} has already started on this session.`,
      );
    }
    return new RetryableWriteRecord(write, stored === write.txnNumber ? decodeResults(doc) : new Map());
  }

  /**
   * The recorded result of the statement at `index` of the engine's statements (null for an insert), or undefined
   * when it has not run. Notes a retry.
   */
  prior(index: number): Document | null | undefined {
    const stmtId = index + (this.write.firstStmtId ?? 0);
    if (!this.results.has(stmtId)) return undefined;
    this.retried.push(stmtId);
    return this.results.get(stmtId)!;
  }

  /** Records that the statement at `index` ran with `result`, after the fail point had its say. */
  done(index: number, result: Document | null): void {
    this.write.afterStatement?.();
    this.results.set(index + (this.write.firstStmtId ?? 0), result);
    this.changed = true;
  }

  /** Writes the record in the command's transaction, when this command ran a statement. */
  async save(ctx: WriteContext): Promise<void> {
    if (!this.changed) return;
    const ranges: number[] = [];
    const results: Document[] = [];
    for (const id of [...this.results.keys()].sort((a, b) => a - b)) {
      const result = this.results.get(id)!;
      if (result !== null) results.push({ s: id, r: result });
      else if (ranges.length > 0 && ranges[ranges.length - 1] === id) ranges[ranges.length - 1] = id + 1;
      else ranges.push(id, id + 1);
    }
    const doc = { txnNumber: Long.fromBigInt(this.write.txnNumber), ranges, results };
    await ctx.writer.setMeta({ key: META_PREFIX + this.write.session, value: Buffer.from(serialize(doc)).toString('base64') });
  }
}

/**
 * Records, in a transaction's commit, that transaction `txnNumber` of `session` committed: the session's record
 * then belongs to it (an older retryable write is TransactionTooOld), and a `commitTransaction` retried where the
 * transaction is not open (another server, after a network error) is answered from it, as mongod answers from
 * `config.transactions`.
 */
export async function recordCommittedTransaction(ctx: WriteContext, session: string, txnNumber: bigint): Promise<void> {
  const doc = { txnNumber: Long.fromBigInt(txnNumber), ranges: [], results: [], committed: true };
  await ctx.writer.setMeta({ key: META_PREFIX + session, value: Buffer.from(serialize(doc)).toString('base64') });
}

/** True when the session's record says transaction `txnNumber` committed (see recordCommittedTransaction). */
export async function transactionCommitted(reader: StorageReader, session: string, txnNumber: bigint): Promise<boolean> {
  const saved = await reader.getMeta({ key: META_PREFIX + session });
  if (saved === null) return false;
  const doc = deserialize(Buffer.from(saved, 'base64'), { promoteValues: false }) as Document;
  return doc.committed === true && toBigInt(doc.txnNumber) === txnNumber;
}

/** Inserts are kept as ranges of statement ids (`[start, end)` pairs), others as `{s: stmtId, r: result}`. */
function decodeResults(doc: Document): Map<number, Document | null> {
  const results = new Map<number, Document | null>();
  const ranges = Array.isArray(doc.ranges) ? doc.ranges.map((v) => Number(toBigInt(v))) : [];
  for (let i = 0; i + 1 < ranges.length; i += 2) for (let id = ranges[i]!; id < ranges[i + 1]!; id++) results.set(id, null);
  for (const entry of Array.isArray(doc.results) ? doc.results : []) {
    if (isDocument(entry) && isDocument(entry.r)) results.set(Number(toBigInt(entry.s)), entry.r);
  }
  return results;
}
