import { findDocuments } from '../engine/read_ops.js';
import { resolveLetVariables } from '../engine/let_variables.js';
import { ArrayCursor } from '../engine/array_cursor.js';
import { mongoError } from '../errors/index.js';
import type { CommandDefinition } from './support/context.js';
import { collationArg, cursorCountArg, namespaceArg, optionalBool, optionalDocument } from './support/args.js';
import { cursorReply } from './support/reply.js';

export const find: CommandDefinition = {
  name: 'find',
  async run(cmd, ctx) {
    const coll = namespaceArg(cmd, 'find', ctx.db);
    const limitRaw = cursorCountArg(cmd, 'find', 'limit');
    const batchSize = cursorCountArg(cmd, 'find', 'batchSize');
    const singleBatch = optionalBool(cmd, 'find', 'singleBatch') ?? false;
    if (cmd.tailable === true) throw mongoError('BadValue', 'tailable cursor requested on non capped collection');
    const variables = resolveLetVariables(cmd.let, 'find');
    const docs = await findDocuments(ctx.engine, ctx.db, coll, {
      filter: optionalDocument(cmd, 'find', 'filter') ?? {},
      sort: optionalDocument(cmd, 'find', 'sort'),
      projection: optionalDocument(cmd, 'find', 'projection'),
      skip: cursorCountArg(cmd, 'find', 'skip'),
      limit: limitRaw,
      collation: collationArg(cmd, 'find'),
      variables,
    });
    const ns = `${ctx.db}.${coll}`;
    const cursor = new ArrayCursor(ns, docs, 'find', ctx.lsid);
    const first = cursor.first(batchSize ?? 101);
    if (first.exhausted || singleBatch) return cursorReply(ns, 0n, first.docs, 'firstBatch');
    const id = ctx.engine.cursors.register(cursor);
    return cursorReply(ns, id, first.docs, 'firstBatch');
  },
};
