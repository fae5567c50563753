
import { mongoError } from '../../errors/index.js';
import type { NearQuery } from '../../query/geo/query.js';
import { readyIndexes, type CollectionInfo, type IndexSpec } from '../catalog.js';

/**
 * A near query's plan: mongod's GEO_NEAR_2DSPHERE or GEO_NEAR_2D stage, which reads a geo index in rings of
 * growing distance and returns documents nearest first.
 */
export interface GeoNearPlan {
  kind: 'geoNear';
  spec: IndexSpec;
  plugin: '2dsphere' | '2d';
  near: NearQuery;
}

/** The error of a near query no index can serve (mongod's planner: NoQueryExecutionPlans). */
export function noNearIndex(): Error {
  return mongoError('NoQueryExecutionPlans', 'error processing query: planner returned error :: caused by :: unable to find index for $geoNear query');
}

/** Whether a geo index can serve a near query: its geo field first, and of a kind that measures the query's distances. */
function serves(spec: IndexSpec, near: NearQuery): '2dsphere' | '2d' | null {
  const [first, kind] = Object.entries(spec.key)[0]!;
  if (first !== near.path) return null;
  // A 2dsphere index measures on the sphere only; a 2d index holds legacy pairs, flat or read as points on the sphere.
  if (kind === '2dsphere') return near.spherical ? '2dsphere' : null;
  if (kind === '2d') return near.centroid.crs === 'flat' ? '2d' : null;
  return null;
}

/** The plan of a near query: the ready, visible geo index that serves it (the hinted one, when hinted). */
export function chooseNearPlan(info: CollectionInfo, near: NearQuery, hinted: IndexSpec | null): GeoNearPlan {
  if (hinted) {
    const plugin = serves(hinted, near);
    if (!plugin) throw noNearIndex();
    return { kind: 'geoNear', spec: hinted, plugin, near };
  }
  const candidates = readyIndexes(info).filter((s) => s.hidden !== true && serves(s, near) !== null);
  // A spherical query prefers a 2dsphere index, a flat one has only 2d indexes to choose from.
  candidates.sort((a, b) => rank(a) - rank(b));
  const spec = candidates[0];
  if (!spec) throw noNearIndex();
  return { kind: 'geoNear', spec, plugin: serves(spec, near)!, near };
}

function rank(spec: IndexSpec): number {
  return Object.values(spec.key)[0] === '2dsphere' ? 0 : 1;
}

/** explain's stage name of a near plan. */
export function nearStageName(plan: GeoNearPlan): string {
  return plan.plugin === '2dsphere' ? 'GEO_NEAR_2DSPHERE' : 'GEO_NEAR_2D';
}


