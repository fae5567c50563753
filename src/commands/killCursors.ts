import { Long } from '../bson/index.js';
import { bsonTypeOf, toBigInt } from '../bson/types.js';
import { mongoError, wrongTypeError } from '../errors/index.js';
import type { CommandDefinition } from './support/context.js';
import { collectionArg } from './support/args.js';

export const killCursors: CommandDefinition = {
  name: 'killCursors',
  async run(cmd, ctx) {
    collectionArg(cmd, 'killCursors');
    if (!Array.isArray(cmd.cursors)) throw wrongTypeError('killCursors.cursors', bsonTypeOf(cmd.cursors), 'array');
    const killed: Long[] = [];
    const notFound: Long[] = [];
    for (const raw of cmd.cursors) {
      const id = toBigInt(raw);
      if (id === null) throw mongoError('TypeMismatch', "BSON field 'killCursors.cursors' must hold long values");
      (ctx.engine.cursors.kill(id) ? killed : notFound).push(Long.fromBigInt(id));
    }
    return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [] };
  },
};
