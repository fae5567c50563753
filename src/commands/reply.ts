import { Binary, Long } from 'bson';
import type { Document } from '../bson/types.js';
import { toTimestamp } from '../oplog/cluster_clock.js';
import type { Engine } from '../engine/engine.js';

const ZERO_HASH = new Binary(Buffer.alloc(20), 0);

const ZERO_KEY_ID = Long.fromNumber(0);

/** The Timestamp of the last committed time asked for: consecutive replies mostly carry the same one. */
let lastCommitted = -1n;
let lastTimestamp = toTimestamp(0n);

function committedTimestamp(engine: Engine) {
  const committed = engine.committedTs;
  if (committed !== lastCommitted) {
    lastTimestamp = toTimestamp(committed);
    lastCommitted = committed;
  }
  return lastTimestamp;
}

/** `operationTime` and `$clusterTime`, which every reply carries (drivers gossip the latter back). */
export function clusterTimeFields(engine: Engine): Document {
  return addClusterTimeFields({}, engine);
}

/** Sets `operationTime` and `$clusterTime` on `reply` (the caller's own object) and returns it. */
export function addClusterTimeFields(reply: Document, engine: Engine): Document {
  const ts = committedTimestamp(engine);
  reply.operationTime = ts;
  reply.$clusterTime = { clusterTime: ts, signature: { hash: ZERO_HASH, keyId: ZERO_KEY_ID } };
  return reply;
}

/** A cursor reply: `{cursor: {firstBatch|nextBatch, id, ns, postBatchResumeToken?}}`. */
export function cursorReply(ns: string, id: bigint, batch: Document[], which: 'firstBatch' | 'nextBatch', postBatchResumeToken?: Document): Document {
  const cursor: Document = { [which]: batch };
  if (postBatchResumeToken) cursor.postBatchResumeToken = postBatchResumeToken;
  cursor.id = Long.fromBigInt(id);
  cursor.ns = ns;
  return { cursor };
}
