import { planReport } from '../engine/read_ops.js';
import { bsonTypeOf, isDocument, toNumber } from '../bson/types.js';
import { mongoError, wrongTypeError } from '../errors/index.js';
import { deleteDocuments, type DeleteStatement } from '../engine/write_ops.js';
import { resolveLetVariables } from '../engine/let_variables.js';
import type { CommandDefinition } from './support/context.js';
import { collationArg, hintArg, writeBatchArgs } from './support/args.js';
import { writeReply } from './support/write_reply.js';
import { retryableWriteOf } from './support/retryable_write.js';

export const deleteCommand: CommandDefinition = {
  name: 'delete',
  async run(cmd, ctx) {
    const { coll, batch, ordered } = writeBatchArgs(cmd, 'delete', 'deletes', ctx.db);
    const variables = resolveLetVariables(cmd.let, 'delete');
    const report = planReport(ctx.engine, () => ctx.op);
    const statements: DeleteStatement[] = batch.map((d, i) => {
      if (!isDocument(d.q)) throw wrongTypeError(`delete.deletes.${i}.q`, bsonTypeOf(d.q), 'object');
      const limit = toNumber(d.limit);
      if (limit !== 0 && limit !== 1) throw mongoError('FailedToParse', `The limit field in delete objects must be 0 or 1. Got ${String(d.limit)}`);
      return { q: d.q, limit, collation: collationArg(d, 'delete.deletes'), hint: hintArg(d), report, variables };
    });
    const result = await deleteDocuments(ctx.engine, ctx.db, coll, statements, ordered, retryableWriteOf('delete', cmd, ctx));
    return writeReply(result.n, result);
  },
};
