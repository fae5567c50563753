import { mongoError } from '../errors/index.js';
import type { CommandDefinition } from './support/context.js';

/** Test-only (enableTestCommands): mongod's fail points failCommand and failGetMoreAfterCursorCheckout. */
export const configureFailPoint: CommandDefinition = {
  name: 'configureFailPoint',
  adminOnly: true,
  testOnly: true,
  async run(cmd, ctx) {
    const name = cmd.configureFailPoint;
    if (typeof name !== 'string') throw mongoError('TypeMismatch', "BSON field 'configureFailPoint' is the wrong type, expected type 'string'");
    if (cmd.mode === undefined) throw mongoError('BadValue', 'Missing mode');
    const count = ctx.server.failPoints.configure(name, cmd.mode, cmd.data);
    return { count: Number.isFinite(count) ? count : 0 };
  },
};
