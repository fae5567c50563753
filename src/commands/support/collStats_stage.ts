import { bsonTypeOf, isDocument, toNumber, type Document } from '../../bson/types.js';
import { mongoError, MongoServerError, unknownFieldError, wrongTypeError } from '../../errors/index.js';
import { getCollectionInfo } from '../../engine/catalog.js';
import type { CommandContext } from './context.js';
import { collectionStats } from '../collStats.js';

const OPTIONS = new Set(['latencyStats', 'storageStats', 'count', 'queryExecStats']);

/**
 * The `$collStats` stage (first stage of a collection aggregate): one document with the namespace, host and time,
 * plus `storageStats` (the collStats fields, with `scale`), `count`, `latencyStats` and `queryExecStats` as asked.
 * It needs the engine, so the aggregate command runs it and hands the document to the rest of the pipeline.
 */
export async function collStatsStage(spec: unknown, ctx: CommandContext, coll: string | null): Promise<Document> {
  if (coll === null) throw mongoError('InvalidNamespace', '$collStats must be run against a collection namespace');
  if (!isDocument(spec)) throw new MongoServerError(5447000, `$collStats must take a nested object but found: ${String(spec)}`);
  for (const key of Object.keys(spec)) {
    if (!OPTIONS.has(key)) throw unknownFieldError(`$collStats.${key}`);
    if (!isDocument(spec[key])) throw wrongTypeError(`$collStats.${key}`, bsonTypeOf(spec[key]), 'object');
  }
  const out: Document = { ns: `${ctx.db}.${coll}`, host: ctx.connection.localAddress, localTime: new Date() };
  if (spec.latencyStats) {
    const zero = { latency: 0, ops: 0 };
    out.latencyStats = { reads: { ...zero }, writes: { ...zero }, commands: { ...zero }, transactions: { ...zero } };
  }
  if (spec.storageStats) {
    const scaleRaw = (spec.storageStats as Document).scale;
    const scale = scaleRaw === undefined ? 1 : toNumber(scaleRaw);
    if (!Number.isInteger(scale) || scale < 1) throw mongoError('BadValue', 'BSON field \'scale\' value must be >= 1, actual value \'' + String(scaleRaw) + "'");
    const { ns: _ns, ...stats } = await collectionStats(ctx, coll, scale);
    out.storageStats = stats;
  }
  if (spec.count) {
    const info = await ctx.engine.read((r) => getCollectionInfo(r, ctx.db, coll));
    if (!info) throw mongoError('NamespaceNotFound', `Unable to retrieve count in $collStats stage :: caused by :: Collection [${ctx.db}.${coll}] not found.`);
    out.count = await ctx.engine.read((r) => r.countDocuments(info.uuid));
  }
  if (spec.queryExecStats) out.queryExecStats = { collectionScans: { total: 0, nonTailable: 0 } };
  return out;
}
