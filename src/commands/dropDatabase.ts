import { dropDatabase as runDropDatabase } from '../engine/ddl.js';
import type { CommandDefinition } from './support/context.js';
import { PROFILING_OFF } from './support/profiler.js';

/** dropDatabase: drops every collection of the database, and its profiling settings with it, as mongod does. */
export const dropDatabase: CommandDefinition = {
  name: 'dropDatabase',
  async run(_cmd, ctx) {
    await ctx.engine.write((w) => runDropDatabase(w, ctx.db));
    ctx.server.profiler.set(ctx.db, PROFILING_OFF);
    return { dropped: ctx.db };
  },
};
