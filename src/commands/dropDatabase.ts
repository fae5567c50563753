import { dropDatabase as runDropDatabase } from '../engine/ddl.js';
import type { CommandDefinition } from './support/context.js';

export const dropDatabase: CommandDefinition = {
  name: 'dropDatabase',
  async run(_cmd, ctx) {
    await ctx.engine.write((w) => runDropDatabase(w, ctx.db));
    return { dropped: ctx.db };
  },
};
