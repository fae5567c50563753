import { mongoError } from '../errors/index.js';
import { distinctValues } from '../engine/read_ops.js';
import type { CommandDefinition } from './support/context.js';
import { collationArg, collectionArg, optionalDocument } from './support/args.js';

export const distinct: CommandDefinition = {
  name: 'distinct',
  async run(cmd, ctx) {
    const coll = collectionArg(cmd, 'distinct');
    if (typeof cmd.key !== 'string') throw mongoError('TypeMismatch', "BSON field 'distinct.key' is the wrong type, expected type 'string'");
    const values = await distinctValues(ctx.server.engine, ctx.db, coll, cmd.key, optionalDocument(cmd, 'distinct', 'query') ?? {}, collationArg(cmd, 'distinct'));
    return { values };
  },
};
