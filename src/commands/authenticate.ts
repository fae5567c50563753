import { mongoError } from '../errors/index.js';
import type { CommandDefinition } from './support/context.js';
import { authenticateX509 } from './support/authentication.js';

/**
 * authenticate: only MONGODB-X509 uses it (SCRAM and PLAIN go through saslStart); MONGODB-CR is long gone from
 * mongod.
 */
export const authenticate: CommandDefinition = {
  name: 'authenticate',
  async run(cmd, ctx) {
    const mechanism = cmd.mechanism ?? 'MONGODB-CR';
    if (mechanism !== 'MONGODB-X509') {
      throw mongoError('MechanismUnavailable', `Received authentication for mechanism ${String(mechanism)} which is unknown or not enabled`);
    }
    return authenticateX509(ctx, ctx.db, cmd.user, false);
  },
};
