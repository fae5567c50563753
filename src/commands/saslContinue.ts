import { mongoError } from '../errors/index.js';
import type { CommandDefinition } from './support/context.js';

/**
 * saslContinue: eddydb keeps no users, so every authentication attempt fails as on a mongod that has none:
 * AuthenticationFailed (18), "Authentication failed.". Clients without credentials never send it.
 */
export const saslContinue: CommandDefinition = {
  name: 'saslContinue',
  async run() {
    throw mongoError('AuthenticationFailed', 'Authentication failed.');
  },
};
