import { Int32, bsonTypeOf, toNumber, valueToString, type Document } from '../../bson/index.js';
import { mongoError, MongoServerError } from '../../errors/index.js';
import { s2Params } from '../../query/geo/s2_cover.js';
import { twoDParams } from '../../query/geo/geohash.js';

/** The index plugins of geospatial indexes. */
export const GEO_PLUGINS: ReadonlySet<string> = new Set(['2dsphere', '2d']);

/** The geo plugin of a key pattern ('2dsphere' or '2d'), or null when it has none. */
export function geoPluginOf(key: Document): '2dsphere' | '2d' | null {
  for (const v of Object.values(key)) if (v === '2dsphere' || v === '2d') return v;
  return null;
}

/** The fields of a key pattern that a geo plugin indexes. */
export function geoFieldsOf(key: Document): string[] {
  return Object.keys(key).filter((f) => key[f] === '2dsphere' || key[f] === '2d');
}

function isNumeric(v: unknown): boolean {
  const t = bsonTypeOf(v);
  return t === 'int' || t === 'long' || t === 'double' || t === 'decimal';
}

/**
 * mongod's checks of a geo index specification, made when the index is built: one plugin per index; a 2d field
 * first and alone; the 2dsphere version and levels, the 2d bits and bounds within their ranges.
 */
export function checkGeoIndexSpec(raw: Document, key: Document): void {
  const plugin = geoPluginOf(key);
  if (plugin === null) return;
  if (plugin === '2d') {
    const fields = Object.keys(key);
    const geo = geoFieldsOf(key);
    if (geo.length > 1) throw new MongoServerError(16800, "can't have 2 geo fields");
    if (fields[0] !== geo[0]) throw new MongoServerError(16801, '2d has to be first in index');
    const p = twoDParams(raw);
    if (raw.bits !== undefined && !(p.bits >= 1 && p.bits <= 32)) throw mongoError('BadValue', 'bits in geo index must be between 1 and 32');
    if (!(p.max > p.min) || !Number.isFinite(p.max - p.min)) throw mongoError('BadValue', 'region for hash must be valid and have positive area');
    return;
  }
  const version = raw['2dsphereIndexVersion'];
  if (version !== undefined) {
    const n = toNumber(version);
    if (!isNumeric(version) || !(n === 1 || n === 2 || n === 3)) {
      throw mongoError('CannotCreateIndex', `unsupported geo index version { 2dsphereIndexVersion : ${valueToString(version)} }, only support versions: [1,2,3]`);
    }
  }
  const p = s2Params(raw);
  if (p.coarsestIndexedLevel < 0) throw new MongoServerError(16747, 'coarsestIndexedLevel must be >= 0');
  if (p.finestIndexedLevel > 30) throw new MongoServerError(16748, 'finestIndexedLevel must be <= 30');
  if (p.finestIndexedLevel < p.coarsestIndexedLevel) throw new MongoServerError(16749, 'finestIndexedLevel must be >= coarsestIndexedLevel');
}

/** The fields the catalog adds to a geo index's spec, as listIndexes shows them: a 2dsphere index's version, 3. */
export function geoSpecDefaults(key: Document): Document {
  return geoPluginOf(key) === '2dsphere' ? { '2dsphereIndexVersion': new Int32(3) } : {};
}
