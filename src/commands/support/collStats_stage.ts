import { bsonTypeOf, isDocument, toNumber, type Document } from '../../bson/types.js';
import { mongoError, MongoServerError, unknownFieldError, wrongTypeError } from '../../errors/index.js';
import { getCollectionInfo } from '../../engine/catalog.js';
import { LATENCY_BUCKET_LOWER_BOUNDS, LATENCY_KINDS } from '../../engine/top.js';
import { Long } from '../../bson/index.js';
import type { CommandContext } from './context.js';
import { collectionStats } from '../collStats.js';

const OPTIONS = new Set(['latencyStats', 'storageStats', 'count', 'queryExecStats']);

/**
 * `latencyStats` as mongod's Top reports it: per kind, the summed latency in microseconds and the operation count,
 * and with `histograms: true` the non-empty buckets, each `{micros: <lower bound>, count}`.
 */
function latencyStats(ctx: CommandContext, ns: string, options: Document): Document {
  for (const key of Object.keys(options)) if (key !== 'histograms') throw unknownFieldError(`$collStats.latencyStats.${key}`);
  if (options.histograms !== undefined && typeof options.histograms !== 'boolean') {
    throw wrongTypeError('$collStats.latencyStats.histograms', bsonTypeOf(options.histograms), 'bool');
  }
  const histograms = options.histograms === true;
  const totals = ctx.server.engine.top.latencies(ns);
  const out: Document = {};
  for (const kind of LATENCY_KINDS) {
    const t = totals[kind];
    const entry: Document = {};
    if (histograms) {
      entry.histogram = t.buckets.flatMap((count, i) => (count > 0 ? [{ micros: Long.fromNumber(LATENCY_BUCKET_LOWER_BOUNDS[i]!), count: Long.fromNumber(count) }] : []));
    }
    entry.latency = Long.fromNumber(t.latency);
    entry.ops = Long.fromNumber(t.ops);
    out[kind] = entry;
  }
  return out;
}

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
  if (spec.latencyStats) out.latencyStats = latencyStats(ctx, `${ctx.db}.${coll}`, spec.latencyStats as Document);
  if (spec.storageStats) {
    const scaleRaw = (spec.storageStats as Document).scale;
    const scale = scaleRaw === undefined ? 1 : toNumber(scaleRaw);
    if (!Number.isInteger(scale) || scale < 1) throw mongoError('BadValue', 'BSON field \'scale\' value must be >= 1, actual value \'' + String(scaleRaw) + "'");
    const exists = await ctx.engine.read((r) => getCollectionInfo(r, ctx.db, coll));
    if (!exists) {
      throw mongoError('NamespaceNotFound', `Unable to retrieve storageStats in $collStats stage :: caused by :: Collection [${ctx.db}.${coll}] not found.`);
    }
    const { ns: _ns, ...stats } = await collectionStats(ctx, coll, scale);
    out.storageStats = stats;
  }
  if (spec.count) {
    const info = await ctx.engine.read((r) => getCollectionInfo(r, ctx.db, coll));
    if (!info) throw mongoError('NamespaceNotFound', `Unable to retrieve count in $collStats stage :: caused by :: Collection [${ctx.db}.${coll}] not found.`);
    out.count = await ctx.engine.read((r) => r.countDocuments({ coll: info.uuid }));
  }
  if (spec.queryExecStats) out.queryExecStats = { collectionScans: { total: 0, nonTailable: 0 } };
  return out;
}
