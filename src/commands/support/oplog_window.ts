import { Long, type Document } from '../../bson/index.js';
import type { Engine } from '../../engine/engine.js';
import { toTimestamp } from '../../oplog/cluster_clock.js';

/**
 * serverStatus' `oplog` section (eddydb's own; mongod has no such section): how far back a change stream may
 * resume. `firstTime`/`lastTime` are the oldest and newest retained entries (null on an empty oplog),
 * `sizeBytes` their total size, `maxSizeBytes` the --oplogSizeMB limit (null: unlimited), `minRetentionHours`
 * the --oplogMinRetentionHours window (0: none), `windowSeconds` the seconds between first and last, and
 * `truncatedThrough` the newest entry removed by retention (null: none). Trimming runs in the background, so
 * `sizeBytes` may briefly exceed `maxSizeBytes`.
 */
export async function oplogWindow(engine: Engine): Promise<Document> {
  const { bounds, bytes } = await engine.read(async (r) => ({ bounds: await r.oplogBounds(), bytes: await r.oplogSizeBytes() }));
  const limit = engine.options.oplogSizeBytes;
  const truncated = engine.oplogTruncatedThrough;
  const seconds = (ts: bigint): number => Number(ts >> 32n);
  return {
    firstTime: bounds ? toTimestamp(bounds.first) : null,
    lastTime: bounds ? toTimestamp(bounds.last) : null,
    sizeBytes: Long.fromNumber(bytes),
    maxSizeBytes: limit === undefined ? null : Long.fromNumber(limit),
    minRetentionHours: engine.options.oplogMinRetentionHours ?? 0,
    windowSeconds: bounds ? seconds(bounds.last) - seconds(bounds.first) : 0,
    truncatedThrough: truncated > 0n ? toTimestamp(truncated) : null,
  };
}
