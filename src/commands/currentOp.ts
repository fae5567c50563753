import type { CommandDefinition } from './support/context.js';

/**
 * currentOp: operations in progress. eddydb does not track them yet, so the list is empty; the command exists so
 * that tools which poll it (mongosh's db.currentOp()) get a well-formed answer.
 */
export const currentOp: CommandDefinition = {
  name: 'currentOp',
  adminOnly: true,
  async run() {
    return { inprog: [] };
  },
};
