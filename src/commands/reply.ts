import { Binary, Long } from 'bson';
import type { Document } from '../bson/types.js';
import { toTimestamp } from '../oplog/cluster_clock.js';
import type { Engine } from '../engine/engine.js';

const ZERO_HASH = new Binary(Buffer.alloc(20), 0);

/** `operationTime` and `$clusterTime`, which every reply carries (drivers gossip the latter back). */
export function clusterTimeFields(engine: Engine): Document {
  const ts = toTimestamp(engine.committedTs);
  return { operationTime: ts, $clusterTime: { clusterTime: ts, signature: { hash: ZERO_HASH, keyId: Long.fromNumber(0) } } };
}

/** A cursor reply: `{cursor: {firstBatch|nextBatch, id, ns, postBatchResumeToken?}}`. */
export function cursorReply(ns: string, id: bigint, batch: Document[], which: 'firstBatch' | 'nextBatch', postBatchResumeToken?: Document): Document {
  const cursor: Document = { [which]: batch };
  if (postBatchResumeToken) cursor.postBatchResumeToken = postBatchResumeToken;
  cursor.id = Long.fromBigInt(id);
  cursor.ns = ns;
  return { cursor };
}
