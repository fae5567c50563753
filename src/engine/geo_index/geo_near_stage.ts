import { isDocument, type Collation, type Document } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { compileFilter } from '../../query/filter/index.js';
import { nearFilter, parseGeoNearSpec, type GeoNearSpec } from '../../query/pipeline/geoNear.js';
import type { Chunks, StreamControl } from '../../query/pipeline/index.js';
import { getCollectionInfo, isView, readyIndexes, type CollectionInfo } from '../catalog.js';
import type { ReadFn } from '../document_source.js';
import { plannedRead, type PlannedRead, type PlannedReadOptions } from '../plan_executor.js';
import { nearInfo } from './near_source.js';

/*
 * A leading `$geoNear`: the near query it stands for (mongod's asNearQuery) read nearest first through the geo
 * index, each document given its distance (times distanceMultiplier) and, with includeLocs, the geometry measured.
 */

/**
 * The geo field `$geoNear` reads without `key`: the one 2d index's, else the one 2dsphere index's (hidden indexes
 * left out), as mongod's extractGeoNearFieldFromIndexes.
 */
function geoNearField(info: CollectionInfo): string {
  const ns = `${info.db}.${info.name}`;
  for (const plugin of ['2d', '2dsphere']) {
    const found = readyIndexes(info).filter((s) => s.hidden !== true && Object.values(s.key).includes(plugin));
    if (found.length > 1) throw mongoError('IndexNotFound', `There is more than one ${plugin} index on ${ns}; unsure which to use for $geoNear`);
    if (found.length === 1) return Object.keys(found[0]!.key).find((f) => found[0]!.key[f] === plugin)!;
  }
  throw mongoError('IndexNotFound', '$geoNear requires a 2d or 2dsphere index, but none were found');
}

/** Sets a dotted path, making (or replacing with) documents on the way, as mongod's setNestedField. */
function setNested(doc: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let at = doc;
  for (const part of parts.slice(0, -1)) {
    if (!isDocument(at[part])) at[part] = {};
    at = at[part] as Document;
  }
  at[parts[parts.length - 1]!] = value;
}

/** The source of a pipeline led by `$geoNear`: its documents with their distances, and the plan that reads them. */
export async function geoNearSource(
  read: ReadFn,
  db: string,
  coll: string,
  raw: unknown,
  collation: Collation | null,
  control: StreamControl,
  options: PlannedReadOptions,
): Promise<{ chunks: Chunks; planned: PlannedRead | null; spec: GeoNearSpec }> {
  const spec = parseGeoNearSpec(raw);
  // The query is parsed now, so a bad one fails the command even on an empty collection.
  compileFilter(spec.query, { collation, nearNotAllowed: { code: 2, message: '$geoNear, $near, and $nearSphere are not allowed in this context' } });
  const info = await read((reader) => getCollectionInfo(reader, db, coll));
  if (!info || isView(info)) {
    if (info) throw mongoError('CommandNotSupportedOnView', '$geoNear is not supported on views');
    return { chunks: empty(), planned: null, spec };
  }
  const field = spec.key ?? geoNearField(info);
  const filter = nearFilter(spec, field);
  const matcher = compileFilter(filter, { collation });
  const planned = await plannedRead(read, db, coll, { filter, sort: null, collation }, control, options);
  const multiplier = spec.distanceMultiplier ?? 1;
  async function* shaped(): Chunks {
    for await (const chunk of planned.chunks) {
      const out: Document[] = [];
      for (const doc of chunk) {
        if (!matcher.matches(doc)) continue;
        const found = nearInfo.get(doc);
        if (!found) continue;
        setNested(doc, spec.distanceField, found.distance * multiplier);
        if (spec.includeLocs !== undefined) setNested(doc, spec.includeLocs, found.location);
        out.push(doc);
      }
      if (out.length > 0) yield out;
    }
  }
  return { chunks: shaped(), planned, spec };
}

async function* empty(): Chunks {
  // a collection that does not exist has no documents
}
