import { collMod as runCollMod } from '../engine/ddl.js';
import type { CommandDefinition } from './support/context.js';
import { collectionArg } from './support/args.js';

const GENERIC = new Set(['collMod', '$db', 'lsid', '$clusterTime', '$readPreference', 'writeConcern', 'apiVersion', 'apiStrict', 'apiDeprecationErrors', 'comment', 'txnNumber', 'autocommit', 'startTransaction', 'readConcern', 'maxTimeMS']);

export const collMod: CommandDefinition = {
  name: 'collMod',
  async run(cmd, ctx) {
    const coll = collectionArg(cmd, 'collMod');
    const changes = Object.fromEntries(Object.entries(cmd).filter(([k]) => !GENERIC.has(k)));
    return ctx.engine.write((w) => runCollMod(w, ctx.db, coll, changes));
  },
};
