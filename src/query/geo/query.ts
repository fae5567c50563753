import { s2 } from 's2js';
import { isDocument, toNumber, valueToString, type Document } from '../../bson/index.js';
import { mongoError, MongoServerError } from '../../errors/index.js';
import { geoJsonPoint, geoJsonType, legacyPoint, parseFlatPoint, parseGeoJson } from './geojson.js';
import { GeoParseError, geoError, isNumber, shown } from './parse_error.js';
import { isValidLngLat, pointOf, type PointShape, type Shape } from './shapes.js';

/*
 * The operands of the geo query operators, parsed as mongod's GeoExpression and GeoNearExpression parse them. Every
 * refusal is BadValue (2) with mongod's reason, unless mongod asserts with a location code of its own.
 */

/** `$geoWithin` / `$geoIntersects`: the predicate and its geometry. */
export interface GeoQuery {
  predicate: 'within' | 'intersects';
  shape: Shape;
}

/** `$near` / `$nearSphere`: where from, how far, and in which units. */
export interface NearQuery {
  path: string;
  /** The operator as written, for explain and errors. */
  operator: '$near' | '$nearSphere' | '$geoNear';
  centroid: PointShape;
  /** `$nearSphere`, or a GeoJSON point: distances on the sphere. */
  spherical: boolean;
  /** Distances in radians (a legacy point with `$nearSphere`); otherwise meters on the sphere, units on the plane. */
  unitsAreRadians: boolean;
  minDistance: number;
  maxDistance: number;
}

function badValue(reason: string): MongoServerError {
  return mongoError('BadValue', reason);
}

function rethrow<T>(f: () => T, prefix = ''): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof GeoParseError) throw badValue(prefix + err.message);
    throw err;
  }
}

/** The shape a geo specifier names (`$box`, `$center`, `$polygon`, `$centerSphere`, `$geometry`). */
function parseSpecifier(name: string, value: unknown): Shape {
  if (!isDocument(value) && !Array.isArray(value)) throw badValue(`unknown geo specifier: ${name}: ${valueToString(value)}`);
  const items = Array.isArray(value) ? value : Object.values(value);
  switch (name) {
    case '$box': {
      const a = parseFlatPoint(items[0], false);
      const b = parseFlatPoint(items[1], false);
      return { kind: 'box', minX: Math.min(a.x, b.x), minY: Math.min(a.y, b.y), maxX: Math.max(a.x, b.x), maxY: Math.max(a.y, b.y) };
    }
    case '$polygon': {
      const points = items.map((p) => parseFlatPoint(p, false));
      if (points.length < 3) throw geoError(`Polygon must have at least 3 points, instead got ${points.length} vertices`);
      return { kind: 'flatPolygon', points };
    }
    case '$center': {
      const c = parseFlatPoint(items[0], false);
      const radius = circleRadius(items);
      return { kind: 'circle', x: c.x, y: c.y, radius };
    }
    case '$centerSphere': {
      const c = parseFlatPoint(items[0], false);
      if (!isValidLngLat(c.x, c.y)) throw geoError(`Longitude/latitude is out of bounds, lng: ${c.x} lat: ${c.y}`);
      const radius = circleRadius(items);
      const center = pointOf(c.x, c.y);
      return { kind: 'cap', x: c.x, y: c.y, radius, center, cap: s2.Cap.fromCenterAngle(center, radius) };
    }
    case '$geometry': {
      if (Array.isArray(value) || isNumber(items[0])) return legacyPoint(value, false);
      if (geoJsonType(value) === null) throw geoError(`unknown GeoJSON type: ${shown(value)}`);
      return parseGeoJson(value);
    }
    default:
      throw badValue(`unknown geo specifier: ${name}: ${valueToString(value)}`);
  }
}

function circleRadius(items: unknown[]): number {
  const radius = items[1];
  if (!isNumber(radius) || !(toNumber(radius) >= 0)) throw geoError(`Radius must be a non-negative number: ${shown(radius)}`);
  if (items.length > 2) throw geoError('Only 2 fields allowed for circular region, but more were provided');
  return toNumber(radius);
}

