import { isDocument, Long, type Document } from '../../bson/index.js';
import { getCollectionInfo, isBuilding, isView, publicSpec } from '../../engine/catalog.js';
import { mongoError, MongoServerError } from '../../errors/index.js';
import type { CommandContext } from './context.js';

/**
 * The `$indexStats` stage (first stage of a collection aggregate): one document per index of the collection, as
 * mongod shapes it: `{name, key, host, accesses: {ops, since}, spec, building?}`, where `ops` counts the operations
 * whose plan used the index since `since` (the engine's IndexUsage). A missing collection has no indexes. It needs
 * the engine, so the aggregate command runs it and hands the documents to the rest of the pipeline.
 */
export async function indexStatsStage(spec: unknown, ctx: CommandContext, coll: string | null): Promise<Document[]> {
  if (!isDocument(spec) || Object.keys(spec).length > 0) {
    throw new MongoServerError(28803, 'The $indexStats stage specification must be an empty object');
  }
  if (coll === null) throw mongoError('InvalidNamespace', "{aggregate: 1} is not valid for '$indexStats'; a collection is required.");
  const info = await ctx.engine.read((r) => getCollectionInfo(r, ctx.db, coll));
  if (!info) return [];
  if (isView(info)) throw mongoError('CommandNotSupportedOnView', `Namespace ${ctx.db}.${coll} is a view, not a collection`);
  const usage = ctx.server.engine.indexUsage;
  return info.indexes.map((index) => {
    const accesses = usage.accesses(info.uuid, index.name);
    const out: Document = {
      name: index.name,
      key: index.key,
      host: ctx.connection.localAddress,
      accesses: { ops: Long.fromNumber(accesses.ops), since: accesses.since },
      spec: publicSpec(index),
    };
    if (isBuilding(index)) out.building = true;
    return out;
  });
}
