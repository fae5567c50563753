import { bsonTypeOf, valueToString } from '../../bson/index.js';

/** A geometry mongod's GeoParser refuses: the reason is its Status reason, which callers wrap in their own error. */
export class GeoParseError extends Error {}

export function geoError(reason: string): GeoParseError {
  return new GeoParseError(reason);
}

/** mongod's typeName for a value: `missing` for an absent one. */
export function typeName(v: unknown): string {
  return v === undefined ? 'missing' : bsonTypeOf(v);
}

/** A value as mongod's BSONElement::toString(false) prints it. */
export function shown(v: unknown): string {
  return valueToString(v);
}

export function isNumber(v: unknown): boolean {
  const t = bsonTypeOf(v);
  return t === 'int' || t === 'long' || t === 'double' || t === 'decimal';
}
