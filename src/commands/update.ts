import { planReport, type PlanReport } from '../engine/read_ops.js';
import { bsonTypeOf, isDocument, type Document } from '../bson/types.js';
import { mongoError, wrongTypeError } from '../errors/index.js';
import { updateDocuments, type UpdateStatement } from '../engine/write_ops.js';
import { resolveLetVariables, type LetVariables } from '../engine/let_variables.js';
import type { CommandDefinition } from './support/context.js';
import { collationArg, hintArg, optionalBool, writeBatchArgs } from './support/args.js';
import { writeReply } from './support/write_reply.js';
import { retryableWriteOf } from './support/retryable_write.js';

function statement(raw: Document, i: number, variables: LetVariables | undefined, report: PlanReport): UpdateStatement {
  if (!isDocument(raw.q)) throw wrongTypeError(`update.updates.${i}.q`, bsonTypeOf(raw.q), 'object');
  if (!isDocument(raw.u) && !Array.isArray(raw.u)) throw mongoError('FailedToParse', `BSON field 'update.updates.${i}.u' is the wrong type, expected type 'object' or 'array'`);
  if (raw.arrayFilters !== undefined && !Array.isArray(raw.arrayFilters)) throw wrongTypeError(`update.updates.${i}.arrayFilters`, bsonTypeOf(raw.arrayFilters), 'array');
  return {
    q: raw.q,
    u: raw.u as Document | Document[],
    upsert: optionalBool(raw, 'update.updates', 'upsert') ?? false,
    multi: optionalBool(raw, 'update.updates', 'multi') ?? false,
    arrayFilters: raw.arrayFilters as Document[] | undefined,
    collation: collationArg(raw, 'update.updates'),
    sort: isDocument(raw.sort) ? raw.sort : undefined,
    hint: hintArg(raw),
    report,
    variables,
  };
}

export const update: CommandDefinition = {
  name: 'update',
  async run(cmd, ctx) {
    const { coll, batch, ordered } = writeBatchArgs(cmd, 'update', 'updates', ctx.db);
    // A malformed statement fails the whole command, as mongod parses the batch before running it.
    const variables = resolveLetVariables(cmd.let, 'update');
    const report = planReport(ctx.engine, () => ctx.op);
    const statements = batch.map((r, i) => statement(r, i, variables, report));
    const bypassDocumentValidation = optionalBool(cmd, 'update', 'bypassDocumentValidation') ?? false;
    const result = await updateDocuments(ctx.engine, ctx.db, coll, statements, ordered, { bypassDocumentValidation }, retryableWriteOf('update', cmd, ctx));
    const extra: Document = { nModified: result.nModified };
    if (result.upserted.length > 0) extra.upserted = result.upserted;
    return writeReply(result.n, result, extra);
  },
};
