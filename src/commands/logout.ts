import type { CommandDefinition } from './support/context.js';

/** logout: with no authentication there is nobody to log out; mongod answers ok the same way. */
export const logout: CommandDefinition = {
  name: 'logout',
  async run() {
    return {};
  },
};
