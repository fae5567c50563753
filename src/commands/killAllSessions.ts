import type { CommandDefinition } from './support/context.js';

export const killAllSessions: CommandDefinition = {
  name: 'killAllSessions',
  async run(_cmd, ctx) {
    ctx.engine.cursors.killWhere((c) => c.lsid !== undefined);
    return {};
  },
};
