import { parseStoredGeometry } from './geojson.js';
import { GeoParseError } from './parse_error.js';
import type { Shape } from './shapes.js';

const parsed = new WeakMap<object, Shape | null>();

/**
 * A document's value as a geometry, or null when it is none (a query then does not match it). Parsed geometries are
 * kept by value identity: a document read once is tested against a filter once per value.
 */
export function storedGeometry(value: unknown): Shape | null {
  if (value === null || typeof value !== 'object') return null;
  const known = parsed.get(value);
  if (known !== undefined) return known;
  let shape: Shape | null;
  try {
    shape = parseStoredGeometry(value);
  } catch (err) {
    if (!(err instanceof GeoParseError)) throw err;
    shape = null;
  }
  parsed.set(value, shape);
  return shape;
}
