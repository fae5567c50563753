import { bsonTypeOf, isDocument, toBigInt, type Document } from '../../bson/index.js';
import { MongoServerError, wrongTypeError } from '../../errors/index.js';
import { sessionKey, type RetryableWrite } from '../../engine/retryable_writes.js';
import type { CommandContext } from './context.js';

/** The commands a driver retries (the retryable-writes specification's list), when sent with a txnNumber. */
const RETRYABLE_WRITE_COMMANDS: ReadonlySet<string> = new Set(['insert', 'update', 'delete', 'findAndModify', 'findandmodify', 'bulkWrite']);

/** True when `cmd` is a retryable write: a write command with `lsid` and `txnNumber`, outside a transaction. */
export function isRetryableWrite(name: string, cmd: Document): boolean {
  return RETRYABLE_WRITE_COMMANDS.has(name) && isDocument(cmd.lsid) && cmd.txnNumber !== undefined && cmd.autocommit === undefined;
}

/**
 * The onPrimaryTransactionalWrite fail point threw it: the command is abandoned before its commit. Not a
 * MongoServerError, so that no statement turns it into a write error and keeps its own effects.
 */
export class FailedBeforeCommit extends Error {
  constructor(readonly code: number, session: string) {
    super(`Failing write for ${session} due to failpoint onPrimaryTransactionalWrite`);
  }

  /** The error the client sees when the connection stays open. */
  toServerError(): MongoServerError {
    return new MongoServerError(this.code, this.message);
  }
}

/** The retryable write a command runs as, or undefined when it is not one. */
export function retryableWriteOf(name: string, cmd: Document, ctx: CommandContext): RetryableWrite | undefined {
  if (!isRetryableWrite(name, cmd)) return undefined;
  const txnNumber = bsonTypeOf(cmd.txnNumber) === 'long' || bsonTypeOf(cmd.txnNumber) === 'int' ? toBigInt(cmd.txnNumber) : null;
  if (txnNumber === null) throw wrongTypeError(`${name}.txnNumber`, bsonTypeOf(cmd.txnNumber), 'long');
  const session = sessionKey(cmd.lsid as Document);
  const write: RetryableWrite = { session, txnNumber };
  if (ctx.server.options.enableTestCommands) write.afterStatement = () => onPrimaryTransactionalWrite(ctx, session);
  return write;
}

/**
 * mongod's onPrimaryTransactionalWrite fail point, checked after each statement of a retryable write: it closes the
 * connection (unless `closeConnection: false`), so the client never sees the reply of a write that still commits,
 * and with `failBeforeCommitExceptionCode` it also fails the write before it commits.
 */
function onPrimaryTransactionalWrite(ctx: CommandContext, session: string): void {
  const data = ctx.server.failPoints.trigger('onPrimaryTransactionalWrite', () => true);
  if (!data) return;
  if (data.closeConnection !== false) ctx.closeConnection = true;
  if (data.failBeforeCommitExceptionCode !== undefined) throw new FailedBeforeCommit(Number(data.failBeforeCommitExceptionCode), session);
}
