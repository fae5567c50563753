import { s2 } from 's2js';
import type { Shape } from './shapes.js';

/*
 * mongod's GeometryContainer::contains and ::intersects: exact predicates on the sphere (S2), or on the plane for
 * the legacy shapes ($box, $polygon, $center). A point on a polygon's edge or vertex is within it and intersects it
 * (mongod tests the point's leaf cell); a stored legacy pair takes part in a spherical test only when it is a valid
 * longitude/latitude.
 */

/** The spherical parts of a stored geometry, flattened: points, lines and polygons. */
interface Parts {
  points: s2.Point[];
  lines: s2.Polyline[];
  polygons: s2.Polygon[];
  /** A part that cannot be on the sphere (a legacy pair out of bounds, a flat query shape). */
  unprojectable: boolean;
}

function partsOf(shape: Shape, out: Parts = { points: [], lines: [], polygons: [], unprojectable: false }): Parts {
  switch (shape.kind) {
    case 'point':
      if (shape.point) out.points.push(shape.point);
      else out.unprojectable = true;
      break;
    case 'line':
      out.lines.push(shape.line);
      break;
    case 'polygon':
      out.polygons.push(shape.polygon);
      break;
    case 'multiPoint':
      out.points.push(...shape.points);
      break;
    case 'multiLine':
      out.lines.push(...shape.lines);
      break;
    case 'multiPolygon':
      out.polygons.push(...shape.polygons);
      break;
    case 'collection':
      for (const m of shape.members) partsOf(m, out);
      break;
    default:
      out.unprojectable = true;
  }
  return out;
}

/** The closed boundary of a loop as a polyline, for crossing tests. */
function boundaryOf(loop: s2.Loop): s2.Polyline {
  return new s2.Polyline([...loop.vertices, loop.vertices[0]!]);
}

const boundaries = new WeakMap<object, s2.Polyline[]>();

function loopBoundaries(owner: s2.Polygon | s2.Loop): s2.Polyline[] {
  let found = boundaries.get(owner);
  if (!found) {
    const loops = owner instanceof s2.Loop ? [owner] : owner.loops;
    found = loops.map(boundaryOf);
    boundaries.set(owner, found);
  }
  return found;
}

/** A region on the sphere: a polygon, a big polygon's loop, or a cap. */
export type SphereRegion = { kind: 'polygon'; polygon: s2.Polygon } | { kind: 'loop'; loop: s2.Loop } | { kind: 'cap'; cap: s2.Cap };

function regionContainsPoint(r: SphereRegion, p: s2.Point): boolean {
  switch (r.kind) {
    case 'polygon':
      return r.polygon.containsPoint(p) || r.polygon.intersectsCell(s2.Cell.fromPoint(p));
    case 'loop':
      return r.loop.containsPoint(p) || r.loop.intersectsCell(s2.Cell.fromPoint(p));
    case 'cap':
      return r.cap.containsPoint(p);
  }
}

function regionBoundaryCrosses(r: SphereRegion, line: s2.Polyline): boolean {
  if (r.kind === 'cap') return false;
  return loopBoundaries(r.kind === 'polygon' ? r.polygon : r.loop).some((b) => b.intersects(line));
}

function regionContainsLine(r: SphereRegion, line: s2.Polyline): boolean {
  return line.points.every((p) => regionContainsPoint(r, p)) && !regionBoundaryCrosses(r, line);
}

function regionContainsPolygon(r: SphereRegion, polygon: s2.Polygon): boolean {
  switch (r.kind) {
    case 'polygon':
      return r.polygon.contains(polygon);
    case 'loop':
      return polygon.loops.every((l) => l.vertices.every((p) => regionContainsPoint(r, p))) && !loopBoundaries(polygon).some((b) => regionBoundaryCrosses(r, b));
    case 'cap':
      return polygon.loops.every((l) => l.vertices.every((p) => r.cap.containsPoint(p)));
  }
}

/**
 * True when the stored geometry lies within spherical regions ($geoWithin $geometry / $centerSphere): each of its
 * points, lines and polygons within one of them (a multipolygon's polygons are tested one by one, as mongod does).
 */
export function withinSphere(stored: Shape, regions: SphereRegion[]): boolean {
  const parts = partsOf(stored);
  if (parts.unprojectable) return false;
  return (
    parts.points.every((p) => regions.some((r) => regionContainsPoint(r, p))) &&
    parts.lines.every((l) => regions.some((r) => regionContainsLine(r, l))) &&
    parts.polygons.every((p) => regions.some((r) => regionContainsPolygon(r, p)))
  );
}

