import { isDocument, type Document } from '../bson/types.js';
import { mongoError } from '../errors/index.js';
import { findAndModify as runFindAndModify } from '../engine/write_ops.js';
import { validateCollectionName, validateDbName } from '../engine/namespace.js';
import { compileProjection } from '../query/projection/index.js';
import type { CommandDefinition } from './context.js';
import { collationArg, collectionArg, optionalBool, optionalDocument } from './args.js';

export const findAndModify: CommandDefinition = {
  name: 'findAndModify',
  aliases: ['findandmodify'],
  async run(cmd, ctx) {
    const name = 'findAndModify' in cmd ? 'findAndModify' : 'findandmodify';
    const coll = collectionArg(cmd, name);
    validateDbName(ctx.db);
    validateCollectionName(ctx.db, coll);
    const remove = optionalBool(cmd, name, 'remove') ?? false;
    const update = cmd.update;
    if (remove && update !== undefined) throw mongoError('FailedToParse', 'Cannot specify both an update and remove=true');
    if (!remove && update === undefined) throw mongoError('FailedToParse', 'Either an update or remove=true must be specified');
    if (update !== undefined && !isDocument(update) && !Array.isArray(update)) {
      throw mongoError('FailedToParse', 'Update argument must be either an object or an array');
    }
    const upsert = optionalBool(cmd, name, 'upsert') ?? false;
    const returnNew = optionalBool(cmd, name, 'new') ?? false;
    if (remove && (upsert || returnNew)) throw mongoError('FailedToParse', 'Cannot specify both new=true and remove=true; \'remove\' always returns the deleted document');
    const fields = optionalDocument(cmd, name, 'fields');
    const result = await runFindAndModify(ctx.server.engine, ctx.db, coll, {
      query: optionalDocument(cmd, name, 'query') ?? {},
      sort: optionalDocument(cmd, name, 'sort'),
      remove,
      update: update as Document | Document[] | undefined,
      returnNew,
      upsert,
      arrayFilters: Array.isArray(cmd.arrayFilters) ? (cmd.arrayFilters as Document[]) : undefined,
      collation: collationArg(cmd, name),
    });
    const value = result.value && fields && Object.keys(fields).length > 0 ? compileProjection(fields).apply(result.value) : result.value;
    return { lastErrorObject: result.lastErrorObject, value };
  },
};
