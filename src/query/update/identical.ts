import type { Binary, Code, Decimal128, Long, ObjectId, Timestamp } from '../../bson/index.js';
import { bsonTypeOf, isDocument } from '../../bson/index.js';

/**
 * True when two values would serialize to the same BSON bytes: same type, same value, and for documents the same
 * field names in the same order. This is mongod's `binaryEqual`, the test update operators use to decide that a
 * change is a no-op (so `$set: {a: 1.0}` over an int 1 is a modification, and `nModified` counts it).
 */
export function identical(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ta = bsonTypeOf(a);
  if (ta !== bsonTypeOf(b)) return false;
  switch (ta) {
    case 'int':
    case 'double': {
      const x = typeof a === 'number' ? a : (a as { value: number }).value;
      const y = typeof b === 'number' ? b : (b as { value: number }).value;
      return Object.is(x, y);
    }
    case 'long': {
      const x = typeof a === 'bigint' ? a : (a as Long).toBigInt();
      const y = typeof b === 'bigint' ? b : (b as Long).toBigInt();
      return x === y;
    }
    case 'decimal':
      return bytesEqual((a as Decimal128).bytes, (b as Decimal128).bytes);
    case 'string':
      return a === b;
    case 'bool':
    case 'null':
    case 'undefined':
    case 'minKey':
    case 'maxKey':
      return ta === 'bool' ? a === b : true;
    case 'object': {
      if (!isDocument(a) || !isDocument(b)) return false;
      const ka = Object.keys(a);
      const kb = Object.keys(b);
      if (ka.length !== kb.length) return false;
      for (let i = 0; i < ka.length; i++) {
        if (ka[i] !== kb[i] || !identical(a[ka[i]!], b[kb[i]!])) return false;
      }
      return true;
    }
    case 'array': {
      const x = a as unknown[];
      const y = b as unknown[];
      if (x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) if (!identical(x[i], y[i])) return false;
      return true;
    }
    case 'objectId':
      return (a as ObjectId).equals(b as ObjectId);
    case 'date':
      return Object.is((a as Date).getTime(), (b as Date).getTime());
    case 'timestamp':
      return (a as Timestamp).equals(b as Timestamp);
    case 'regex': {
      const ra = regexOf(a);
      const rb = regexOf(b);
      return ra.pattern === rb.pattern && ra.options === rb.options;
    }
    case 'binData': {
      const x = binOf(a);
      const y = binOf(b);
      return x.subType === y.subType && bytesEqual(x.bytes, y.bytes);
    }
    case 'javascript':
    case 'javascriptWithScope': {
      const ca = a as Code;
      const cb = b as Code;
      return String(ca.code) === String(cb.code) && identical(ca.scope ?? null, cb.scope ?? null);
    }
    default:
      return false;
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function regexOf(v: unknown): { pattern: string; options: string } {
  if (v instanceof RegExp) return { pattern: v.source, options: [...v.flags].filter((f) => 'imsux'.includes(f)).sort().join('') };
  return v as { pattern: string; options: string };
}

function binOf(v: unknown): { subType: number; bytes: Uint8Array } {
  if ((v as { _bsontype?: unknown })._bsontype === 'Binary') {
    const b = v as Binary;
    return { subType: b.sub_type, bytes: b.buffer.subarray(0, b.position) };
  }
  const view = v as ArrayBufferView;
  return { subType: 0, bytes: new Uint8Array(view.buffer, view.byteOffset, view.byteLength) };
}
