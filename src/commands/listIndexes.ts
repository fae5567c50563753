import { mongoError } from '../errors/index.js';
import type { Document } from '../bson/types.js';
import { BUILD_UUID_FIELD, getCollectionInfo, isBuilding, publicSpec, type IndexSpec } from '../engine/catalog.js';
import type { CommandDefinition } from './support/context.js';
import { collectionArg } from './support/args.js';
import { cursorReply } from './support/reply.js';

/**
 * listIndexes lists ready indexes and those being built, as mongod does: a building index as its plain spec, or with
 * `includeBuildUUIDs` as `{spec, buildUUID}`, with `includeIndexBuildInfo` as `{spec, indexBuildInfo: {buildUUID}}`
 * (every index then comes as `{spec}`).
 */
export const listIndexes: CommandDefinition = {
  name: 'listIndexes',
  async run(cmd, ctx) {
    const coll = collectionArg(cmd, 'listIndexes');
    const info = await ctx.engine.read((r) => getCollectionInfo(r, ctx.db, coll));
    if (!info) throw mongoError('NamespaceNotFound', `ns does not exist: ${ctx.db}.${coll}`);
    const shown = (spec: IndexSpec): Document => {
      const plain = publicSpec(spec);
      if (cmd.includeIndexBuildInfo === true) {
        return isBuilding(spec) ? { spec: plain, indexBuildInfo: { buildUUID: spec[BUILD_UUID_FIELD] } } : { spec: plain };
      }
      if (cmd.includeBuildUUIDs === true && isBuilding(spec)) return { spec: plain, buildUUID: spec[BUILD_UUID_FIELD] };
      return plain;
    };
    return cursorReply(`${ctx.db}.$cmd.listIndexes.${coll}`, 0n, info.indexes.map(shown), 'firstBatch');
  },
};
