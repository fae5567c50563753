import { bsonTypeOf, isDocument } from '../../bson/index.js';

/**
 * A value printed the way mongod prints a BSON element's value in error messages (BSONElement::toString):
 * `"str"`, `5`, `5.0`, `nan.0`, `{ a: 1 }`, `[ 1, 2 ]`, `new Date(0)`, `ObjectId('...')`, `/re/i`.
 * Used only for messages; clients match on the prefix, so small differences in exotic types are harmless.
 */
export function formatValue(v: unknown): string {
  switch (bsonTypeOf(v)) {
    case 'double':
      return formatDouble(typeof v === 'number' ? v : (v as { value: number }).value);
    case 'int':
      return String(typeof v === 'number' ? v : (v as { value: number }).value);
    case 'long':
      return typeof v === 'bigint' ? v.toString() : String(v as object);
    case 'decimal':
      return `NumberDecimal("${String(v as object)}")`;
    case 'string':
      return `"${v as string}"`;
    case 'bool':
      return v ? 'true' : 'false';
    case 'null':
      return 'null';
    case 'undefined':
      return 'undefined';
    case 'array': {
      const items = (v as unknown[]).map(formatValue);
      return items.length === 0 ? '[]' : `[ ${items.join(', ')} ]`;
    }
    case 'object': {
      if (!isDocument(v) || (v as { _bsontype?: unknown })._bsontype !== undefined) return String(v);
      const fields = Object.entries(v).map(([k, x]) => formatElement(k, x));
      return fields.length === 0 ? '{}' : `{ ${fields.join(', ')} }`;
    }
    case 'date':
      return `new Date(${(v as Date).getTime()})`;
    case 'objectId':
      return `ObjectId('${(v as { toHexString(): string }).toHexString()}')`;
    case 'regex': {
      if (v instanceof RegExp) return `/${v.source}/${v.flags}`;
      const r = v as { pattern: string; options: string };
      return `/${r.pattern}/${r.options}`;
    }
    case 'timestamp': {
      const t = v as { t: number; i: number };
      return `Timestamp(${t.t}, ${t.i})`;
    }
    case 'minKey':
      return 'MinKey';
    case 'maxKey':
      return 'MaxKey';
    default:
      return String(v);
  }
}

/** `name: value`, as mongod prints an element. */
export function formatElement(name: string, v: unknown): string {
  return `${name}: ${formatValue(v)}`;
}

/**
 * A double as mongod prints it: C's `%.16g`, then ".0" when the text has no '.' or 'E' (so integral values read
 * as doubles, and NaN/infinity print as `nan.0`/`inf.0`).
 */
export function formatDouble(x: number): string {
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
    const m = stripZeros(mantissa);
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    return `${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  return stripZeros(x.toFixed(Math.max(0, 15 - exp)));
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}
