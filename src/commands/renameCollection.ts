import { bsonTypeOf } from '../bson/types.js';
import { mongoError, wrongTypeError } from '../errors/index.js';
import { renameCollection as runRename } from '../engine/ddl.js';
import type { CommandDefinition } from './support/context.js';
import { optionalBool } from './support/args.js';

function splitNamespace(value: unknown, field: string): { db: string; coll: string } {
  if (typeof value !== 'string') throw wrongTypeError(`renameCollection.${field}`, bsonTypeOf(value), 'string');
  const dot = value.indexOf('.');
  if (dot <= 0 || dot === value.length - 1) throw mongoError('InvalidNamespace', `Invalid ${field === 'renameCollection' ? 'source' : 'target'} namespace: ${value}`);
  return { db: value.slice(0, dot), coll: value.slice(dot + 1) };
}

export const renameCollection: CommandDefinition = {
  name: 'renameCollection',
  adminOnly: true,
  async run(cmd, ctx) {
    const from = splitNamespace(cmd.renameCollection, 'renameCollection');
    const to = splitNamespace(cmd.to, 'to');
    const dropTarget = optionalBool(cmd, 'renameCollection', 'dropTarget') ?? false;
    await ctx.engine.write((w) => runRename(w, from, to, dropTarget));
    return {};
  },
};
