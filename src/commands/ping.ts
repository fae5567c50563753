import type { CommandDefinition } from './support/context.js';

export const ping: CommandDefinition = {
  name: 'ping',
  async run() {
    return {};
  },
};
