import { deserialize, Long, type Double, type Int32 } from 'bson';
import { serializeAnySize } from '../bson/index.js';
import type { Document } from '../bson/types.js';
import { MongoServerError } from '../errors/index.js';

/**
 * The embedded client speaks to the engine the way a driver speaks to mongod: command documents in, reply
 * documents out. Commands go through BSON, which validates them and isolates the caller's objects from the
 * engine (no shared mutable state).
 */
export function toInternal(doc: Document): Document {
  return deserialize(serializeAnySize(doc), { promoteValues: false, promoteBuffers: false }) as Document;
}

/**
 * A reply as the Node driver would decode it by default: Int32 and Double become numbers, a Long becomes a number
 * when it fits 53 bits; documents, arrays and Dates are fresh copies, so the caller owns what it gets. A walk
 * rather than a BSON round trip: replies of change streams are the hot path, and encoding every event only to
 * decode it again cost most of a getMore.
 */
export function toUser<T = Document>(doc: Document): T {
  return promote(doc) as T;
}

function promote(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return typeof v === 'bigint' ? promoteLong(Long.fromBigInt(v)) : v;
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : promote(x)));
  if (v instanceof Date) return new Date(v.getTime());
  if (v instanceof RegExp) return new RegExp(v.source, v.flags);
  switch ((v as { _bsontype?: string })._bsontype) {
    case undefined: {
      const out: Document = {};
      for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = promote(x);
      return out;
    }
    case 'Int32':
    case 'Double':
      return (v as Int32 | Double).value;
    case 'Long':
      return promoteLong(v as Long);
    default:
      // ObjectId, Binary, Timestamp, Decimal128, MinKey, ...: immutable values, shared as a decoder would create them.
      return v;
  }
}

function promoteLong(v: Long): number | Long {
  const n = v.toNumber();
  return Number.isSafeInteger(n) ? n : v;
}

/** A reply with ok: 0 as the error a driver would raise. */
export function errorFromReply(reply: Document): MongoServerError {
  const { ok: _ok, errmsg, code, codeName: _codeName, errorLabels, operationTime: _o, $clusterTime: _c, ...extra } = reply;
  return new MongoServerError(Number(code ?? 1), String(errmsg ?? 'unknown error'), {
    labels: Array.isArray(errorLabels) ? errorLabels.map(String) : [],
    extra,
  });
}
