import { s2 } from 's2js';
import { isDocument, toNumber, type Document } from '../../bson/index.js';
import { geoError, isNumber, shown, typeName } from './parse_error.js';
import { isValidLngLat, pointOf, type Shape, type PointShape } from './shapes.js';

/**
 * GeoJSON and legacy coordinate pairs, parsed with mongod's GeoParser rules and reasons: GeoJSON coordinates are
 * (longitude, latitude) within bounds, polygons are closed loops of three or more distinct vertices whose edges do
 * not cross, holes lie inside the first loop. A parse failure throws GeoParseError with mongod's reason.
 */

export const STRICT_WINDING_CRS = 'urn:x-mongodb:crs:strictwinding:EPSG:4326';
const GEOJSON_TYPES = new Set(['Point', 'LineString', 'Polygon', 'MultiPoint', 'MultiLineString', 'MultiPolygon', 'GeometryCollection']);

/** The entries of a document or array, in order (a legacy point may be either). */
function entriesOf(v: Document | unknown[]): unknown[] {
  return Array.isArray(v) ? v : Object.values(v);
}

/** mongod's parseFlatPointCoordinates + parseFlatPoint: two numbers (more allowed for stored points), finite. */
export function parseFlatPoint(v: unknown, allowMore: boolean): { x: number; y: number } {
  if (!isDocument(v) && !Array.isArray(v)) throw geoError(`Point must be an array or object, instead got type ${typeName(v)}`);
  const items = entriesOf(v);
  const [x, y] = items;
  if (!isNumber(x)) throw geoError(`Point must only contain numeric elements, instead got type ${typeName(x)}`);
  if (!isNumber(y)) throw geoError(`Point must only contain numeric elements, instead got type ${typeName(y)}`);
  if (!allowMore && items.length > 2) throw geoError('Point must only contain two numeric elements');
  const px = toNumber(x);
  const py = toNumber(y);
  if (!Number.isFinite(px) || !Number.isFinite(py)) throw geoError('Point coordinates must be finite numbers');
  return { x: px, y: py };
}

/** A legacy coordinate pair: flat, projected onto the sphere when it is a valid longitude/latitude. */
export function legacyPoint(v: unknown, allowMore: boolean): PointShape {
  const { x, y } = parseFlatPoint(v, allowMore);
  return { kind: 'point', crs: 'flat', x, y, point: isValidLngLat(x, y) ? pointOf(x, y) : null };
}

function coordinate(v: unknown): { x: number; y: number; point: s2.Point } {
  if (!Array.isArray(v)) throw geoError(`GeoJSON coordinates must be an array, instead got type ${typeName(v)}`);
  const { x, y } = parseFlatPoint(v, true);
  if (!isValidLngLat(x, y)) throw geoError(`Longitude/latitude is out of bounds, lng: ${num(x)} lat: ${num(y)}`);
  return { x, y, point: pointOf(x, y) };
}

/** A number as mongod's stream operator prints a double. */
function num(n: number): string {
  return String(n);
}

function coordinates(v: unknown): s2.Point[] {
  if (!Array.isArray(v)) throw geoError(`GeoJSON coordinates must be an array of coordinates, instead got type ${typeName(v)}`);
  return v.map((c) => coordinate(c).point);
}

function samePoint(a: s2.Point, b: s2.Point): boolean {
  return a.x === b.x && a.y === b.y && a.z === b.z;
}

function withoutRepeats(points: s2.Point[]): s2.Point[] {
  const out: s2.Point[] = [];
  for (const p of points) if (out.length === 0 || !samePoint(out[out.length - 1]!, p)) out.push(p);
  return out;
}

/** A loop's vertices: closed, repeats dropped, the closing vertex dropped, at least three left. */
function loopVertices(raw: unknown, shownLoop: unknown): s2.Point[] {
  const points = coordinates(raw);
  if (points.length === 0) throw geoError(`Loop has no vertices: ${shown(shownLoop)}`);
  if (!samePoint(points[0]!, points[points.length - 1]!)) {
    throw geoError(`Loop is not closed, first vertex does not equal last vertex: ${shown(shownLoop)}`);
  }
  const vertices = withoutRepeats(points);
  vertices.pop();
  if (vertices.length < 3) {
    throw geoError(`Loop must have at least 3 different vertices, ${vertices.length} unique vertices were provided: ${shown(shownLoop)}`);
  }
  return vertices;
}

/** The sign of the triple product (a × b) · c: 1 when a, b, c turn counterclockwise, -1 clockwise, 0 collinear. */
function turn(a: s2.Point, b: s2.Point, c: s2.Point): number {
  const x = a.y * b.z - a.z * b.y;
  const y = a.z * b.x - a.x * b.z;
  const z = a.x * b.y - a.y * b.x;
  return Math.sign(x * c.x + y * c.y + z * c.z);
}

