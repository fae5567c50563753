import { validateCollectionName, validateDbName } from '../engine/namespace.js';
import { findDocuments } from '../engine/read_ops.js';
import { ArrayCursor } from '../engine/array_cursor.js';
import { mongoError } from '../errors/index.js';
import type { CommandDefinition } from './context.js';
import { collationArg, collectionArg, nonNegative, optionalBool, optionalDocument } from './args.js';
import { cursorReply } from './reply.js';

export const find: CommandDefinition = {
  name: 'find',
  async run(cmd, ctx) {
    const coll = collectionArg(cmd, 'find');
    validateDbName(ctx.db);
    validateCollectionName(ctx.db, coll);
    const limitRaw = nonNegative(cmd, 'find', 'limit');
    const batchSize = nonNegative(cmd, 'find', 'batchSize');
    const singleBatch = optionalBool(cmd, 'find', 'singleBatch') ?? false;
    if (cmd.tailable === true) throw mongoError('BadValue', 'tailable cursor requested on non capped collection');
    const docs = await findDocuments(ctx.server.engine, ctx.db, coll, {
      filter: optionalDocument(cmd, 'find', 'filter') ?? {},
      sort: optionalDocument(cmd, 'find', 'sort'),
      projection: optionalDocument(cmd, 'find', 'projection'),
      skip: nonNegative(cmd, 'find', 'skip'),
      limit: limitRaw,
      collation: collationArg(cmd, 'find'),
    });
    const ns = `${ctx.db}.${coll}`;
    const cursor = new ArrayCursor(ns, docs, 'find', ctx.lsid);
    const first = cursor.first(batchSize ?? 101);
    if (first.exhausted || singleBatch) return cursorReply(ns, 0n, first.docs, 'firstBatch');
    const id = ctx.server.engine.cursors.register(cursor);
    return cursorReply(ns, id, first.docs, 'firstBatch');
  },
};