function polygonIntersectsLine(polygon: s2.Polygon | s2.Loop, line: s2.Polyline): boolean {
  const inside = (p: s2.Point) => polygon.containsPoint(p) || polygon.intersectsCell(s2.Cell.fromPoint(p));
  return line.points.some(inside) || loopBoundaries(polygon).some((b) => b.intersects(line));
}

function polygonsIntersect(a: s2.Polygon | s2.Loop, b: s2.Polygon): boolean {
  if (a instanceof s2.Loop) {
    return b.loops.some((l) => l.vertices.some((p) => a.containsPoint(p))) || a.vertices.some((p) => b.containsPoint(p)) || loopBoundaries(b).some((bl) => loopBoundaries(a).some((al) => al.intersects(bl)));
  }
  return a.intersects(b) || loopBoundaries(a).some((al) => loopBoundaries(b).some((bl) => al.intersects(bl)));
}

function lineIntersectsPoint(line: s2.Polyline, p: s2.Point): boolean {
  return line.intersectsCell(s2.Cell.fromPoint(p));
}

function pointsEqual(a: s2.Point, b: s2.Point): boolean {
  return s2.cellid.fromPoint(a) === s2.cellid.fromPoint(b);
}

/** True when the stored geometry and the query's GeoJSON geometry share a point ($geoIntersects). */
export function intersectsSphere(stored: Shape, query: Shape): boolean {
  const a = partsOf(stored);
  const b = query.kind === 'bigPolygon' ? null : partsOf(query);
  if (query.kind === 'bigPolygon') {
    const loop = query.loop;
    return a.points.some((p) => loop.containsPoint(p) || loop.intersectsCell(s2.Cell.fromPoint(p))) || a.lines.some((l) => polygonIntersectsLine(loop, l)) || a.polygons.some((p) => polygonsIntersect(loop, p));
  }
  for (const p of a.points) {
    if (b!.points.some((q) => pointsEqual(p, q))) return true;
    if (b!.lines.some((l) => lineIntersectsPoint(l, p))) return true;
    if (b!.polygons.some((poly) => poly.containsPoint(p) || poly.intersectsCell(s2.Cell.fromPoint(p)))) return true;
  }
  for (const l of a.lines) {
    if (b!.points.some((q) => lineIntersectsPoint(l, q))) return true;
    if (b!.lines.some((m) => m.intersects(l) || m.points.some((q) => lineIntersectsPoint(l, q)) || l.points.some((q) => lineIntersectsPoint(m, q)))) return true;
    if (b!.polygons.some((poly) => polygonIntersectsLine(poly, l))) return true;
  }
  for (const poly of a.polygons) {
    if (b!.points.some((q) => poly.containsPoint(q) || poly.intersectsCell(s2.Cell.fromPoint(q)))) return true;
    if (b!.lines.some((m) => polygonIntersectsLine(poly, m))) return true;
    if (b!.polygons.some((other) => polygonsIntersect(poly, other))) return true;
  }
  return false;
}

/** The region of a `$geoWithin` shape on the sphere, or null for a flat one. */
export function sphereRegionsOf(query: Shape): SphereRegion[] | null {
  switch (query.kind) {
    case 'polygon':
      return [{ kind: 'polygon', polygon: query.polygon }];
    case 'multiPolygon':
      return query.polygons.map((polygon) => ({ kind: 'polygon' as const, polygon }));
    case 'bigPolygon':
      return [{ kind: 'loop', loop: query.loop }];
    case 'cap':
      return [{ kind: 'cap', cap: query.cap }];
    default:
      return null;
  }
}

/** A flat point in a flat polygon, its boundary included (ray casting, with an on-edge test first). */
function flatPolygonContains(points: { x: number; y: number }[], x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const a = points[i]!;
    const b = points[j]!;
    const cross = (b.x - a.x) * (y - a.y) - (b.y - a.y) * (x - a.x);
    if (cross === 0 && x >= Math.min(a.x, b.x) && x <= Math.max(a.x, b.x) && y >= Math.min(a.y, b.y) && y <= Math.max(a.y, b.y)) return true;
    if (a.y > y !== b.y > y && x < ((b.x - a.x) * (y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

/** True when the stored geometry lies within a `$geoWithin` shape. */
export function within(stored: Shape, query: Shape): boolean {
  const regions = sphereRegionsOf(query);
  if (regions) return withinSphere(stored, regions);
  // The flat shapes hold points only: legacy pairs, and GeoJSON points by their coordinates.
  if (stored.kind !== 'point') return false;
  const { x, y } = stored;
  switch (query.kind) {
    case 'box':
      return x >= query.minX && x <= query.maxX && y >= query.minY && y <= query.maxY;
    case 'flatPolygon':
      return flatPolygonContains(query.points, x, y);
    case 'circle':
      return Math.hypot(x - query.x, y - query.y) <= query.radius;
    default:
      return false;
  }
}
