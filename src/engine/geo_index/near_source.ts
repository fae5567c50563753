import { isDocument, type Document } from '../../bson/index.js';
import type { Chunks, StreamControl } from '../../query/pipeline/index.js';
import { EARTH_RADIUS_METERS, flatDistance, sphereDistance } from '../../query/geo/distance.js';
import { boxRanges, twoDParams } from '../../query/geo/geohash.js';
import { legacyPoint } from '../../query/geo/geojson.js';
import { GeoParseError } from '../../query/geo/parse_error.js';
import { avgEdge, capRing, s2Params } from '../../query/geo/s2_cover.js';
import type { Shape } from '../../query/geo/shapes.js';
import { storedGeometry } from '../../query/geo/stored.js';
import { keySpans, type Interval, type KeySpan } from '../../query/plan/index.js';
import { toArray } from '../../storage/scan.js';
import type { IndexPosition } from '../../storage/types.js';
import type { CollectionInfo } from '../catalog.js';
import { decodeStoredDocument } from '../documents.js';
import type { ReadFn, ScanMetrics } from '../document_source.js';
import type { PlanStats } from '../plan_executor.js';
import { capBox, flatIntervals, sphereIntervals } from './bounds.js';
import { elementsAlongPath } from './keys.js';
import type { GeoNearPlan } from './near_plan.js';

/**
 * The near read: mongod's GEO_NEAR stages. The index is read ring by ring around the query point, each ring's
 * outer radius growing; a document is fetched once (the first ring whose covering meets one of its keys), its exact
 * distance computed, and it is returned once the ring's outer radius reaches its distance. Every document within
 * the outer radius has a key in that ring's covering, so the documents come out in exact distance order.
 */

/** What a near read learned of a document it returned: its distance (in the query's units) and nearest geometry. */
export interface NearInfo {
  distance: number;
  location: unknown;
}

/** The distance and location of each document a near read returned, for `$geoNear`'s distanceField and includeLocs. */
export const nearInfo = new WeakMap<Document, NearInfo>();

const KEYS_PER_READ = 1024;

/** The geometries at the near path: each value, and for a 2d index each pair of an array of pairs. */
function geometriesAt(doc: Document, path: string, flat: boolean): { shape: Shape; value: unknown }[] {
  const values: unknown[] = [];
  elementsAlongPath(doc, path.split('.'), 0, values);
  const out: { shape: Shape; value: unknown }[] = [];
  for (const v of values) {
    const items = Array.isArray(v) ? v : null;
    const many = flat && items !== null && items.length > 0 && (Array.isArray(items[0]) || isDocument(items[0]));
    for (const value of many ? items! : [v]) {
      if (flat) {
        try {
          out.push({ shape: legacyPoint(value, true), value });
        } catch (err) {
          if (!(err instanceof GeoParseError)) throw err;
        }
        continue;
      }
      const shape = storedGeometry(value);
      if (shape) out.push({ shape, value });
    }
  }
  return out;
}

/** How the read measures: the distance of a geometry, and the key ranges of a ring's outer disc. */
interface Metric {
  /** Distance of a geometry in the units of `min`/`max`, null when it cannot be measured. */
  distance(shape: Shape): number | null;
  /** The key ranges of a covering of the disc of radius `r` (those of the disc of radius `inner` may be left out). */
  ranges(r: number, inner: number): Interval[];
  /** The first ring's width. */
  increment: number;
  /** Past this radius the disc covers every key. */
  whole: number;
  min: number;
  max: number;
  /** Converts a distance in these units to the query's units. */
  shown(d: number): number;
}

function sphereMetric(plan: GeoNearPlan): Metric {
  const { near, spec } = plan;
  const center = near.centroid.point!;
  // Radians throughout; a GeoJSON query's distances are meters.
  const scale = near.unitsAreRadians ? 1 : EARTH_RADIUS_METERS;
  if (plan.plugin === '2d') {
    const params = twoDParams(spec);
    return {
      distance: (shape) => (shape.kind === 'point' && shape.point ? center.distance(shape.point) : null),
      ranges: (r) => flatIntervals(boxRanges(...capBox(near.centroid.x, near.centroid.y, r), params)),
      increment: (((params.max - params.min) / 2 ** 12) * Math.PI) / 180,
      whole: Math.PI,
      min: near.minDistance / scale,
      max: Math.min(Math.PI, near.maxDistance / scale),
      shown: (d) => d * scale,
    };
  }
  const params = s2Params(spec);
  return {
    distance: (shape) => sphereDistance(shape, center),
    // The ring's cells, leaving out those inside the disc the previous ring read.
    ranges: (r, inner) => sphereIntervals(capRing(center, Math.min(r, Math.PI), inner), spec),
    // mongod's first ring: five average edges of the finest indexed level.
    increment: 5 * avgEdge(params.finestIndexedLevel),
    whole: Math.PI,
    min: near.minDistance / scale,
    max: Math.min(Math.PI, near.maxDistance / scale),
    shown: (d) => d * scale,
  };
}

