import { bsonTypeOf, isDocument, toNumber, type Document } from '../../bson/index.js';
import { mongoError, MongoServerError } from '../../errors/index.js';
import type { StageParser } from './types.js';

/**
 * `$geoNear` (https://www.mongodb.com/docs/manual/reference/operator/aggregation/geoNear/): the documents of a near
 * query on the collection's geo index, nearest first, each with its distance (and location). Only the first stage of
 * a collection's pipeline may be `$geoNear`: the engine runs it there as the pipeline's source
 * (engine/geo_index/geo_near_stage.ts); this file parses its specification with mongod's checks and words.
 */

export interface GeoNearSpec {
  /** A GeoJSON point or a legacy pair. */
  near: Document | unknown[];
  distanceField: string;
  spherical: boolean;
  maxDistance?: number;
  minDistance?: number;
  distanceMultiplier?: number;
  query: Document;
  includeLocs?: string;
  /** The geo-indexed field to read, when the collection has several geo indexes. */
  key?: string;
}

function isNumeric(v: unknown): boolean {
  const t = bsonTypeOf(v);
  return t === 'int' || t === 'long' || t === 'double' || t === 'decimal';
}

function nonNegative(spec: Document, name: string): number | undefined {
  const v = spec[name];
  if (v === undefined) return undefined;
  if (!isNumeric(v)) throw mongoError('TypeMismatch', `${name} must be a number`);
  const n = toNumber(v);
  if (!(n >= 0)) throw mongoError('BadValue', `${name} must be nonnegative`);
  return n;
}

function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false) return false;
  if (isNumeric(v)) return toNumber(v) !== 0;
  return true;
}

/** mongod's DocumentSourceGeoNear::parseOptions. */
export function parseGeoNearSpec(spec: unknown): GeoNearSpec {
  if (!isDocument(spec)) throw new MongoServerError(10065, `invalid parameter: expected an object ($geoNear)`);
  if (spec.collation !== undefined) {
    throw new MongoServerError(40227, "$geoNear does not accept the 'collation' parameter. Instead, specify a collation for the entire aggregation command.");
  }
  if (spec.limit !== undefined) throw new MongoServerError(50858, "$geoNear no longer supports the 'limit' parameter. Use a $limit stage instead.");
  if (spec.num !== undefined) throw new MongoServerError(50857, "$geoNear no longer supports the 'num' parameter. Use a $limit stage instead.");
  if (spec.start !== undefined) throw new MongoServerError(50856, "$geoNear no longer supports the 'start' argument.");
  if (spec.near === undefined) throw new MongoServerError(5860400, "$geoNear requires a 'near' argument");
  if (typeof spec.distanceField !== 'string') throw new MongoServerError(16606, "$geoNear requires a 'distanceField' option as a String");
  const out: GeoNearSpec = { near: [], distanceField: spec.distanceField, spherical: truthy(spec.spherical), query: {} };
  const max = nonNegative(spec, 'maxDistance');
  if (max !== undefined) out.maxDistance = max;
  const min = nonNegative(spec, 'minDistance');
  if (min !== undefined) out.minDistance = min;
  const multiplier = nonNegative(spec, 'distanceMultiplier');
  if (multiplier !== undefined) out.distanceMultiplier = multiplier;
  if (spec.query !== undefined) {
    if (!isDocument(spec.query)) throw mongoError('TypeMismatch', 'query must be an object');
    out.query = spec.query;
  }
  if (spec.includeLocs !== undefined) {
    if (typeof spec.includeLocs !== 'string') throw new MongoServerError(16607, "$geoNear requires that 'includeLocs' option is a String");
    out.includeLocs = spec.includeLocs;
  }
  if (spec.key !== undefined) {
    if (typeof spec.key !== 'string') throw mongoError('TypeMismatch', `$geoNear parameter 'key' must be of type string but found type: ${bsonTypeOf(spec.key)}`);
    if (spec.key.length === 0) throw mongoError('BadValue', "$geoNear parameter 'key' cannot be the empty string");
    out.key = spec.key;
  }
  const near = spec.near;
  if (!isDocument(near) && !Array.isArray(near)) {
    throw new MongoServerError(5860401, '$geoNear requires near argument to be a GeoJSON object or a legacy point(array)');
  }
  out.near = near;
  return out;
}

/** The near filter `$geoNear` runs (mongod's asNearQuery): its `query` and a near operator on the key field. */
export function nearFilter(spec: GeoNearSpec, field: string): Document {
  const near: Document = { [spec.spherical ? '$nearSphere' : '$near']: spec.near };
  if (spec.minDistance !== undefined) near.$minDistance = spec.minDistance;
  if (spec.maxDistance !== undefined) near.$maxDistance = spec.maxDistance;
  return { ...spec.query, [field]: near };
}

/** `$geoNear` anywhere but first: its specification is checked, then its position refused. */
export const parseGeoNear: StageParser = (spec) => {
  parseGeoNearSpec(spec);
  throw new MongoServerError(40602, '$geoNear is only valid as the first stage in a pipeline');
};
