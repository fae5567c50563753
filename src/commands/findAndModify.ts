import { planReport } from '../engine/read_ops.js';
import { isDocument, type Document } from '../bson/types.js';
import { mongoError } from '../errors/index.js';
import { findAndModify as runFindAndModify } from '../engine/write_ops.js';
import { resolveLetVariables } from '../engine/let_variables.js';
import { compileProjection } from '../query/projection/index.js';
import type { CommandDefinition } from './support/context.js';
import { collationArg, hintArg, namespaceArg, optionalBool, optionalDocument } from './support/args.js';
import { retryableWriteOf } from './support/retryable_write.js';

export const findAndModify: CommandDefinition = {
  name: 'findAndModify',
  async run(cmd, ctx) {
    const name = 'findAndModify' in cmd ? 'findAndModify' : 'findandmodify';
    const coll = namespaceArg(cmd, name, ctx.db);
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
    const query = optionalDocument(cmd, name, 'query') ?? {};
    const collation = collationArg(cmd, name);
    const variables = resolveLetVariables(cmd.let, name);
    // Compiled before the write so that a bad projection fails without writing, as in mongod. The query goes with
    // it: a positional projection (`a.$`) re-matches it to find the element.
    const projection = fields && Object.keys(fields).length > 0 ? compileProjection(fields, { filter: query, collation }) : null;
    const result = await runFindAndModify(ctx.engine, ctx.db, coll, {
      query,
      sort: optionalDocument(cmd, name, 'sort'),
      remove,
      update: update as Document | Document[] | undefined,
      returnNew,
      upsert,
      arrayFilters: Array.isArray(cmd.arrayFilters) ? (cmd.arrayFilters as Document[]) : undefined,
      collation,
      hint: hintArg(cmd),
      report: planReport(ctx.engine, () => ctx.op),
      variables,
      bypassDocumentValidation: optionalBool(cmd, name, 'bypassDocumentValidation') ?? false,
    }, retryableWriteOf(name, cmd, ctx));
    const value = result.value && projection ? projection.apply(result.value) : result.value;
    return { lastErrorObject: result.lastErrorObject, value };
  },
};
