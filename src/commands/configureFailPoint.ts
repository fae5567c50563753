import { bsonTypeOf } from '../bson/types.js';
import { mongoError, wrongTypeError } from '../errors/index.js';
import type { CommandDefinition } from './support/context.js';

/** Test-only (enableTestCommands): mongod's fail points failCommand and failGetMoreAfterCursorCheckout. */
export const configureFailPoint: CommandDefinition = {
  name: 'configureFailPoint',
  adminOnly: true,
  testOnly: true,
  async run(cmd, ctx) {
    const name = cmd.configureFailPoint;
    if (typeof name !== 'string') throw wrongTypeError('configureFailPoint', bsonTypeOf(name), 'string');
    if (cmd.mode === undefined) throw mongoError('BadValue', 'Missing mode');
    const count = ctx.server.failPoints.configure(name, cmd.mode, cmd.data);
    return { count: Number.isFinite(count) ? count : 0 };
  },
};