/** S2's CrossingSign > 0: the arcs AB and CD cross at a point interior to both. */
function arcsCross(a: s2.Point, b: s2.Point, c: s2.Point, d: s2.Point): boolean {
  const acb = -turn(a, b, c);
  if (acb === 0 || acb !== turn(a, b, d)) return false;
  return -turn(c, d, b) === acb && turn(c, d, a) === acb;
}

function degrees(p: s2.Point): string {
  const ll = s2.LatLng.fromPoint(p);
  return `[${((ll.lng * 180) / Math.PI).toFixed(7)}, ${((ll.lat * 180) / Math.PI).toFixed(7)}]`;
}

/** S2Loop::IsValid's crossing check: no two non-adjacent edges cross. */
function crossingEdges(vertices: s2.Point[]): string | null {
  const n = vertices.length;
  for (let i = 0; i < n; i++) {
    const a = vertices[i]!;
    const b = vertices[(i + 1) % n]!;
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue;
      const c = vertices[j]!;
      const d = vertices[(j + 1) % n]!;
      if (arcsCross(a, b, c, d)) {
        return `Edges ${i} and ${j} cross. Edge locations in degrees: ${degrees(a)}-${degrees(b)} and ${degrees(c)}-${degrees(d)}`;
      }
    }
  }
  return null;
}

function checkedLoop(vertices: s2.Point[], shownLoop: unknown): s2.Loop {
  const loop = new s2.Loop(vertices);
  const err = loop.validate()?.message ?? crossingEdges(vertices);
  if (err) throw geoError(`Loop is not valid: ${shown(shownLoop)} ${err}`);
  return loop;
}

function polygonCoordinates(v: unknown): s2.Polygon {
  if (!Array.isArray(v)) throw geoError(`Polygon coordinates must be an array, instead got type ${typeName(v)}`);
  const loops: s2.Loop[] = [];
  for (const raw of v) {
    const loop = checkedLoop(loopVertices(raw, raw), raw);
    loop.normalize();
    if (loops.length > 0 && !loops[0]!.contains(loop)) {
      throw geoError(`Secondary loops not contained by first exterior loop - secondary loops must be holes: ${shown(raw)} first loop: ${shown(v[0])}`);
    }
    loops.push(loop);
  }
  if (loops.length === 0) throw geoError('Polygon has no loops.');
  for (let i = 1; i < loops.length; i++) {
    for (let j = i + 1; j < loops.length; j++) {
      if (loops[i]!.intersects(loops[j]!)) throw geoError(`Polygon isn't valid: Loop ${i} crosses loop ${j} ${shown(v)}`);
    }
  }
  return new s2.Polygon(loops);
}

function bigPolygonCoordinates(v: unknown): s2.Loop {
  if (!Array.isArray(v)) throw geoError(`Coordinates of polygon must be an array, instead got type ${typeName(v)}`);
  if (v.length !== 1) throw geoError(`Only one simple loop is allowed in a big polygon, instead provided ${v.length} loops: ${shown(v)}`);
  const points = coordinates(v[0]);
  if (points.length === 0) throw geoError(`Loop has no vertices: ${shown(v[0])}`);
  if (!samePoint(points[0]!, points[points.length - 1]!)) {
    throw geoError(`Loop is not closed, first vertex does not equal last vertex: ${shown(v[0])}`);
  }
  const vertices = withoutRepeats(points);
  vertices.pop();
  if (vertices.length < 3) throw geoError(`Loop must have at least 3 different vertices, ${vertices.length} unique vertices were provided: ${shown(v)}`);
  return checkedLoop(vertices, v);
}

function lineCoordinates(v: unknown): s2.Polyline {
  const vertices = withoutRepeats(coordinates(v));
  if (vertices.length < 2) throw geoError(`GeoJSON LineString must have at least 2 vertices, instead got ${vertices.length} vertices: ${shown(v)}`);
  for (let i = 1; i < vertices.length; i++) {
    const a = vertices[i - 1]!;
    const b = vertices[i]!;
    if (a.x === -b.x && a.y === -b.y && a.z === -b.z) {
      throw geoError(`GeoJSON LineString is not valid: Vertices ${i - 1} and ${i} are antipodal ${shown(v)}`);
    }
  }
  return new s2.Polyline(vertices);
}

