import type { CommandDefinition } from './support/context.js';

/** whatsmyuri: the client's own address as the server sees it. */
export const whatsmyuri: CommandDefinition = {
  name: 'whatsmyuri',
  async run(_cmd, ctx) {
    return { you: ctx.connection.remoteAddress };
  },
};