function flatMetric(plan: GeoNearPlan): Metric {
  const { near, spec } = plan;
  const params = twoDParams(spec);
  const { x, y } = near.centroid;
  const side = params.max - params.min;
  return {
    distance: (shape) => flatDistance(shape, x, y),
    ranges: (r) => flatIntervals(boxRanges(x - r, y - r, x + r, y + r, params)),
    increment: side / 2 ** 12,
    whole: 2 * side + Math.hypot(x - params.min, y - params.min),
    min: near.minDistance,
    max: near.maxDistance,
    shown: (d) => d,
  };
}

/** The key spans of intervals on the index's first field (the geo field), in key order. */
function spansOf(intervals: Interval[], fields: number): KeySpan[] {
  const rest = Array.from({ length: fields - 1 }, (_, i) => ({ path: String(i), direction: 1 as const, intervals: [], bounded: false }));
  return keySpans({ fields: [{ path: '', direction: 1, intervals, bounded: true }, ...rest], equalityPrefix: 0 });
}

/** The documents of a near query, nearest first (see the module comment). */
export async function* nearChunks(read: ReadFn, info: CollectionInfo, plan: GeoNearPlan, control: StreamControl, stats: PlanStats, metrics?: ScanMetrics): Chunks {
  const metric = plan.plugin === '2d' && !plan.near.spherical ? flatMetric(plan) : sphereMetric(plan);
  const fields = Object.keys(plan.spec.key).length;
  const seen = new Set<string>();
  let pending: { d: number; doc: Document }[] = [];
  let increment = metric.increment;
  let outer = Math.min(metric.min + increment, metric.max);
  let inner = 0;
  for (;;) {
    const covered = outer >= metric.whole;
    const spans = spansOf(metric.ranges(outer, inner), fields);
    const fresh: Uint8Array[] = [];
    // The ring's spans are read in as few storage reads as their entries allow (one, unless past KEYS_PER_READ).
    let at = 0;
    let after: IndexPosition | undefined;
    while (at < spans.length) {
      await read(async (reader) => {
        let budget = KEYS_PER_READ;
        while (at < spans.length && budget > 0) {
          const span = spans[at]!;
          const range = { gte: span.start, ...(span.end ? { lt: span.end } : {}) };
          const entries = await toArray(reader.scanIndex({ coll: info.uuid, index: plan.spec.name, range, ...(after ? { after } : {}), limit: budget, chunkRows: budget }));
          stats.keysExamined += entries.length;
          for (const e of entries) {
            const id = Buffer.from(e.recordKey).toString('hex');
            if (seen.has(id)) continue;
            seen.add(id);
            fresh.push(e.recordKey);
          }
          if (entries.length === budget) {
            const last = entries[entries.length - 1]!;
            after = { key: last.key, recordKey: last.recordKey };
          } else {
            at++;
            after = undefined;
          }
          budget -= entries.length;
        }
      });
      await control.yieldIfDue();
    }
    for (let i = 0; i < fresh.length; i += KEYS_PER_READ) {
      const keys = fresh.slice(i, i + KEYS_PER_READ);
      const docs = await read(async (reader) => (await reader.getDocuments({ coll: info.uuid, keys })).filter((b): b is Uint8Array => b !== null).map(decodeStoredDocument));
      stats.docsExamined += docs.length;
      if (metrics) metrics.scannedObjects += docs.length;
      for (const doc of docs) {
        let best: { d: number; value: unknown } | null = null;
        for (const g of geometriesAt(doc, plan.near.path, plan.plugin === '2d')) {
          const d = metric.distance(g.shape);
          if (d !== null && (best === null || d < best.d)) best = { d, value: g.value };
        }
        if (!best || best.d < metric.min || best.d > metric.max) continue;
        nearInfo.set(doc, { distance: metric.shown(best.d), location: best.value });
        pending.push({ d: best.d, doc });
      }
      await control.yieldIfDue();
    }
    const done = covered || outer >= metric.max;
    const ready = done ? pending : pending.filter((p) => p.d <= outer);
    if (ready.length > 0) {
      pending = done ? [] : pending.filter((p) => p.d > outer);
      ready.sort((a, b) => a.d - b.d);
      yield ready.map((p) => p.doc);
    }
    if (done) return;
    // Rings grow geometrically, so a sparse neighbourhood costs few reads.
    increment *= 2;
    inner = outer;
    outer = Math.min(outer + increment, metric.max, metric.whole);
    await control.yieldIfDue();
  }
}
