import { isNumeric } from '../bson/index.js';
import { mongoError } from '../errors/index.js';
import type { CommandDefinition } from './support/context.js';

/**
 * killOp: interrupts the operation with that opid at its next check (Interrupted, 11601). mongod answers the same
 * "attempting" reply whether or not the op exists.
 */
export const killOp: CommandDefinition = {
  name: 'killOp',
  adminOnly: true,
  async run(cmd, ctx) {
    if (cmd.op === undefined) throw mongoError('BadValue', 'Did not provide "op" field');
    if (!isNumeric(cmd.op)) throw mongoError('TypeMismatch', `"op" must be a number`);
    ctx.server.operations.get(Number(cmd.op))?.kill();
    return { info: 'attempting to kill op' };
  },
};