/** The operand of `$geoWithin` (or `$within`) or `$geoIntersects`. */
export function parseGeoQuery(operator: string, operand: unknown): GeoQuery {
  const predicate = operator === '$geoIntersects' ? 'intersects' : 'within';
  if (!isDocument(operand)) throw badValue('geometry must be an object');
  let shape: Shape | null = null;
  for (const [name, value] of Object.entries(operand)) {
    if (name === '$uniqueDocs') continue;
    shape = rethrow(() => parseSpecifier(name, value));
  }
  if (shape === null) throw badValue("geo query doesn't have any geometry");
  const whole = valueToString({ [operator]: operand });
  if (predicate === 'within') {
    const contains = ['polygon', 'multiPolygon', 'bigPolygon', 'box', 'flatPolygon', 'circle', 'cap'].includes(shape.kind);
    if (!contains) throw badValue(`${operator} not supported with provided geometry: ${whole}`);
  } else {
    const spherical = shape.kind === 'point' ? shape.point !== null : !['box', 'flatPolygon', 'circle', 'cap'].includes(shape.kind);
    if (!spherical) throw badValue(`$geoIntersect not supported with provided geometry: ${whole}`);
  }
  return { predicate, shape };
}

function distanceOption(name: string, value: unknown, codes: [number, number]): number {
  if (!isNumber(value)) throw new MongoServerError(codes[0], `${name} must be a number`);
  const n = toNumber(value);
  if (!(n >= 0)) throw new MongoServerError(codes[1], `${name} must be non-negative`);
  return n;
}

/**
 * The operand document of a near operator: `{$near: [x, y], $maxDistance: d}` (legacy), `{$near: {$geometry: point,
 * $maxDistance: d, $minDistance: d}}` (GeoJSON), and the same with `$nearSphere` or `$geoNear`.
 */
export function parseNearQuery(path: string, operators: Document): NearQuery {
  const entries = Object.entries(operators);
  const [name, first] = entries[0]!;
  const operator = name as NearQuery['operator'];
  let centroid: PointShape | null = null;
  let minDistance = 0;
  let maxDistance = Number.MAX_VALUE;
  // A point given directly (a legacy pair, or a GeoJSON point, as $geoNear writes it) takes sibling distances;
  // the `$geometry` form holds them inside.
  const direct = (isDocument(first) || Array.isArray(first)) && !(isDocument(first) && '$geometry' in first);
  if (direct) {
    const items = Array.isArray(first) ? first : Object.values(first as Document);
    const pair = Array.isArray(first) || isNumber(items[0]);
    if (pair && items.length === 3) {
      // [x, y, maxDistance]
      const { x, y } = rethrow(() => parseFlatPoint(items.slice(0, 2), false));
      if (!isNumber(items[2])) throw badValue(`Point with max distance must only contain numeric elements, instead got type ${items[2]}`);
      maxDistance = toNumber(items[2]);
      if (!(maxDistance >= 0)) throw new MongoServerError(18522, 'max distance must be non-negative');
      centroid = { kind: 'point', crs: 'flat', x, y, point: isValidLngLat(x, y) ? pointOf(x, y) : null };
    } else {
      // A value that is no point is read as the `$geometry` form below, as mongod falls back to it.
      try {
        centroid = pair ? legacyPoint(first, false) : geoJsonPoint(first as Document);
      } catch (err) {
        if (!(err instanceof GeoParseError)) throw err;
      }
    }
    for (const [key, value] of entries.slice(1)) {
      if (key === '$minDistance') minDistance = distanceOption('$minDistance', value, [16893, 16894]);
      else if (key === '$maxDistance') maxDistance = distanceOption('$maxDistance', value, [16895, 16896]);
    }
  }
  if (!centroid) {
    if (entries.length > 1) {
      throw badValue(`geo near accepts just one argument when querying for a GeoJSON point. Extra field found: ${entries[1]![0]}: ${valueToString(entries[1]![1])}`);
    }
    if (!isDocument(first)) throw badValue('geo near query argument is not an object');
    for (const [key, value] of Object.entries(first)) {
      if (key === '$geometry') {
        if (!isDocument(value) && !Array.isArray(value)) continue;
        const point = rethrow(
          () => (Array.isArray(value) || isNumber(Object.values(value)[0]) ? legacyPoint(value, false) : geoJsonPoint(value)),
          `invalid point in geo near query $geometry argument: ${valueToString(value)}  `,
        );
        if (point.crs !== 'sphere') throw new MongoServerError(16681, `$near requires geojson point, given ${valueToString(value)}`);
        centroid = point;
      } else if (key === '$minDistance') minDistance = distanceOption('$minDistance', value, [16897, 16898]);
      else if (key === '$maxDistance') maxDistance = distanceOption('$maxDistance', value, [16899, 16900]);
    }
    if (!centroid) throw badValue('$geometry is required for geo near query');
  }
  const nearSphere = operator === '$nearSphere';
  if (nearSphere && centroid.crs === 'flat' && !centroid.point) throw new MongoServerError(17444, 'Legacy point is out of bounds for spherical query');
  return {
    path,
    operator,
    centroid,
    spherical: nearSphere || centroid.crs === 'sphere',
    unitsAreRadians: nearSphere && centroid.crs === 'flat',
    minDistance,
    maxDistance,
  };
}
