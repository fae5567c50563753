import { deserialize } from 'bson';
import { serializeAnySize } from '../bson/index.js';
import type { Document } from '../bson/types.js';
import { MongoServerError } from '../errors/index.js';

/**
 * The embedded client speaks to the engine the way a driver speaks to mongod: command documents in, reply
 * documents out, through BSON. Encoding isolates the caller's objects from the engine (no shared mutable state)
 * and decoding promotes values the way the Node driver does by default (Int32/Double/Long become numbers).
 */
export function toInternal(doc: Document): Document {
  return deserialize(serializeAnySize(doc), { promoteValues: false, promoteBuffers: false }) as Document;
}

export function toUser<T = Document>(doc: Document): T {
  return deserialize(serializeAnySize(doc)) as T;
}

/** A reply with ok: 0 as the error a driver would raise. */
export function errorFromReply(reply: Document): MongoServerError {
  const { ok: _ok, errmsg, code, codeName: _codeName, errorLabels, operationTime: _o, $clusterTime: _c, ...extra } = reply;
  return new MongoServerError(Number(code ?? 1), String(errmsg ?? 'unknown error'), {
    labels: Array.isArray(errorLabels) ? errorLabels.map(String) : [],
    extra,
  });
}
