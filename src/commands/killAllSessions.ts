import type { CommandDefinition } from './support/context.js';

export const killAllSessions: CommandDefinition = {
  name: 'killAllSessions',
  async run(_cmd, ctx) {
    ctx.server.engine.cursors.killWhere((c) => c.lsid !== undefined);
    return {};
  },
};
