import { bsonTypeOf, isDocument, toNumber } from '../bson/types.js';

/**
 * A value printed the way mongod prints one in messages (`{ _id: 1 }`, `"abc"`, `ObjectId('...')`), for
 * errmsg strings that clients and tests match on.
 */
export function formatValue(v: unknown): string {
  switch (bsonTypeOf(v)) {
    case 'string':
      return JSON.stringify(v);
    case 'int':
    case 'long':
    case 'double':
    case 'decimal': {
      const n = toNumber(v);
      return Number.isInteger(n) && bsonTypeOf(v) === 'double' ? `${n}.0` : String(n);
    }
    case 'null':
      return 'null';
    case 'undefined':
      return 'undefined';
    case 'bool':
      return String(v);
    case 'objectId':
      return `ObjectId('${(v as { toHexString(): string }).toHexString()}')`;
    case 'date':
      return `new Date(${(v as Date).getTime()})`;
    case 'array':
      return `[ ${(v as unknown[]).map(formatValue).join(', ')} ]`;
    case 'object':
      return formatKeyValue(v as Record<string, unknown>);
    default:
      return String(v);
  }
}

export function formatKeyValue(doc: Record<string, unknown>): string {
  if (!isDocument(doc)) return formatValue(doc);
  const keys = Object.keys(doc);
  if (keys.length === 0) return '{}';
  return `{ ${keys.map((k) => `${k}: ${formatValue(doc[k])}`).join(', ')} }`;
}
