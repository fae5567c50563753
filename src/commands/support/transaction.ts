import { bsonTypeOf, isDocument, toBigInt, type Document } from '../../bson/index.js';
import { mongoError, wrongTypeError } from '../../errors/index.js';
import { sessionKey } from '../../engine/retryable_writes.js';
import type { Transaction } from '../../engine/transactions/transaction.js';
import type { CommandContext } from './context.js';

/** Commands a transaction may run (mongod's list); any other is OperationNotSupportedInTransaction (263). */
const ALLOWED_IN_TRANSACTION: ReadonlySet<string> = new Set([
  'abortTransaction', 'aggregate', 'bulkWrite', 'commitTransaction', 'create', 'createIndexes', 'delete', 'distinct',
  'find', 'findAndModify', 'findandmodify', 'getMore', 'insert', 'killCursors', 'update',
]);

/** True when the command belongs to a multi-document transaction (it carries `autocommit` or `startTransaction`). */
export function isInTransaction(cmd: Document): boolean {
  return cmd.autocommit !== undefined || cmd.startTransaction !== undefined;
}

/** The session and number of a transaction command, checked as mongod checks them. */
export function transactionArgs(name: string, cmd: Document): { session: string; lsid: Document; txnNumber: bigint } {
  if (cmd.autocommit !== false) {
    if (cmd.autocommit === true) throw mongoError('InvalidOptions', 'Specifying autocommit=true is not allowed.');
    throw wrongTypeError(`${name}.autocommit`, bsonTypeOf(cmd.autocommit), 'bool');
  }
  if (!isDocument(cmd.lsid)) throw mongoError('InvalidOptions', 'Transaction requires a session ID');
  const txnNumber = bsonTypeOf(cmd.txnNumber) === 'long' || bsonTypeOf(cmd.txnNumber) === 'int' ? toBigInt(cmd.txnNumber) : null;
  if (txnNumber === null) throw mongoError('InvalidOptions', "'autocommit' field requires a transaction number to also be specified");
  return { session: sessionKey(cmd.lsid), lsid: cmd.lsid, txnNumber };
}

/**
 * Puts a command of a transaction on the transaction's view of the engine: it starts the transaction
 * (`startTransaction: true`) or continues the open one. commitTransaction and abortTransaction find their
 * transaction themselves (they must also answer for one that already ended). Returns the transaction, if any.
 */
export async function enterTransaction(name: string, cmd: Document, ctx: CommandContext): Promise<Transaction | undefined> {
  const { session, lsid, txnNumber } = transactionArgs(name, cmd);
  if (!ALLOWED_IN_TRANSACTION.has(name)) {
    throw mongoError('OperationNotSupportedInTransaction', `Cannot run '${name}' in a multi-document transaction.`);
  }
  if (name === 'commitTransaction' || name === 'abortTransaction') return undefined;
  if (cmd.writeConcern !== undefined) throw mongoError('InvalidOptions', 'Cannot set write concern after starting a transaction.');
  const registry = ctx.server.engine.transactions;
  let txn: Transaction;
  if (cmd.startTransaction !== undefined) {
    if (cmd.startTransaction !== true) throw mongoError('InvalidOptions', 'Specifying startTransaction=false is not allowed.');
    txn = await registry.begin(session, lsid, txnNumber);
  } else {
    if (cmd.readConcern !== undefined) throw mongoError('InvalidOptions', 'Only the first command in a transaction may specify a readConcern');
    txn = registry.active(session, txnNumber);
  }
  ctx.engine = txn.engine;
  return txn;
}
