import { findExecution, type FindDocumentsOptions } from '../engine/read_ops.js';
import { isDocument, isNumeric, toNumber, type Document } from '../bson/types.js';
import { FIND_ERROR_CONTEXT, streamControl } from '../engine/stream_control.js';
import { resolveLetVariables } from '../engine/let_variables.js';
import { openTailableCursor } from '../engine/tailable_find.js';
import { isOplogNamespace, oplogFindStream } from '../engine/oplog_rs.js';
import { mongoError } from '../errors/index.js';
import type { CommandDefinition } from './support/context.js';
import { collationArg, cursorCountArg, hintArg, namespaceArg, optionalBool, optionalDocument } from './support/args.js';
import { cursorReply } from './support/reply.js';
import { firstBatchReply } from './support/stream_reply.js';
import { FIND_CURSOR_END } from '../engine/stream_cursor.js';
import { hasTextPredicate } from '../query/text/index.js';

/**
 * The direction a `$natural` sort or hint asks for, or undefined without one. mongod accepts only 1 and -1.
 * @throws BadValue (2) for another value.
 */
function naturalDirection(spec: unknown, what: 'sort' | 'hint'): 1 | -1 | undefined {
  if (!isDocument(spec) || !('$natural' in spec)) return undefined;
  const value = spec.$natural;
  const n = isNumeric(value) ? toNumber(value) : NaN;
  if (n !== 1 && n !== -1) throw mongoError('BadValue', `$natural ${what} cannot be set to a value other than -1 or 1.`);
  return n;
}

/** The query of a find command (also what `explain` of a find runs). */
export function findOptions(cmd: Document, limit = cursorCountArg(cmd, 'find', 'limit')): FindDocumentsOptions {
  const sort = optionalDocument(cmd, 'find', 'sort');
  const hint = hintArg(cmd);
  naturalDirection(sort, 'sort');
  naturalDirection(hint, 'hint');
  return {
    filter: optionalDocument(cmd, 'find', 'filter') ?? {},
    sort,
    projection: optionalDocument(cmd, 'find', 'projection'),
    skip: cursorCountArg(cmd, 'find', 'skip'),
    limit,
    collation: collationArg(cmd, 'find'),
    hint,
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
    const tailable = optionalBool(cmd, 'find', 'tailable') ?? false;
    const awaitData = optionalBool(cmd, 'find', 'awaitData') ?? false;
    if (awaitData && !tailable) throw mongoError('FailedToParse', "Cannot set 'awaitData' without also setting 'tailable'");
    const options = findOptions(cmd, limitRaw);
    const ns = `${ctx.db}.${coll}`;
    if (tailable) {
      const sort = options.sort;
      const naturalForward = sort !== undefined && Object.keys(sort).length === 1 && naturalDirection(sort, 'sort') === 1;
      if (sort && Object.keys(sort).length > 0 && !naturalForward) {
        throw mongoError('BadValue', 'cannot use tailable option with a sort other than {$natural: 1}');
      }
      if (singleBatch) throw mongoError('BadValue', "cannot use tailable option with the 'singleBatch' option");
      if (hasTextPredicate(options.filter)) {
        throw mongoError('BadValue', naturalForward ? 'text expression not allowed with $natural sort order' : 'text and tailable cursor not allowed in same query');
      }
      const cursor = await openTailableCursor(ctx.engine, ctx.db, coll, {
        filter: options.filter ?? {}, projection: options.projection, skip: options.skip, limit: limitRaw,
        collation: options.collation, variables: options.variables, awaitData, ...(ctx.lsid ? { lsid: ctx.lsid } : {}),
      });
      if (!cursor) return cursorReply(ns, 0n, [], 'firstBatch');
      const first = await cursor.first(batchSize ?? 101, ctx.op);
      return cursorReply(ns, first.exhausted ? 0n : ctx.engine.cursors.register(cursor), first.docs, 'firstBatch');
    }
    const slot = { op: ctx.op };
    const control = streamControl(ctx.engine, slot, { allowDiskUse: optionalBool(cmd, 'find', 'allowDiskUse'), errorContext: FIND_ERROR_CONTEXT });
    const direction = naturalDirection(options.sort, 'sort') ?? naturalDirection(options.hint, 'hint') ?? 1;
    if (isOplogNamespace(ctx.db, coll)) {
      return firstBatchReply(ctx, ns, oplogFindStream(ctx.engine, options, direction, control), slot, 'find', batchSize ?? 101, FIND_CURSOR_END, singleBatch);
    }
    const exec = await findExecution(ctx.engine, ctx.db, coll, options, control);
    // A collection that does not exist is mongod's EOF plan: no cursor, even for batchSize 0.
    if (exec.planned.info === null) return cursorReply(ns, 0n, [], 'firstBatch');
    return firstBatchReply(ctx, ns, exec.chunks, slot, 'find', batchSize ?? 101, FIND_CURSOR_END, singleBatch);
  },
};
