import type { Binary, Code, Decimal128, Long, ObjectId, Timestamp } from 'bson';
import { bsonTypeOf, isDocument, type Document } from '../../bson/index.js';

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
        return `BinData(${b.sub_type}, ${Buffer.from(b.buffer.subarray(0, b.position)).toString('hex').toUpperCase()})`;
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

/** mongod prints doubles with `%.16g` and appends `.0` to integral values (StringBuilder::appendDoubleNice). */
export function doubleToString(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const exp = Math.floor(Math.log10(Math.abs(d)));
  let s: string;
  if (exp < -4 || exp >= 16) {
    const [mantissa, e] = d.toExponential(15).split('e') as [string, string];
    const m = trimZeros(mantissa);
    const n = Number(e);
    s = `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  } else {
    s = trimZeros(d.toPrecision(16));
  }
  return /[.e]/.test(s) ? s : `${s}.0`;
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}
