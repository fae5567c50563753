import { calculateObjectSize, serialize, setInternalBufferSize } from 'bson';
import { setField } from './fields.js';
import { isDocument } from './types.js';

/**
 * A deep copy of a value: plain documents (field order preserved) and arrays are copied recursively; BSON value
 * objects (ObjectId, Long, Binary, ...) are treated as immutable and shared. Dates are copied because JS Dates are
 * mutable. DBRef values are shared like other BSON value classes.
 */
export function deepClone<T>(v: T): T {
  return cloneValue(v) as T;
}

function cloneValue(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = cloneValue(v[i]);
    return out;
  }
  if (v instanceof Date) return new Date(v.getTime());
  if (isDocument(v) && (v as { _bsontype?: unknown })._bsontype === undefined) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) {
      setField(out, key, cloneValue(v[key]));
    }
    return out;
  }
  return v;
}

/**
 * BSON-encodes a document of any size. The bson package's `serialize` uses a fixed 17 MiB scratch buffer; change
 * entries holding pre- and post-images, and replies holding a split event, can be larger.
 */
export function serializeAnySize(doc: Record<string, unknown>): Uint8Array {
  let out: Uint8Array | null = null;
  try {
    out = serialize(doc, { ignoreUndefined: true });
  } catch (err) {
    // Only a document larger than the scratch buffer is retried; computing the size up front would double the
    // cost of every small document.
    const size = calculateObjectSize(doc, { ignoreUndefined: true });
    if (size < DEFAULT_SCRATCH_BYTES) throw err;
  }
  // Just past the scratch buffer the serializer does not always throw: it may return the document short of its
  // last bytes. Anything that large is measured, and encoded again if it came back short.
  if (out !== null && out.byteLength < TRUST_BELOW_BYTES) return out;
  const size = calculateObjectSize(doc, { ignoreUndefined: true });
  if (out !== null && out.byteLength === size) return out;
  // Grow the serializer's scratch buffer for this one document, then give the memory back.
  setInternalBufferSize(size + 64 * 1024);
  try {
    return serialize(doc, { ignoreUndefined: true });
  } finally {
    setInternalBufferSize(DEFAULT_SCRATCH_BYTES);
  }
}

/** The bson package's default scratch buffer (17 MiB). */
const DEFAULT_SCRATCH_BYTES = 17 * 1024 * 1024;

/** Outputs this much smaller than the scratch buffer cannot have been cut short. */
const TRUST_BELOW_BYTES = 16 * 1024 * 1024;
