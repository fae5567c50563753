// The geometry under the geo operators and indexes: GeoJSON parsing with mongod's reasons, the spherical and flat
// predicates, distances against an independent haversine, and the S2 and geohash coverings the indexes rely on.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { s2 } from 's2js';
import { parseStoredGeometry } from '../../../../src/query/geo/geojson.js';
import { GeoParseError } from '../../../../src/query/geo/parse_error.js';
import { parseGeoQuery, parseNearQuery } from '../../../../src/query/geo/query.js';
import { intersectsSphere, within } from '../../../../src/query/geo/relations.js';
import { EARTH_RADIUS_METERS, sphereDistance } from '../../../../src/query/geo/distance.js';
import { capRing, cellRanges, closestLevel, queryCells, s2Params, storedCells } from '../../../../src/query/geo/s2_cover.js';
import { boxRanges, pointHash, twoDParams } from '../../../../src/query/geo/geohash.js';
import { pointOf } from '../../../../src/query/geo/shapes.js';

const poly = (ring: number[][], ...holes: number[][][]) => ({ type: 'Polygon', coordinates: [ring, ...holes] });
const pt = (x: number, y: number) => ({ type: 'Point', coordinates: [x, y] });
const square = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]];

function reason(v: unknown): string {
  try {
    parseStoredGeometry(v);
  } catch (err) {
    assert.ok(err instanceof GeoParseError);
    return err.message;
  }
  assert.fail('parsed');
}

/** The great-circle distance in radians, by the haversine formula (independent of S2). */
function haversine(a: [number, number], b: [number, number]): number {
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLng = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * Math.asin(Math.sqrt(h));
}

describe('GeoJSON and legacy pairs as mongod parses them', () => {
  test('points: bounds, numeric coordinates, extra stored values', () => {
    assert.equal(reason(pt(200, 0)), 'Longitude/latitude is out of bounds, lng: 200 lat: 0');
    assert.equal(reason({ type: 'Point', coordinates: ['a', 1] }), 'Point must only contain numeric elements, instead got type string');
    assert.equal(reason('here'), 'geo element must be an array or object: "here"');
    assert.equal(reason({ type: 'Circle', coordinates: [1, 2] }), 'unknown GeoJSON type: { type: "Circle", coordinates: [ 1, 2 ] }');
    const legacy = parseStoredGeometry([1, 2, 3]);
    assert.equal(legacy.kind, 'point');
    assert.ok(legacy.kind === 'point' && legacy.crs === 'flat' && legacy.point !== null);
    const flatOnly = parseStoredGeometry([500, 2]);
    assert.ok(flatOnly.kind === 'point' && flatOnly.point === null);
  });

  test('polygons: closed loops of three distinct vertices, edges that do not cross, holes inside', () => {
    assert.match(reason(poly([[0, 0], [1, 0], [1, 1], [0, 1]])), /^Loop is not closed, first vertex does not equal last vertex: /);
    assert.match(reason(poly([[0, 0], [1, 1], [0, 0], [0, 0]])), /^Loop must have at least 3 different vertices, 2 unique vertices were provided: /);
    assert.match(reason(poly([[0, 0], [10, 10], [10, 0], [0, 10], [0, 0]])), /^Loop is not valid: .* Edges? .*cross/i);
    assert.match(reason(poly(square, [[20, 20], [21, 20], [21, 21], [20, 20]])), /^Secondary loops not contained by first exterior loop - secondary loops must be holes: /);
    assert.equal(parseStoredGeometry(poly(square, [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]])).kind, 'polygon');
  });

  test('lines, multi-geometries and collections', () => {
    assert.match(reason({ type: 'LineString', coordinates: [[1, 1]] }), /^GeoJSON LineString must have at least 2 vertices, instead got 1 vertices: /);
    assert.equal(reason({ type: 'MultiPoint', coordinates: [] }), 'MultiPoint coordinates must have at least 1 element');
    assert.match(reason({ type: 'GeometryCollection', geometries: [{ type: 'GeometryCollection', geometries: [] }] }), /^GeometryCollections cannot be nested: /);
    assert.equal(parseStoredGeometry({ type: 'MultiPolygon', coordinates: [[square]] }).kind, 'multiPolygon');
  });
});

