import { mongoError } from '../errors/index.js';
import { noSuchTransaction } from '../engine/transactions/registry.js';
import type { CommandDefinition } from './support/context.js';
import { transactionArgs } from './support/transaction.js';

/** abortTransaction: discards the transaction's writes; nobody ever saw them. */
export const abortTransaction: CommandDefinition = {
  name: 'abortTransaction',
  adminOnly: true,
  async run(cmd, ctx) {
    const { session, txnNumber } = transactionArgs('abortTransaction', cmd);
    const registry = ctx.server.engine.transactions;
    const txn = registry.find(session, txnNumber);
    if (txn?.state === 'committed') throw mongoError('TransactionCommitted', `Transaction ${txnNumber} has been committed.`);
    if (!txn || txn.state !== 'inProgress') throw noSuchTransaction(txnNumber);
    registry.abort(txn);
    return {};
  },
};
