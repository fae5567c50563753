import type { CommandDefinition } from './support/context.js';

export const refreshSessions: CommandDefinition = {
  name: 'refreshSessions',
  async run() {
    return {};
  },
};
