import { dropCollection } from '../engine/ddl.js';
import { getCollectionInfo } from '../engine/catalog.js';
import type { CommandDefinition } from './support/context.js';
import { collectionArg } from './support/args.js';

export const drop: CommandDefinition = {
  name: 'drop',
  async run(cmd, ctx) {
    const coll = collectionArg(cmd, 'drop');
    const engine = ctx.engine;
    const info = await engine.read((r) => getCollectionInfo(r, ctx.db, coll));
    // Since MongoDB 7.0 dropping a missing collection succeeds.
    if (!info) return { ns: `${ctx.db}.${coll}`, nIndexesWas: 0 };
    await engine.write((w) => dropCollection(w, ctx.db, coll));
    return { ns: `${ctx.db}.${coll}`, nIndexesWas: info.indexes.length };
  },
};
