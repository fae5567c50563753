import type { CommandDefinition } from './context.js';

export const ping: CommandDefinition = {
  name: 'ping',
  async run() {
    return {};
  },
};
