import { FIND_ERROR_CONTEXT, streamControl } from '../engine/stream_control.js';
import { bsonTypeOf } from '../bson/types.js';
import { wrongTypeError } from '../errors/index.js';
import { distinctValues } from '../engine/read_ops.js';
import type { CommandDefinition } from './support/context.js';
import { collationArg, collectionArg, hintArg, optionalDocument } from './support/args.js';

export const distinct: CommandDefinition = {
  name: 'distinct',
  async run(cmd, ctx) {
    const coll = collectionArg(cmd, 'distinct');
    if (typeof cmd.key !== 'string') throw wrongTypeError('distinct.key', bsonTypeOf(cmd.key), 'string');
    const values = await distinctValues(ctx.engine, ctx.db, coll, cmd.key, optionalDocument(cmd, 'distinct', 'query') ?? {}, collationArg(cmd, 'distinct'), streamControl(ctx.engine, { op: ctx.op }, { errorContext: FIND_ERROR_CONTEXT }), hintArg(cmd));
    return { values };
  },
};
