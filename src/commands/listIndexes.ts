import { mongoError } from '../errors/index.js';
import { getCollectionInfo } from '../engine/catalog.js';
import type { CommandDefinition } from './support/context.js';
import { collectionArg } from './support/args.js';
import { cursorReply } from './support/reply.js';

export const listIndexes: CommandDefinition = {
  name: 'listIndexes',
  async run(cmd, ctx) {
    const coll = collectionArg(cmd, 'listIndexes');
    const info = await ctx.engine.read((r) => getCollectionInfo(r, ctx.db, coll));
    if (!info) throw mongoError('NamespaceNotFound', `ns does not exist: ${ctx.db}.${coll}`);
    return cursorReply(`${ctx.db}.$cmd.listIndexes.${coll}`, 0n, info.indexes, 'firstBatch');
  },
};
