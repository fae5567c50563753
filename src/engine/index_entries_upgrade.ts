import type { Storage } from '../storage/types.js';
import { isView, listCollectionInfos, readyIndexes, ID_INDEX_NAME } from './catalog.js';
import { decodeStoredDocument } from './documents.js';
import { buildIndex } from './indexes.js';
import { toArray } from '../storage/scan.js';

/**
 * What the secondary-index entries of a store mean. Version 2: sparse and partial indexes hold only the documents
 * they cover, and an index that met an array is flagged multikey. Queries read indexes from version 2 on, so a store
 * written before has its entries rebuilt once, at open, before anything is served.
 */
const INDEX_ENTRIES_KEY = 'indexEntriesVersion';
const INDEX_ENTRIES_VERSION = '2';
/** Documents indexed per storage transaction, so a large store is rebuilt without holding it in memory. */
const REBUILD_CHUNK = 2048;

/**
 * Rebuilds every secondary index of a store whose entries predate version 2; returns the indexes rebuilt. The version
 * is recorded only at the end: an open interrupted midway rebuilds again, from each index's start.
 */
export async function upgradeIndexEntries(storage: Storage): Promise<{ ns: string; index: string }[]> {
  const current = await storage.read((r) => r.getMeta({ key: INDEX_ENTRIES_KEY }));
  if (current === INDEX_ENTRIES_VERSION) return [];
  const rebuilt: { ns: string; index: string }[] = [];
  for (const info of await storage.read((r) => listCollectionInfos(r))) {
    if (isView(info)) continue;
    const specs = readyIndexes(info).filter((spec) => spec.name !== ID_INDEX_NAME);
    if (specs.length === 0) continue;
    await storage.write(async (w) => {
      for (const spec of specs) await w.dropIndexEntries({ coll: info.uuid, index: spec.name });
    });
    let after: Uint8Array | undefined;
    for (let more = true; more;) {
      const from = after;
      after = (await storage.write(async (w) => {
        const rows = await toArray(w.scanDocuments({ coll: info.uuid, after: from, limit: REBUILD_CHUNK, chunkRows: REBUILD_CHUNK }));
        const docs = rows.map((row) => ({ key: row.key, doc: decodeStoredDocument(row.doc) }));
        for (const spec of specs) await buildIndex(w, info, spec, docs);
        more = rows.length === REBUILD_CHUNK;
        return rows.length > 0 ? rows[rows.length - 1]!.key : from;
      })).value;
    }
    for (const spec of specs) rebuilt.push({ ns: `${info.db}.${info.name}`, index: spec.name });
  }
  await storage.write((w) => w.setMeta({ key: INDEX_ENTRIES_KEY, value: INDEX_ENTRIES_VERSION }));
  return rebuilt;
}
