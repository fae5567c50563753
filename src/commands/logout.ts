import type { CommandDefinition } from './support/context.js';
import { authorizationSession } from './support/authentication.js';

/** logout: forgets the connection's user if it belongs to `$db` (ok either way, as mongod). */
export const logout: CommandDefinition = {
  name: 'logout',
  async run(_cmd, ctx) {
    authorizationSession(ctx).logout(ctx.db);
    return {};
  },
};
