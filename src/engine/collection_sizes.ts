import { ID_INDEX_NAME, type CollectionInfo } from './catalog.js';
import type { StorageReader } from '../storage/types.js';
import { toArray } from '../storage/scan.js';

/** Entries read to estimate an index's size; beyond that it is extrapolated from the document count. */
const INDEX_SAMPLE = 1000;

/** Sizes of one collection in bytes, unscaled. Storage keeps no page statistics, so index sizes are estimates. */
export interface CollectionSizes {
  count: number;
  dataSize: number;
  indexSizes: Record<string, number>;
  totalIndexSize: number;
}

async function indexSize(r: StorageReader, info: CollectionInfo, name: string, count: number): Promise<number> {
  let sampled: number[];
  if (name === ID_INDEX_NAME) {
    // The _id index is the documents' own key order; there are no separate entries to read.
    sampled = (await toArray(r.scanDocuments({ coll: info.uuid, limit: INDEX_SAMPLE, chunkRows: INDEX_SAMPLE }))).map((d) => d.key.byteLength);
  } else {
    sampled = (await toArray(r.scanIndex({ coll: info.uuid, index: name, limit: INDEX_SAMPLE, chunkRows: INDEX_SAMPLE }))).map((e) => e.key.byteLength + e.recordKey.byteLength);
  }
  const bytes = sampled.reduce((a, b) => a + b, 0);
  if (sampled.length < INDEX_SAMPLE) return bytes;
  return Math.round((bytes / sampled.length) * count);
}

/** Document count, data size and index sizes of a collection (not a view). */
export async function collectionSizes(r: StorageReader, info: CollectionInfo): Promise<CollectionSizes> {
  const count = await r.countDocuments({ coll: info.uuid });
  const dataSize = await r.dataSize({ coll: info.uuid });
  const indexSizes: Record<string, number> = {};
  let totalIndexSize = 0;
  for (const spec of info.indexes) {
    const size = await indexSize(r, info, spec.name, count);
    indexSizes[spec.name] = size;
    totalIndexSize += size;
  }
  return { count, dataSize, indexSizes, totalIndexSize };
}
