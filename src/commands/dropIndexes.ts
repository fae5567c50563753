import { dropIndexes as runDropIndexes } from '../engine/ddl.js';
import type { CommandDefinition } from './support/context.js';
import { collectionArg } from './support/args.js';

export const dropIndexes: CommandDefinition = {
  name: 'dropIndexes',
  async run(cmd, ctx) {
    const coll = collectionArg(cmd, 'dropIndexes' in cmd ? 'dropIndexes' : 'deleteIndexes');
    const nIndexesWas = await ctx.engine.write((w) => runDropIndexes(w, ctx.db, coll, cmd.index));
    return { nIndexesWas };
  },
};
