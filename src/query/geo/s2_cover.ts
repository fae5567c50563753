import { s2 } from 's2js';
import { Long } from '../../bson/index.js';
import type { Shape } from './shapes.js';

/*
 * 2dsphere index keys (version 3) as mongod makes them: a point is indexed as its leaf cell (level 30); any other
 * geometry as the cells of a covering between coarsestIndexedLevel and finestIndexedLevel, at most
 * maxCellsInCovering of them (advisory). A cell id is kept as a NumberLong: the id's 64 bits read as signed, so the
 * ids of faces 4 and 5 are negative; no cell spans two faces, so a cell's range of ids stays one range of longs.
 */

/** S2's kAvgEdge metric: the average edge length of a level-0 cell, in radians. */
const AVG_EDGE_DERIV = 1.459213746386106;
const MAX_LEVEL = 30;
/** The first cell id of face 4: from here on, ids read as signed longs are negative. */
const SIGN_BIT = 1n << 63n;
/** S2's kMaxDiag metric: the longest diagonal of a level-0 cell, in radians. */
const MAX_DIAG_DERIV = 2.438654594434021;

/** S2 Metric::GetClosestLevel for kAvgEdge: the level whose average edge is closest to `radians`. */
export function closestLevel(radians: number): number {
  const value = Math.SQRT2 * radians;
  if (value <= 0) return MAX_LEVEL;
  const exponent = Math.floor(Math.log2(value / AVG_EDGE_DERIV));
  return Math.max(0, Math.min(MAX_LEVEL, -exponent));
}

/** kAvgEdge at a level, in radians. */
export function avgEdge(level: number): number {
  return AVG_EDGE_DERIV * 2 ** -level;
}

/** The covering parameters of a 2dsphere index (S2IndexingParams). */
export interface S2Params {
  finestIndexedLevel: number;
  coarsestIndexedLevel: number;
  maxCellsInCovering: number;
}

const RADIUS_METERS = 6378.1 * 1000;

/** A version 3 index's parameters: its spec's, else mongod's defaults (levels for 110 m and 2,000 km, 20 cells). */
export function s2Params(spec: Record<string, unknown>): S2Params {
  const int = (v: unknown, d: number) => (typeof v === 'number' ? Math.trunc(v) : v !== undefined && v !== null && typeof (v as { valueOf(): unknown }).valueOf() === 'number' ? Math.trunc(Number(v)) : d);
  return {
    finestIndexedLevel: int(spec.finestIndexedLevel, closestLevel(110 / RADIUS_METERS)),
    coarsestIndexedLevel: int(spec.coarsestIndexedLevel, closestLevel((2000 * 1000) / RADIUS_METERS)),
    maxCellsInCovering: int(spec.maxCellsInCovering, 20),
  };
}

/** A cell id as the NumberLong an index keeps. */
export function cellKey(id: bigint): Long {
  return Long.fromBigInt(BigInt.asIntN(64, id));
}

/** The spherical regions of a geometry, for covering; null for a flat one. */
function regionsOf(shape: Shape): s2.Region[] | null {
  switch (shape.kind) {
    case 'point':
      return shape.point ? [shape.point] : null;
    case 'line':
      return [shape.line];
    case 'polygon':
      return [shape.polygon];
    case 'bigPolygon':
      return [shape.loop];
    case 'multiPoint':
      return shape.points;
    case 'multiLine':
      return shape.lines;
    case 'multiPolygon':
      return shape.polygons;
    case 'cap':
      return [shape.cap];
    case 'collection': {
      const out: s2.Region[] = [];
      for (const m of shape.members) {
        const r = regionsOf(m);
        if (!r) return null;
        out.push(...r);
      }
      return out;
    }
    default:
      return null;
  }
}

function cover(regions: s2.Region[], minLevel: number, maxLevel: number, maxCells: number): bigint[] {
  const coverer = new s2.RegionCoverer({ minLevel, maxLevel, maxCells });
  const cells = new Set<bigint>();
  for (const r of regions) for (const id of coverer.covering(r)) cells.add(id);
  const union = s2.CellUnion.fromUnion(Object.assign(new s2.CellUnion(), [...cells]) as s2.CellUnion);
  return [...union];
}

/** The index cells of a stored geometry (a legacy pair out of longitude/latitude bounds has none: null). */
export function storedCells(shape: Shape, params: S2Params): bigint[] | null {
  if (shape.kind === 'point') return shape.point ? [s2.cellid.fromPoint(shape.point)] : null;
  const regions = regionsOf(shape);
  if (!regions) return null;
  return cover(regions, params.coarsestIndexedLevel, params.finestIndexedLevel, params.maxCellsInCovering);
}

