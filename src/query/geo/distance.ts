import { s2 } from 's2js';
import type { Shape } from './shapes.js';

/** mongod's kRadiusOfEarthInMeters: the radius that turns radians into meters for `$near`, `$centerSphere`, `$geoNear`. */
export const EARTH_RADIUS_METERS = 6378.1 * 1000;

function lineDistance(line: s2.Polyline, p: s2.Point): number {
  if (line.points.length === 1) return p.distance(line.points[0]!);
  const [closest] = line.project(p);
  return p.distance(closest);
}

function polygonDistance(polygon: s2.Polygon, p: s2.Point): number {
  if (polygon.containsPoint(p)) return 0;
  let best = Infinity;
  for (const loop of polygon.loops) best = Math.min(best, lineDistance(new s2.Polyline([...loop.vertices, loop.vertices[0]!]), p));
  return best;
}

/**
 * The distance in radians on the sphere from `p` to the nearest point of a stored geometry (0 inside a polygon), or
 * null when the geometry is not on the sphere (a legacy pair that is no valid longitude/latitude).
 */
export function sphereDistance(stored: Shape, p: s2.Point): number | null {
  switch (stored.kind) {
    case 'point':
      return stored.point ? p.distance(stored.point) : null;
    case 'line':
      return lineDistance(stored.line, p);
    case 'polygon':
      return polygonDistance(stored.polygon, p);
    case 'multiPoint':
      return Math.min(...stored.points.map((q) => p.distance(q)));
    case 'multiLine':
      return Math.min(...stored.lines.map((l) => lineDistance(l, p)));
    case 'multiPolygon':
      return Math.min(...stored.polygons.map((poly) => polygonDistance(poly, p)));
    case 'collection': {
      let best: number | null = null;
      for (const m of stored.members) {
        const d = sphereDistance(m, p);
        if (d !== null && (best === null || d < best)) best = d;
      }
      return best;
    }
    default:
      return null;
  }
}

/** The flat (Euclidean) distance from (x, y) to a stored point, or null for any other geometry. */
export function flatDistance(stored: Shape, x: number, y: number): number | null {
  return stored.kind === 'point' ? Math.hypot(stored.x - x, stored.y - y) : null;
}
