import { bsonTypeOf } from '../bson/types.js';
import { mongoError, wrongTypeError } from '../errors/index.js';
import { createIndexes as runCreateIndexes, normalizeIndexSpec } from '../engine/ddl.js';
import type { CommandDefinition } from './support/context.js';
import { namespaceArg } from './support/args.js';

export const createIndexes: CommandDefinition = {
  name: 'createIndexes',
  async run(cmd, ctx) {
    const coll = namespaceArg(cmd, 'createIndexes', ctx.db);
    if (!Array.isArray(cmd.indexes)) throw wrongTypeError('createIndexes.indexes', bsonTypeOf(cmd.indexes), 'array');
    if (cmd.indexes.length === 0) throw mongoError('BadValue', 'Must specify at least one index to create');
    const specs = cmd.indexes.map(normalizeIndexSpec);
    const r = await ctx.engine.write((w) => runCreateIndexes(w, ctx.db, coll, specs));
    const reply: Record<string, unknown> = { numIndexesBefore: r.before, numIndexesAfter: r.after, createdCollectionAutomatically: r.createdCollectionAutomatically };
    if (r.before === r.after) reply.note = 'all indexes already exist';
    return reply;
  },
};
