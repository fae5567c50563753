import { findExecution, type FindDocumentsOptions } from '../engine/read_ops.js';
import { cursorReply } from './support/reply.js';
import type { Document } from '../bson/types.js';
import { FIND_ERROR_CONTEXT, streamControl } from '../engine/stream_control.js';
import { resolveLetVariables } from '../engine/let_variables.js';
import { mongoError } from '../errors/index.js';
import type { CommandDefinition } from './support/context.js';
import { collationArg, cursorCountArg, hintArg, namespaceArg, optionalBool, optionalDocument } from './support/args.js';
import { firstBatchReply } from './support/stream_reply.js';
import { FIND_CURSOR_END } from '../engine/stream_cursor.js';

/** The query of a find command (also what `explain` of a find runs). */
export function findOptions(cmd: Document, limit = cursorCountArg(cmd, 'find', 'limit')): FindDocumentsOptions {
  return {
    filter: optionalDocument(cmd, 'find', 'filter') ?? {},
    sort: optionalDocument(cmd, 'find', 'sort'),
    projection: optionalDocument(cmd, 'find', 'projection'),
    skip: cursorCountArg(cmd, 'find', 'skip'),
    limit,
    collation: collationArg(cmd, 'find'),
    hint: hintArg(cmd),
    min: optionalDocument(cmd, 'find', 'min') ?? null,
    max: optionalDocument(cmd, 'find', 'max') ?? null,
    variables: resolveLetVariables(cmd.let, 'find'),
  };
}

export const find: CommandDefinition = {
  name: 'find',
  async run(cmd, ctx) {
    const coll = namespaceArg(cmd, 'find', ctx.db);
    const limitRaw = cursorCountArg(cmd, 'find', 'limit');
    const batchSize = cursorCountArg(cmd, 'find', 'batchSize');
    const singleBatch = optionalBool(cmd, 'find', 'singleBatch') ?? false;
    if (optionalBool(cmd, 'find', 'awaitData') === true && optionalBool(cmd, 'find', 'tailable') !== true) {
      throw mongoError('FailedToParse', "Cannot set 'awaitData' without also setting 'tailable'");
    }
    if (cmd.tailable === true) throw mongoError('BadValue', 'tailable cursor requested on non capped collection');
    const slot = { op: ctx.op };
    const control = streamControl(ctx.engine, slot, { allowDiskUse: optionalBool(cmd, 'find', 'allowDiskUse'), errorContext: FIND_ERROR_CONTEXT });
    const exec = await findExecution(ctx.engine, ctx.db, coll, findOptions(cmd, limitRaw), control);
    // A collection that does not exist is mongod's EOF plan: no cursor, even for batchSize 0.
    if (exec.planned.info === null) return cursorReply(`${ctx.db}.${coll}`, 0n, [], 'firstBatch');
    return firstBatchReply(ctx, `${ctx.db}.${coll}`, exec.chunks, slot, 'find', batchSize ?? 101, FIND_CURSOR_END, singleBatch);
  },
};