/** How a query covers its region (mongod's internalQueryS2Geo* defaults: levels 0 to 23, 20 cells). */
const QUERY_MAX_LEVEL = 23;
const QUERY_MAX_CELLS = 20;

/** The cells covering a query region on the sphere, or null when the region is flat. */
export function queryCells(shape: Shape): bigint[] | null {
  if (shape.kind === 'bigPolygon' && !shape.loop.isNormalized()) return bigLoopCells(shape.loop);
  const regions = regionsOf(shape);
  return regions ? cover(regions, 0, QUERY_MAX_LEVEL, QUERY_MAX_CELLS) : null;
}

/**
 * The covering of a loop larger than a hemisphere: every face but the cells wholly inside its complement (a small
 * loop, whose interior covering S2 computes reliably).
 */
function bigLoopCells(loop: s2.Loop): bigint[] {
  const complement = s2.Loop.fromLoop(loop);
  complement.invert();
  const inside = new s2.RegionCoverer({ minLevel: 0, maxLevel: QUERY_MAX_LEVEL, maxCells: QUERY_MAX_CELLS }).interiorCovering(complement);
  const faces = Object.assign(new s2.CellUnion(), [0, 1, 2, 3, 4, 5].map((f) => s2.cellid.fromFace(f))) as s2.CellUnion;
  return [...s2.CellUnion.fromDifference(faces, inside)];
}

/**
 * The cells of one level that may meet a cap (`radius` radians around `center`), found by flood fill from the cell
 * of its centre: the level is the one whose cells are about half the radius wide, so a ring of a near search reads
 * a few dozen cells, not the coarse bound of a few. Cells wholly within `inner` radians are left out: a previous
 * ring read their keys.
 */
export function capRing(center: s2.Point, radius: number, inner: number): bigint[] {
  if (radius >= 1) return [...s2.Cap.fromCenterAngle(center, radius).cellUnionBound()];
  const level = Math.max(0, Math.min(MAX_LEVEL, Math.floor(Math.log2((2 * AVG_EDGE_DERIV) / radius))));
  // A cell lies within half its longest diagonal of its centre: cells clearly in or out are judged by that alone,
  // the few near the circle by S2's exact test.
  const reach = (MAX_DIAG_DERIV * 2 ** -level) / 2;
  const cap = s2.Cap.fromCenterAngle(center, radius);
  const innerCap = inner > 0 ? s2.Cap.fromCenterAngle(center, inner) : null;
  const start = s2.cellid.parent(s2.cellid.fromPoint(center), level);
  const seen = new Set<bigint>([start]);
  const queue = [start];
  const out: bigint[] = [];
  while (queue.length > 0) {
    const id = queue.pop()!;
    const d = center.distance(s2.cellid.point(id));
    if (d - reach > radius) continue;
    const near = d + reach > radius || (innerCap !== null && d - reach <= inner && d + reach > inner);
    const cell = near ? s2.Cell.fromCellID(id) : null;
    if (cell && !cap.intersectsCell(cell)) continue;
    const read = innerCap === null || d + reach > inner && !(cell && innerCap.containsCell(cell));
    if (read) out.push(id);
    for (const n of s2.cellid.edgeNeighbors(id)) {
      if (!seen.has(n)) {
        seen.add(n);
        queue.push(n);
      }
    }
  }
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The key ranges that hold every indexed geometry a covering's cells may meet: each cell's own range of ids (its
 * descendants, among them indexed points), and each of its ancestors down to the coarsest indexed level (a larger
 * geometry indexed by a coarser cell), as [low, high] pairs of cell ids.
 */
export function cellRanges(cells: bigint[], params: S2Params): [bigint, bigint][] {
  const ranges: [bigint, bigint][] = [];
  const ancestors = new Set<bigint>();
  for (const c of cells) {
    ranges.push([s2.cellid.rangeMin(c), s2.cellid.rangeMax(c)]);
    const level = s2.cellid.level(c);
    for (let l = Math.min(level - 1, params.finestIndexedLevel); l >= params.coarsestIndexedLevel; l--) ancestors.add(s2.cellid.parent(c, l));
  }
  for (const a of ancestors) ranges.push([a, a]);
  ranges.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  // Neighbouring cells are consecutive ranges of ids (leaf ids are odd, two apart): one scan reads them together,
  // but never across faces 3 and 4, where the ids' signed longs jump from the largest to the smallest.
  const out: [bigint, bigint][] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 2n && r[0] < SIGN_BIT === last[0] < SIGN_BIT) {
      if (r[1] > last[1]) last[1] = r[1];
    } else out.push([r[0], r[1]]);
  }
  return out;
}
