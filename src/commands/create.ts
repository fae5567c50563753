import { createCollection } from '../engine/ddl.js';
import type { CommandDefinition } from './support/context.js';
import { namespaceArg } from './support/args.js';

export const create: CommandDefinition = {
  name: 'create',
  async run(cmd, ctx) {
    const coll = namespaceArg(cmd, 'create', ctx.db);
    const { create: _name, $db: _db, lsid: _l, $clusterTime: _c, $readPreference: _r, writeConcern: _w, apiVersion: _a, apiStrict: _s, apiDeprecationErrors: _d, comment: _comment, ...options } = cmd;
    await ctx.engine.write((w) => createCollection(w, ctx.db, coll, options));
    return {};
  },
};
