import { bsonTypeOf } from '../bson/types.js';
import { mongoError, wrongTypeError } from '../errors/index.js';
import { createIndexes as createIndexesNow, normalizeIndexSpec } from '../engine/ddl.js';
import { createIndexesInBackground } from '../engine/index_build.js';
import type { CommandDefinition } from './support/context.js';
import { namespaceArg } from './support/args.js';

export const createIndexes: CommandDefinition = {
  name: 'createIndexes',
  async run(cmd, ctx) {
    const coll = namespaceArg(cmd, 'createIndexes', ctx.db);
    if (!Array.isArray(cmd.indexes)) throw wrongTypeError('createIndexes.indexes', bsonTypeOf(cmd.indexes), 'array');
    if (cmd.indexes.length === 0) throw mongoError('BadValue', 'Must specify at least one index to create');
    const specs = cmd.indexes.map((raw: unknown, i: number) => normalizeIndexSpec(raw, i));
    const pause = ctx.server.options.enableTestCommands ? (point: string) => ctx.server.failPoints.pauseWhileSet(point, ctx.op) : undefined;
    // Inside a transaction (ctx.engine is its view) the indexes are built in its buffer, as mongod builds them on
    // the collection the transaction creates: nobody else can see the collection until it commits.
    const r = ctx.engine === ctx.server.engine
      ? await createIndexesInBackground(ctx.engine, ctx.op, ctx.db, coll, specs, pause)
      : await ctx.engine.write((w) => createIndexesNow(w, ctx.db, coll, specs));
    const reply: Record<string, unknown> = { numIndexesBefore: r.before, numIndexesAfter: r.after, createdCollectionAutomatically: r.createdCollectionAutomatically };
    if (r.before === r.after) reply.note = 'all indexes already exist';
    return reply;
  },
};