describe('the predicates', () => {
  const withHole = parseGeoQuery('$geoWithin', { $geometry: poly(square, [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]) });

  test('$geoWithin a polygon with a hole: inside, in the hole, on the edge, outside', () => {
    assert.equal(within(parseStoredGeometry(pt(2, 2)), withHole.shape), true);
    assert.equal(within(parseStoredGeometry(pt(5, 5)), withHole.shape), false);
    assert.equal(within(parseStoredGeometry(pt(10, 5)), withHole.shape), true);
    assert.equal(within(parseStoredGeometry(pt(12, 5)), withHole.shape), false);
    // A line inside the ring but across the hole leaves the polygon.
    assert.equal(within(parseStoredGeometry({ type: 'LineString', coordinates: [[1, 5], [9, 5]] }), withHole.shape), false);
    assert.equal(within(parseStoredGeometry({ type: 'LineString', coordinates: [[1, 1], [3, 2]] }), withHole.shape), true);
  });

  test('edges are great-circle arcs: a point near a long edge of a polygon is judged on the sphere', () => {
    // Along the parallel 60°N between 0° and 90°E the great-circle edge bulges north: (45, 61) is inside the
    // spherical polygon although it lies north of the straight lat/lng edge.
    const q = parseGeoQuery('$geoWithin', { $geometry: poly([[0, 60], [90, 60], [90, 0], [0, 0], [0, 60]]) });
    assert.equal(within(parseStoredGeometry(pt(45, 61)), q.shape), true);
  });

  test('$geoIntersects: lines crossing, a point on a line, polygons overlapping', () => {
    const line = parseGeoQuery('$geoIntersects', { $geometry: { type: 'LineString', coordinates: [[-5, 5], [15, 5]] } });
    assert.equal(intersectsSphere(parseStoredGeometry({ type: 'LineString', coordinates: [[5, -5], [5, 15]] }), line.shape), true);
    assert.equal(intersectsSphere(parseStoredGeometry(poly(square)), line.shape), true);
    assert.equal(intersectsSphere(parseStoredGeometry(pt(20, 20)), line.shape), false);
    const other = parseGeoQuery('$geoIntersects', { $geometry: poly([[9, 9], [20, 9], [20, 20], [9, 20], [9, 9]]) });
    assert.equal(intersectsSphere(parseStoredGeometry(poly(square)), other.shape), true);
  });

  test('a strict-winding polygon covers the side its winding says, more than a hemisphere if so', () => {
    const crs = { type: 'name', properties: { name: 'urn:x-mongodb:crs:strictwinding:EPSG:4326' } };
    // Clockwise: everything but the square.
    const big = parseGeoQuery('$geoWithin', { $geometry: { type: 'Polygon', coordinates: [[[0, 0], [0, 10], [10, 10], [10, 0], [0, 0]]], crs } });
    assert.equal(within(parseStoredGeometry(pt(5, 5)), big.shape), false);
    assert.equal(within(parseStoredGeometry(pt(100, -40)), big.shape), true);
  });

  test('flat shapes: $box, $polygon, $center hold points by their coordinates; $centerSphere is a cap', () => {
    const box = parseGeoQuery('$geoWithin', { $box: [[0, 0], [100, 100]] });
    assert.equal(within(parseStoredGeometry([50, 50]), box.shape), true);
    assert.equal(within(parseStoredGeometry([150, 50]), box.shape), false);
    const tri = parseGeoQuery('$geoWithin', { $polygon: [[0, 0], [3, 6], [6, 0]] });
    assert.equal(within(parseStoredGeometry([3, 1]), tri.shape), true);
    assert.equal(within(parseStoredGeometry([0, 5]), tri.shape), false);
    const circle = parseGeoQuery('$geoWithin', { $center: [[-74, 40.74], 10] });
    assert.equal(within(parseStoredGeometry([-70, 45]), circle.shape), true);
    const cap = parseGeoQuery('$geoWithin', { $centerSphere: [[-88, 30], 10 / 3963.2] });
    assert.equal(within(parseStoredGeometry(pt(-88.1, 30.1)), cap.shape), true);
    assert.equal(within(parseStoredGeometry(pt(-89, 31)), cap.shape), false);
  });

  test('operand errors are BadValue with mongod reasons', () => {
    assert.throws(() => parseGeoQuery('$geoWithin', { $foo: [1, 2] }), { code: 2, message: /^unknown geo specifier: \$foo: / });
    assert.throws(() => parseGeoQuery('$geoWithin', { $geometry: pt(1, 1) }), { code: 2, message: /^\$geoWithin not supported with provided geometry: / });
    assert.throws(() => parseGeoQuery('$geoIntersects', { $box: [[0, 0], [1, 1]] }), { code: 2, message: /^\$geoIntersect not supported with provided geometry: / });
    assert.throws(() => parseGeoQuery('$geoWithin', { $center: [[0, 0], -1] }), { code: 2, message: 'Radius must be a non-negative number: -1' });
    assert.throws(() => parseNearQuery('loc', { $near: { $geometry: pt(1, 1), $maxDistance: -1 } }), { code: 16900 });
    assert.throws(() => parseNearQuery('loc', { $near: [1, 2], $maxDistance: 'x' }), { code: 16895 });
    assert.throws(() => parseNearQuery('loc', { $nearSphere: [500, 2] }), { code: 17444 });
  });
});

