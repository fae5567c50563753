import { Binary, Long } from '../../bson/index.js';
import type { Document } from '../../bson/types.js';
import type { Engine } from '../../engine/engine.js';

const ZERO_HASH = new Binary(Buffer.alloc(20), 0);

const ZERO_KEY_ID = Long.fromNumber(0);

/**
 * Sets `operationTime` and `$clusterTime`, which every reply carries (drivers gossip the latter back), on `reply`
 * (the caller's own object) and returns it.
 */
export function addClusterTimeFields(reply: Document, engine: Engine): Document {
  const ts = engine.committedTimestamp;
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