/** The `crs` of a GeoJSON object: the sphere, or strict winding where a polygon may have it. */
function crsOf(obj: Document, allowStrict: boolean): 'sphere' | 'strict' {
  const crs = obj.crs;
  if (crs === undefined) return 'sphere';
  if (!isDocument(crs)) throw geoError(`GeoJSON CRS must be an object, instead got type ${typeName(crs)}`);
  if (crs.type !== 'name') throw geoError('GeoJSON CRS must have field "type": "name"');
  const properties = crs.properties;
  if (!isDocument(properties)) throw geoError(`CRS must have field "properties" which is an object, instead got type ${typeName(properties)}`);
  const name = properties.name;
  if (typeof name !== 'string') throw geoError(`In CRS, "properties.name" must be a string, instead got type ${typeName(name)}`);
  if (name === 'urn:ogc:def:crs:OGC:1.3:CRS84' || name === 'EPSG:4326') return 'sphere';
  if (name === STRICT_WINDING_CRS) {
    if (!allowStrict) throw geoError('Strict winding order CRS is only supported by polygon');
    return 'strict';
  }
  throw geoError(`Unknown CRS name: ${name}`);
}

/** The GeoJSON type named by `obj.type`, or null when it names none. */
export function geoJsonType(obj: Document): string | null {
  return typeof obj.type === 'string' && GEOJSON_TYPES.has(obj.type) ? obj.type : null;
}

/** A GeoJSON point (`type` may be absent, as mongod's near point parser allows). */
export function geoJsonPoint(obj: Document): PointShape {
  if (obj.type !== undefined && obj.type !== 'Point') {
    throw geoError(`Expected geojson geometry with type Point, but got type ${geoJsonType(obj) ?? 'unknown'}`);
  }
  crsOf(obj, false);
  const { x, y } = parseFlatPoint(obj.coordinates, true);
  if (!isValidLngLat(x, y)) throw geoError(`Longitude/latitude is out of bounds, lng: ${num(x)} lat: ${num(y)}`);
  return { kind: 'point', crs: 'sphere', x, y, point: pointOf(x, y) };
}

/** A whole GeoJSON geometry of a known type (see {@link geoJsonType}). */
export function parseGeoJson(obj: Document): Shape {
  const type = geoJsonType(obj);
  switch (type) {
    case 'Point':
      return geoJsonPoint(obj);
    case 'LineString':
      crsOf(obj, false);
      return { kind: 'line', line: lineCoordinates(obj.coordinates) };
    case 'Polygon':
      if (crsOf(obj, true) === 'strict') return { kind: 'bigPolygon', loop: bigPolygonCoordinates(obj.coordinates) };
      return { kind: 'polygon', polygon: polygonCoordinates(obj.coordinates) };
    case 'MultiPoint': {
      crsOf(obj, false);
      const points = coordinates(obj.coordinates);
      if (points.length === 0) throw geoError('MultiPoint coordinates must have at least 1 element');
      return { kind: 'multiPoint', points };
    }
    case 'MultiLineString': {
      crsOf(obj, false);
      const raw = obj.coordinates;
      if (!Array.isArray(raw)) throw geoError(`MultiLineString coordinates must be an array, instead got type ${typeName(raw)}`);
      const lines = raw.map(lineCoordinates);
      if (lines.length === 0) throw geoError('MultiLineString coordinates must have at least 1 element');
      return { kind: 'multiLine', lines };
    }
    case 'MultiPolygon': {
      crsOf(obj, false);
      const raw = obj.coordinates;
      if (!Array.isArray(raw)) throw geoError(`MultiPolygon coordinates must be an array, instead got type ${typeName(raw)}`);
      const polygons = raw.map(polygonCoordinates);
      if (polygons.length === 0) throw geoError('MultiPolygon coordinates must have at least 1 element');
      return { kind: 'multiPolygon', polygons };
    }
    case 'GeometryCollection': {
      const raw = obj.geometries;
      if (!Array.isArray(raw)) throw geoError(`GeometryCollection geometries must be an array, instead got type ${typeName(raw)}`);
      if (raw.length === 0) throw geoError('GeometryCollection geometries must have at least 1 element');
      const members = raw.map((g, i) => {
        if (!isDocument(g)) throw geoError(`Element ${i} of "geometries" must be an object, instead got type ${typeName(g)}: ${shown(g)}`);
        const t = geoJsonType(g);
        if (t === null) throw geoError(`Unknown GeoJSON type: ${shown(g)}`);
        if (t === 'GeometryCollection') throw geoError(`GeometryCollections cannot be nested: ${shown(g)}`);
        return parseGeoJson(g);
      });
      return { kind: 'collection', members };
    }
    default:
      throw geoError(`unknown GeoJSON type: ${shown(obj)}`);
  }
}

/**
 * A geometry as stored in a document (mongod's parseFromStorage): an array, or an object whose first value is a
 * number, is a legacy point (extra values allowed); any other object is GeoJSON.
 */
export function parseStoredGeometry(v: unknown): Shape {
  if (!isDocument(v) && !Array.isArray(v)) throw geoError(`geo element must be an array or object: ${shown(v)}`);
  if (Array.isArray(v) || isNumber(Object.values(v)[0])) return legacyPoint(v, true);
  if (geoJsonType(v) === null) throw geoError(`unknown GeoJSON type: ${shown(v)}`);
  return parseGeoJson(v);
}