describe('distances', () => {
  test('point to point matches the haversine formula; inside a polygon is 0; to a line is to its nearest point', () => {
    const a: [number, number] = [-73.99279, 40.719296];
    for (const b of [[-73.9928, 40.7193], [-73.97, 40.77], [2.35, 48.85], [151.2, -33.87]] as [number, number][]) {
      const d = sphereDistance(parseStoredGeometry(pt(...b)), pointOf(...a))!;
      assert.ok(Math.abs(d - haversine(a, b)) < 1e-12, `${d} vs ${haversine(a, b)}`);
    }
    assert.equal(sphereDistance(parseStoredGeometry(poly(square)), pointOf(5, 5)), 0);
    const toLine = sphereDistance(parseStoredGeometry({ type: 'LineString', coordinates: [[0, 0], [0, 10]] }), pointOf(1, 5))!;
    assert.ok(Math.abs(toLine * EARTH_RADIUS_METERS - haversine([1, 5], [0, 5]) * EARTH_RADIUS_METERS) < 50);
  });
});

describe('index coverings', () => {
  test("mongod's version 3 defaults: finest level 16, coarsest 2, 20 cells", () => {
    assert.deepEqual(s2Params({}), { finestIndexedLevel: 16, coarsestIndexedLevel: 2, maxCellsInCovering: 20 });
    assert.equal(closestLevel(500 / EARTH_RADIUS_METERS), 14);
  });

  test('a point is its leaf cell; a polygon its covering; a query covering finds both through cell ranges and ancestors', () => {
    const params = s2Params({});
    const point = storedCells(parseStoredGeometry(pt(5, 5)), params)!;
    assert.equal(point.length, 1);
    assert.equal(s2.cellid.level(point[0]!), 30);
    const polygon = storedCells(parseStoredGeometry(poly(square)), params)!;
    assert.ok(polygon.length > 0 && polygon.length <= 30);
    for (const c of polygon) assert.ok(s2.cellid.level(c) >= 2 && s2.cellid.level(c) <= 16);
    // A small query region inside the polygon: its ranges reach the polygon's coarser cells through ancestors.
    const q = parseGeoQuery('$geoIntersects', { $geometry: poly([[5, 5], [5.01, 5], [5.01, 5.01], [5, 5.01], [5, 5]]) });
    const ranges = cellRanges(queryCells(q.shape)!, params);
    const hit = (id: bigint) => ranges.some(([lo, hi]) => id >= lo && id <= hi);
    assert.ok(polygon.some(hit));
    assert.ok(hit(point[0]!));
  });

  test('near rings: every point within a ring radius lies in that ring or an earlier one', () => {
    const params = s2Params({});
    let seed = 17;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (const [lng, lat] of [[0, 0], [-73.9, 40.7], [179.99, 0.5], [10, 89.9]] as [number, number][]) {
      const center = pointOf(lng, lat);
      const read: [bigint, bigint][] = [];
      let inner = 0;
      for (const radius of [1e-5, 4e-5, 2e-4, 1e-3, 5e-3, 3e-2]) {
        read.push(...cellRanges(capRing(center, radius, inner), params));
        for (let i = 0; i < 200; i++) {
          // A point at a random bearing and a random distance up to the radius.
          const d = radius * Math.sqrt(random());
          const bearing = random() * 2 * Math.PI;
          const lat1 = (lat * Math.PI) / 180;
          const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(bearing));
          const lng2 = (lng * Math.PI) / 180 + Math.atan2(Math.sin(bearing) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
          const id = s2.cellid.fromPoint(pointOf((lng2 * 180) / Math.PI, (lat2 * 180) / Math.PI));
          assert.ok(read.some(([lo, hi]) => id >= lo && id <= hi), `a point ${d} from (${lng}, ${lat}) was missed at radius ${radius}`);
        }
        inner = radius;
      }
    }
  });

  test('2d geohashes: nearby points share prefixes, and a box covering holds every point inside the box', () => {
    const p = twoDParams({});
    const ranges = boxRanges(-10, -10, 10, 10, p);
    for (const [x, y] of [[0, 0], [-10, -10], [9.99, 9.99], [-3, 7]]) {
      const h = pointHash(x!, y!, p);
      assert.ok(ranges.some(([lo, hi]) => h >= lo && h <= hi), `${x},${y}`);
    }
    assert.ok(pointHash(0, 0, p) < pointHash(100, 0, p));
  });
});
