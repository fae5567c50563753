import { searchNotEnabled } from '../errors/index.js';
import { collectionArg } from './support/args.js';
import type { CommandDefinition } from './support/context.js';

/** Search indexes live on the search index management host, which eddydb never has: mongod without one answers so. */
export const dropSearchIndex: CommandDefinition = {
  name: 'dropSearchIndex',
  async run(cmd) {
    collectionArg(cmd, 'dropSearchIndex');
    throw searchNotEnabled();
  },
};
