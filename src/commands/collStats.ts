import { toNumber, type Document } from '../bson/index.js';
import { getCollectionInfo, isBuilding, isView } from '../engine/catalog.js';
import { mongoError } from '../errors/index.js';
import { collectionArg, scaleArg } from './support/args.js';
import type { CommandContext, CommandDefinition } from './support/context.js';
import { collectionSizes } from '../engine/collection_sizes.js';
import { isOplogNamespace, oplogMaxSize, oplogStats } from '../engine/oplog_rs.js';

/** collStats of `local.oplog.rs`: a capped collection without indexes, as the oplog of a replica set member. */
async function oplogCollectionStats(ctx: CommandContext, ns: string, scale: number): Promise<Document> {
  const { count, dataSize } = await oplogStats(ctx.engine);
  const scaled = (n: number): number => Math.trunc(n / scale);
  const reply: Document = { ns, size: scaled(dataSize), count };
  if (count > 0) reply.avgObjSize = Math.trunc(dataSize / count);
  Object.assign(reply, {
    numOrphanDocs: 0, storageSize: scaled(dataSize), freeStorageSize: 0, capped: true, max: 0, maxSize: scaled(oplogMaxSize(ctx.engine)),
    nindexes: 0, indexDetails: {}, indexBuilds: [], totalIndexSize: 0, totalSize: scaled(dataSize), indexSizes: {}, scaleFactor: scale,
  });
  return reply;
}

/**
 * collStats (deprecated in MongoDB 6.2 in favour of `$collStats`, still answered by mongod 8): sizes of one
 * collection. A missing collection answers zeros with ok: 1 (mongod since 4.2); a view is
 * CommandNotSupportedOnView.
 */
export const collStats: CommandDefinition = {
  name: 'collStats',
  async run(cmd, ctx) {
    const name = collectionArg(cmd, Object.keys(cmd)[0] ?? 'collStats');
    return collectionStats(ctx, name, scaleArg(cmd, 'scale has to be > 0'));
  },
};

/** The collStats document of one collection (also `$collStats`' storageStats). */
export async function collectionStats(ctx: CommandContext, name: string, scale: number): Promise<Document> {
    const ns = `${ctx.db}.${name}`;
    if (isOplogNamespace(ctx.db, name)) return oplogCollectionStats(ctx, ns, scale);
    const found = await ctx.engine.read(async (r) => {
      const info = await getCollectionInfo(r, ctx.db, name);
      if (!info || isView(info)) return { info, sizes: null };
      return { info, sizes: await collectionSizes(r, info) };
    });
    if (found.info && isView(found.info)) {
      throw mongoError('CommandNotSupportedOnView', `Namespace ${ns} is a view, not a collection`);
    }
    const { info, sizes } = found;
    if (!info || !sizes) {
      return {
        ns, size: 0, count: 0, storageSize: 0, totalSize: 0, nindexes: 0, totalIndexSize: 0,
        indexDetails: {}, indexSizes: {}, scaleFactor: scale,
      };
    }
    const scaled = (n: number): number => Math.trunc(n / scale);
    const reply: Document = { ns, size: scaled(sizes.dataSize), count: sizes.count };
    if (sizes.count > 0) reply.avgObjSize = Math.trunc(sizes.dataSize / sizes.count);
    const capped = info.options.capped === true;
    Object.assign(reply, {
      numOrphanDocs: 0,
      storageSize: scaled(sizes.dataSize),
      freeStorageSize: 0,
      capped,
    });
    if (capped) {
      if (info.options.max !== undefined) reply.max = info.options.max;
      if (info.options.size !== undefined) reply.maxSize = scaled(toNumber(info.options.size));
    }
    const indexSizes: Document = {};
    for (const [index, size] of Object.entries(sizes.indexSizes)) indexSizes[index] = scaled(size);
    Object.assign(reply, {
      nindexes: info.indexes.length,
      indexDetails: {},
      indexBuilds: info.indexes.filter(isBuilding).map((spec) => spec.name),
      totalIndexSize: scaled(sizes.totalIndexSize),
      totalSize: scaled(sizes.dataSize + sizes.totalIndexSize),
      indexSizes,
      scaleFactor: scale,
    });
    return reply;
}
