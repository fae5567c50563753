import { Binary, UUID, type Code, type Decimal128, type Long, type ObjectId, type Timestamp } from 'bson';
import { bsonTypeOf, isDocument, type Document } from './types.js';

/**
 * Values printed the way mongod's `BSONElement::toString()` prints them inside error messages
 * (`{_id: 1}`, `{a: [ { b: 1.0 } ]}`, `"str"`, `ObjectId('…')`). Clients and spec tests match on some of these
 * errmsgs, so update and projection errors use this printer rather than JSON.
 */

/** One element as `name: value`, as mongod prints a BSONElement. */
export function elementToString(name: string, value: unknown): string {
  return `${name}: ${valueToString(value)}`;
}

/** A whole document as mongod prints a BSONObj: `{ a: 1, b: "x" }`, or `{}` when empty. */
export function documentToString(doc: Document): string {
  const keys = Object.keys(doc);
  if (keys.length === 0) return '{}';
  return `{ ${keys.map((k) => elementToString(k, doc[k])).join(', ')} }`;
}

/** A value without its field name. */
export function valueToString(v: unknown): string {
  switch (bsonTypeOf(v)) {
    case 'double':
      return doubleToString(typeof v === 'number' ? v : (v as { value: number }).value);
    case 'int':
      return String(typeof v === 'number' ? v : (v as { value: number }).value);
    case 'long':
      return typeof v === 'bigint' ? v.toString() : (v as Long).toString();
    case 'decimal':
      return `NumberDecimal("${(v as Decimal128).toString()}")`;
    case 'string':
      return `"${v as string}"`;
    case 'bool':
      return v ? 'true' : 'false';
    case 'null':
      return 'null';
    case 'undefined':
      return 'undefined';
    case 'object':
      return isDocument(v) ? documentToString(v) : String(v);
    case 'array': {
      const arr = v as unknown[];
      if (arr.length === 0) return '[]';
      return `[ ${arr.map(valueToString).join(', ')} ]`;
    }
    case 'objectId':
      return `ObjectId('${(v as ObjectId).toHexString()}')`;
    case 'date':
      return `new Date(${(v as Date).getTime()})`;
    case 'timestamp': {
      const ts = v as Timestamp;
      return `Timestamp(${ts.high >>> 0}, ${ts.low >>> 0})`;
    }
    case 'regex': {
      if (v instanceof RegExp) return `/${v.source}/${v.flags}`;
      const r = v as { pattern: string; options: string };
      return `/${r.pattern}/${r.options}`;
    }
    case 'binData': {
      if ((v as { _bsontype?: unknown })._bsontype === 'Binary') {
        const b = v as Binary;
        const bytes = b.buffer.subarray(0, b.position);
        // A well-formed UUID prints as one (lsids in session errors, collection UUIDs).
        if (b.sub_type === Binary.SUBTYPE_UUID && bytes.length === 16) return `UUID("${new UUID(bytes).toHexString()}")`;
        return `BinData(${b.sub_type}, ${Buffer.from(bytes).toString('hex').toUpperCase()})`;
      }
      const view = v as ArrayBufferView;
      return `BinData(0, ${Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('hex').toUpperCase()})`;
    }
    case 'minKey':
      return 'MinKey';
    case 'maxKey':
      return 'MaxKey';
    case 'javascript':
    case 'javascriptWithScope':
      return String(typeof v === 'function' ? v.toString() : (v as Code).code);
    case 'symbol':
      return String((v as { value?: unknown }).value ?? v);
    default:
      return String(v);
  }
}

/**
 * A double as mongod prints it (StringBuilder::appendDoubleNice): C's `%.16g`, then ".0" when the text has no '.'
 * or 'E', so integral values read as doubles and NaN/infinity print as `nan.0`/`inf.0`.
 */
export function doubleToString(x: number): string {
  const s = formatG16(x);
  return s.includes('.') || s.includes('E') ? s : `${s}.0`;
}

function formatG16(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa, expText] = x.toExponential(15).split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    return `${stripZeros(mantissa)}e${exp < 0 ? '-' : '+'}${e}`;
  }
  return stripZeros(x.toFixed(Math.max(0, 15 - exp)));
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}
