import { documentToString, isDocument, type Document } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { parseFlatPoint } from '../../query/geo/geojson.js';
import { GeoParseError, isNumber, shown } from '../../query/geo/parse_error.js';
import { pointHash, hashKey, twoDParams } from '../../query/geo/geohash.js';
import { cellKey, s2Params, storedCells } from '../../query/geo/s2_cover.js';
import { parseStoredGeometry } from '../../query/geo/geojson.js';
import type { IndexSpec } from '../catalog.js';
import { geoPluginOf } from './spec.js';

/**
 * The values a geo index keeps for one document, field by field, before they are combined into compound keys:
 * a 2dsphere field's S2 cell ids, a 2d field's geohashes, and the ordinary fields' values (from `valuesOf`).
 */

/** Values at a dotted path without expanding an array at its end (a legacy pair is an array); arrays on the way are. */
export function elementsAlongPath(value: unknown, parts: string[], i: number, out: unknown[]): void {
  if (i === parts.length) {
    if (value !== undefined && value !== null) out.push(value);
    return;
  }
  if (Array.isArray(value)) {
    const part = parts[i]!;
    if (/^\d+$/.test(part) && Number(part) < value.length) {
      elementsAlongPath(value[Number(part)], parts, i + 1, out);
      return;
    }
    for (const element of value) if (isDocument(element)) elementsAlongPath(element, parts, i, out);
    return;
  }
  if (isDocument(value)) elementsAlongPath(value[parts[i]!], parts, i + 1, out);
}

function cannotExtract(doc: Document, reason: string): MongoServerError {
  return new MongoServerError(16755, `Can't extract geo keys: ${documentToString(doc)}  ${reason}`);
}

/** A 2dsphere field's keys: the union of the cells of every geometry at the path (none when there is none). */
function sphereKeys(spec: IndexSpec, field: string, doc: Document): unknown[] {
  const params = s2Params(spec);
  const cells = new Set<bigint>();
  const elements: unknown[] = [];
  elementsAlongPath(doc, field.split('.'), 0, elements);
  for (const element of elements) {
    let found: bigint[] | null;
    try {
      found = storedCells(parseStoredGeometry(element), params);
    } catch (err) {
      if (err instanceof GeoParseError) throw cannotExtract(doc, err.message);
      throw err;
    }
    if (!found) throw cannotExtract(doc, `can't project geometry into spherical CRS: ${shown(element)}`);
    for (const c of found) cells.add(c);
  }
  return [...cells].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(cellKey);
}

/** A 2d field's keys: the geohash of each legacy pair at the path (a field may hold an array of pairs). */
function flatKeys(spec: IndexSpec, field: string, doc: Document): unknown[] {
  const params = twoDParams(spec);
  const elements: unknown[] = [];
  elementsAlongPath(doc, field.split('.'), 0, elements);
  const pairs: unknown[] = [];
  for (const e of elements) {
    const items = Array.isArray(e) ? e : isDocument(e) ? Object.values(e) : null;
    if (items && items.length > 0 && (Array.isArray(items[0]) || isDocument(items[0]))) pairs.push(...items);
    else pairs.push(e);
  }
  const keys = new Map<string, unknown>();
  for (const pair of pairs) {
    const items = Array.isArray(pair) ? pair : isDocument(pair) ? Object.values(pair) : [];
    if (!isNumber(items[0]) || !isNumber(items[1])) throw new MongoServerError(13026, "geo values must be 'legacy coordinate pairs' for 2d indexes");
    let x: number;
    let y: number;
    try {
      ({ x, y } = parseFlatPoint(pair, true));
    } catch (err) {
      if (err instanceof GeoParseError) throw new MongoServerError(13026, "geo values must be 'legacy coordinate pairs' for 2d indexes");
      throw err;
    }
    if (!(x >= params.min && x < params.max && y >= params.min && y < params.max)) {
      throw new MongoServerError(13027, `point not in interval of [ ${params.min}, ${params.max} ) :: caused by :: ${documentToString(doc)}`);
    }
    const hash = pointHash(x, y, params);
    keys.set(hash.toString(16), hashKey(hash));
  }
  return [...keys.values()];
}

/**
 * Per key field, the values a geo index keeps for `doc`, or null when it keeps no entry for it (a document with no
 * geometry in any geo field: geo indexes are sparse). `valuesOf` gives an ordinary field's values.
 */
export function geoFieldValues(spec: IndexSpec, doc: Document, valuesOf: (field: string) => unknown[]): unknown[][] | null {
  const plugin = geoPluginOf(spec.key);
  let any = false;
  const perField = Object.keys(spec.key).map((field) => {
    const kind = spec.key[field];
    if (kind === '2dsphere' || kind === '2d') {
      const values = kind === '2d' ? flatKeys(spec, field, doc) : sphereKeys(spec, field, doc);
      if (values.length > 0) any = true;
      return values.length > 0 ? values : [null];
    }
    return valuesOf(field);
  });
  if (!any || plugin === null) return null;
  return perField;
}

/** True when the index is a 2dsphere or 2d index. */
export function isGeoIndex(spec: IndexSpec): boolean {
  return geoPluginOf(spec.key) !== null;
}


