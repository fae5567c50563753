import { isDocument, type Document } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { parseGeoQuery, parseNearQuery, type GeoQuery, type NearQuery } from '../../query/geo/query.js';

/*
 * The geo predicates of a filter, as the planner reads them: `$geoWithin`/`$geoIntersects` of the top-level
 * conjunction (which a geo index may bound), and the one near operator, which must be at the top level.
 */

const NEAR = new Set(['$near', '$nearSphere', '$geoNear']);
const REGION = new Set(['$geoWithin', '$within', '$geoIntersects']);

/** The conjuncts of a filter: its fields, and those of its top-level `$and` clauses. */
function conjuncts(filter: Document, out: [string, unknown][] = []): [string, unknown][] {
  for (const [k, v] of Object.entries(filter)) {
    if (k === '$and' && Array.isArray(v)) for (const c of v) if (isDocument(c)) conjuncts(c, out);
    out.push([k, v]);
  }
  return out;
}

function isNearOperand(v: unknown): v is Document {
  if (!isDocument(v)) return false;
  const first = Object.keys(v)[0];
  return first !== undefined && NEAR.has(first);
}

/** Near operators anywhere in the filter ($or, $nor, $not and $elemMatch included). */
function countNear(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, e) => n + countNear(e), 0);
  if (!isDocument(v)) return 0;
  let n = 0;
  for (const [k, x] of Object.entries(v)) {
    if (NEAR.has(k)) n++;
    else n += countNear(x);
  }
  return n;
}

/**
 * The filter's near query, or null. mongod's CanonicalQuery rules: one near operator at most ("Too many geoNear
 * expressions"), at the top level or in the top-level `$and` ("geoNear must be top-level expr").
 */
export function nearOf(filter: Document): NearQuery | null {
  const total = countNear(filter);
  if (total === 0) return null;
  if (total > 1) throw mongoError('BadValue', 'Too many geoNear expressions');
  for (const [path, value] of conjuncts(filter)) {
    if (!path.startsWith('$') && isNearOperand(value)) return parseNearQuery(path, value);
  }
  throw mongoError('BadValue', 'geoNear must be top-level expr');
}

/** The `$geoWithin`/`$geoIntersects` predicates of the filter's top-level conjunction, by path. */
export function regionPredicates(filter: Document): Map<string, GeoQuery[]> {
  const out = new Map<string, GeoQuery[]>();
  for (const [path, value] of conjuncts(filter)) {
    if (path.startsWith('$') || !isDocument(value)) continue;
    for (const [op, operand] of Object.entries(value)) {
      if (!REGION.has(op)) continue;
      const list = out.get(path) ?? [];
      list.push(parseGeoQuery(op, operand));
      out.set(path, list);
    }
  }
  return out;
}
