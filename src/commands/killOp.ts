import { isNumeric } from '../bson/index.js';
import { mongoError } from '../errors/index.js';
import type { CommandDefinition } from './support/context.js';

/**
 * killOp: asks for an operation to be interrupted. currentOp lists none, so there is never one to kill; mongod
 * answers the same "attempting" reply whether or not the op exists.
 */
export const killOp: CommandDefinition = {
  name: 'killOp',
  adminOnly: true,
  async run(cmd) {
    if (cmd.op === undefined) throw mongoError('BadValue', 'Did not provide "op" field');
    if (!isNumeric(cmd.op)) throw mongoError('TypeMismatch', `"op" must be a number`);
    return { info: 'attempting to kill op' };
  },
};
