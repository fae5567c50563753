import { TransactionConflict } from '../engine/transactions/snapshot_view.js';
import { noSuchTransaction } from '../engine/transactions/registry.js';
import type { CommandDefinition } from './support/context.js';
import { transactionArgs } from './support/transaction.js';
import { transactionCommitted } from '../engine/retryable_writes.js';

/**
 * commitTransaction: applies the transaction's writes and their change events at once. A commit sent again after
 * it succeeded succeeds again (drivers retry commits, through another server too); a transaction that was aborted is
 * NoSuchTransaction (251).
 */
export const commitTransaction: CommandDefinition = {
  name: 'commitTransaction',
  adminOnly: true,
  async run(cmd, ctx) {
    const { session, txnNumber } = transactionArgs('commitTransaction', cmd);
    const registry = ctx.server.engine.transactions;
    const txn = registry.find(session, txnNumber);
    if (txn?.state === 'committed') return {};
    // Not open here: committed through another server (or before a restart), the session's record says so.
    if (!txn && (await ctx.server.engine.read((r) => transactionCommitted(r, session, txnNumber)))) return {};
    if (!txn || txn.state !== 'inProgress') throw noSuchTransaction(txnNumber);
    try {
      await registry.commit(txn);
    } catch (err) {
      if (err instanceof TransactionConflict) throw err.toServerError();
      throw err;
    }
    return {};
  },
};
