import { FIND_ERROR_CONTEXT, streamControl } from '../engine/stream_control.js';
import { countDocuments } from '../engine/read_ops.js';
import type { CommandDefinition } from './support/context.js';
import { collationArg, collectionArg, hintArg, nonNegative, optionalDocument } from './support/args.js';

export const count: CommandDefinition = {
  name: 'count',
  async run(cmd, ctx) {
    const coll = collectionArg(cmd, 'count');
    const n = await countDocuments(ctx.engine, ctx.db, coll, {
      filter: optionalDocument(cmd, 'count', 'query') ?? {},
      skip: nonNegative(cmd, 'count', 'skip'),
      limit: Math.abs(Number(cmd.limit ?? 0)) || undefined,
      collation: collationArg(cmd, 'count'),
      hint: hintArg(cmd),
    }, streamControl(ctx.engine, { op: ctx.op }, { errorContext: FIND_ERROR_CONTEXT }));
    return { n };
  },
};
