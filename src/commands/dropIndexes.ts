import { dropIndexesAbortingBuilds } from '../engine/index_build.js';
import type { CommandDefinition } from './support/context.js';
import { collectionArg } from './support/args.js';

export const dropIndexes: CommandDefinition = {
  name: 'dropIndexes',
  async run(cmd, ctx) {
    const coll = collectionArg(cmd, 'dropIndexes' in cmd ? 'dropIndexes' : 'deleteIndexes');
    const nIndexesWas = await dropIndexesAbortingBuilds(ctx.engine, ctx.db, coll, cmd.index);
    return { nIndexesWas };
  },
};
