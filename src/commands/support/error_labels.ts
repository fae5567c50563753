import type { Document } from '../../bson/index.js';
import { ErrorCodes, nonResumableChangeStreamCodes, resumableChangeStreamCodes, retryableErrorCodes } from '../../errors/index.js';
import { isRetryableWrite } from './retryable_write.js';

/** Snapshot errors and NeedRetargettingError codes (error_codes.yml): a transaction failing with one may be rerun. */
const SNAPSHOT_OR_RETARGET = new Set([239, 246, 250, 272, 150, 13388]);
/** WriteConflict, LockTimeout, PreparedTransactionInProgress and the sharding codes mongod always calls transient. */
const ALWAYS_TRANSIENT = new Set([ErrorCodes.WriteConflict, 24, 267, 343, 249]);

function isCommitOrAbort(name: string): boolean {
  return name === 'commitTransaction' || name === 'abortTransaction';
}

/** mongod's isTransientTransactionError: the whole transaction may be run again, nothing of it having persisted. */
function isTransient(name: string, code: number, hasWriteConcernError: boolean): boolean {
  if (ALWAYS_TRANSIENT.has(code) || SNAPSHOT_OR_RETARGET.has(code)) return true;
  if (isCommitOrAbort(name)) return code === ErrorCodes.NoSuchTransaction && !hasWriteConcernError;
  return retryableErrorCodes.has(code) || code === ErrorCodes.NoSuchTransaction;
}

/**
 * The labels mongod puts on a failed command (error_labels.cpp): TransientTransactionError inside a transaction,
 * else RetryableWriteError for a retryable write (or a transaction's commit or abort) failing with a retryable code,
 * else the change-stream labels. `code` is the command's error, `wcCode` its writeConcernError's; either may be absent.
 */
export function errorLabels(name: string, cmd: Document, code: number | undefined, wcCode: number | undefined, changeStream: boolean): string[] {
  const inTransaction = cmd.txnNumber !== undefined && cmd.autocommit !== undefined;
  if (inTransaction && code !== undefined && isTransient(name, code, wcCode !== undefined)) return ['TransientTransactionError'];
  if (isRetryableWrite(name, cmd) || (inTransaction && isCommitOrAbort(name))) {
    if ((code !== undefined && retryableErrorCodes.has(code)) || (wcCode !== undefined && retryableErrorCodes.has(wcCode))) return ['RetryableWriteError'];
  }
  if (code === undefined) return [];
  if (changeStream && wcCode === undefined && resumableChangeStreamCodes.has(code)) return ['ResumableChangeStreamError'];
  if (nonResumableChangeStreamCodes.has(code)) return ['NonResumableChangeStreamError'];
  return [];
}
