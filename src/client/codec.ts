import { deserialize, Double, Int32, Long } from '../bson/index.js';
import { attachRawDocuments, serializeAnySize } from '../bson/index.js';
import { isDocument, type Document } from '../bson/types.js';
import { MongoServerError } from '../errors/index.js';

const decodeOptions = { promoteValues: false, promoteBuffers: false } as const;

/**
 * The embedded client speaks to the engine the way a driver speaks to mongod: command documents in, reply
 * documents out. Commands go through BSON, which validates them and isolates the caller's objects from the
 * engine (no shared mutable state).
 *
 * An insert's documents are encoded one by one, and each one's bytes ride along with its decoded copy (see
 * bson/raw_documents.ts): the engine stores and logs them as they are instead of encoding the document again.
 */
export function toInternal(doc: Document): Document {
  if (Object.keys(doc)[0] === 'insert' && allPlainDocuments(doc.documents)) {
    const { documents, ...rest } = doc;
    const internal = flatCommand(rest) ?? (deserialize(serializeAnySize(rest), decodeOptions) as Document);
    const bytes = (documents as Document[]).map((d) => serializeAnySize(d));
    internal.documents = attachRawDocuments(bytes.map((b) => deserialize(b, decodeOptions) as Document), bytes);
    return internal;
  }
  return flatCommand(doc) ?? (deserialize(serializeAnySize(doc), decodeOptions) as Document);
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * A command whose fields are all scalars, in the form a BSON round trip would give it, built without one: a string
 * (without surrogates, which would come back as U+FFFD) or a boolean or null as is, a number as the Int32 or
 * Double the encoder picks, a Long as a fresh signed Long, an undefined field left out. Null when any field is
 * anything else (the caller then takes the round trip): the getMore a change stream sends for every batch, and
 * most other commands the client builds, are flat.
 */
function flatCommand(doc: Document): Document | null {
  const out: Document = {};
  for (const key in doc) {
    if (!Object.prototype.hasOwnProperty.call(doc, key) || key === '__proto__') return null;
    const value = doc[key];
    switch (typeof value) {
      case 'string':
        if (SURROGATE.test(value)) return null;
        out[key] = value;
        break;
      case 'boolean':
        out[key] = value;
        break;
      case 'number':
        out[key] = !Object.is(value, -0) && Number.isSafeInteger(value) && value <= 0x7fffffff && value >= -0x80000000 ? new Int32(value) : new Double(value);
        break;
      case 'undefined':
        break;
      case 'object':
        if (value === null) out[key] = null;
        // By _bsontype, not instanceof: a Timestamp is a Long subclass and must take the round trip.
        else if ((value as { _bsontype?: unknown })._bsontype === 'Long') out[key] = new Long((value as Long).low, (value as Long).high);
        else return null;
        break;
      default:
        return null;
    }
  }
  return out;
}

/** A dense array of plain documents (no holes, no BSON value classes), which encode one by one as they would inside the array. */
function allPlainDocuments(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const d: unknown = v[i];
    if (!isDocument(d) || (d as { _bsontype?: unknown })._bsontype !== undefined) return false;
  }
  return true;
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
      // for-in rather than Object.entries: no pair arrays to allocate for every field of every event.
      const out: Document = {};
      const src = v as Document;
      for (const k in src) {
        const x = src[k];
        if (x !== undefined) out[k] = promote(x);
      }
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
