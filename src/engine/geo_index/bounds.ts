import { encodeKey, valueToString, type Document } from '../../bson/index.js';
import { boxRanges, hashKey, twoDParams } from '../../query/geo/geohash.js';
import type { GeoQuery } from '../../query/geo/query.js';
import { cellKey, cellRanges, queryCells, s2Params } from '../../query/geo/s2_cover.js';
import type { Shape } from '../../query/geo/shapes.js';
import type { Interval } from '../../query/plan/index.js';
import type { IndexSpec } from '../catalog.js';
import { regionPredicates } from './filter_geo.js';

/*
 * What a geo index's field is read by for a `$geoWithin` or `$geoIntersects`: the key ranges of a covering of the
 * query's region (S2 cells for 2dsphere, geohash cells for 2d). The ranges are a superset; the filter decides.
 */

function inclusive(low: unknown, high: unknown): Interval {
  return {
    low: { bytes: encodeKey(low), inclusive: true, shown: valueToString(low) },
    high: { bytes: encodeKey(high), inclusive: true, shown: valueToString(high) },
  };
}

/** The ranges of cell ids a 2dsphere index is read by for a spherical region, as index intervals. */
export function sphereIntervals(cells: bigint[], spec: IndexSpec): Interval[] {
  return cellRanges(cells, s2Params(spec)).map(([lo, hi]) => inclusive(cellKey(lo), cellKey(hi)));
}

/** The ranges of geohashes a 2d index is read by for a flat box. */
export function flatIntervals(ranges: [bigint, bigint][]): Interval[] {
  return ranges.map(([lo, hi]) => inclusive(hashKey(lo), hashKey(hi)));
}

const DEG = 180 / Math.PI;

/** A box in degrees around a spherical cap (the whole longitude range near a pole). */
export function capBox(x: number, y: number, radians: number): [number, number, number, number] {
  const r = radians * DEG;
  const minY = y - r;
  const maxY = y + r;
  if (minY <= -90 || maxY >= 90 || r >= 90) return [-180, Math.max(-90, minY), 180, Math.min(90, maxY)];
  const dx = r / Math.cos((Math.max(Math.abs(minY), Math.abs(maxY)) * Math.PI) / 180);
  if (dx >= 180 || x - dx < -180 || x + dx > 180) return [-180, minY, 180, maxY];
  return [x - dx, minY, x + dx, maxY];
}

function flatBox(shape: Shape): [number, number, number, number] | null {
  switch (shape.kind) {
    case 'box':
      return [shape.minX, shape.minY, shape.maxX, shape.maxY];
    case 'flatPolygon': {
      const xs = shape.points.map((p) => p.x);
      const ys = shape.points.map((p) => p.y);
      return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    }
    case 'circle':
      return [shape.x - shape.radius, shape.y - shape.radius, shape.x + shape.radius, shape.y + shape.radius];
    case 'cap':
      return capBox(shape.x, shape.y, shape.radius);
    default:
      return null;
  }
}

/** The intervals of one geo field for one predicate, or null when this index cannot be read by it. */
function fieldIntervals(spec: IndexSpec, plugin: unknown, query: GeoQuery): Interval[] | null {
  if (plugin === '2dsphere') {
    // Flat shapes are not on the sphere: only a 2d index (or a collection scan) serves them.
    if (['box', 'flatPolygon', 'circle'].includes(query.shape.kind)) return null;
    const cells = queryCells(query.shape);
    return cells ? sphereIntervals(cells, spec) : null;
  }
  if (query.predicate !== 'within') return null;
  const box = flatBox(query.shape);
  return box ? flatIntervals(boxRanges(...box, twoDParams(spec))) : null;
}

/**
 * Per geo field of `spec`, the intervals the filter's geo predicates bound it by (the first usable predicate on
 * each), or null when none bounds any of its geo fields.
 */
export function geoIntervals(spec: IndexSpec, filter: Document): Map<string, Interval[]> | null {
  const predicates = regionPredicates(filter);
  if (predicates.size === 0) return null;
  const out = new Map<string, Interval[]>();
  for (const [field, plugin] of Object.entries(spec.key)) {
    if (plugin !== '2dsphere' && plugin !== '2d') continue;
    for (const q of predicates.get(field) ?? []) {
      const intervals = fieldIntervals(spec, plugin, q);
      if (intervals) {
        out.set(field, intervals);
        break;
      }
    }
  }
  return out.size > 0 ? out : null;
}
