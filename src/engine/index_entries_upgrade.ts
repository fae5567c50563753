import type { Storage } from '../storage/types.js';
import { isView, listCollectionInfos, readyIndexes, ID_INDEX_NAME } from './catalog.js';
import { decodeStoredDocument } from './documents.js';
import { buildIndex } from './indexes.js';

/**
 * What the secondary-index entries of a store mean. Version 2: sparse and partial indexes hold only the documents
 * they cover, and an index that met an array is flagged multikey. Queries read indexes from version 2 on, so a store
 * written before has its entries rebuilt once, at open.
 */
const INDEX_ENTRIES_KEY = 'indexEntriesVersion';
const INDEX_ENTRIES_VERSION = '2';

/** Rebuilds every secondary index of a store whose entries predate version 2; returns the indexes rebuilt. */
export async function upgradeIndexEntries(storage: Storage): Promise<{ ns: string; index: string }[]> {
  const current = await storage.read((r) => r.getMeta(INDEX_ENTRIES_KEY));
  if (current === INDEX_ENTRIES_VERSION) return [];
  return storage.write(async (w) => {
    const rebuilt: { ns: string; index: string }[] = [];
    for (const info of await listCollectionInfos(w)) {
      if (isView(info)) continue;
      const specs = readyIndexes(info).filter((spec) => spec.name !== ID_INDEX_NAME);
      if (specs.length === 0) continue;
      const docs = (await w.scanDocuments(info.uuid)).map((row) => ({ key: row.key, doc: decodeStoredDocument(row.doc) }));
      for (const spec of specs) {
        await w.dropIndexEntries(info.uuid, spec.name);
        await buildIndex(w, info, spec, docs);
        rebuilt.push({ ns: `${info.db}.${info.name}`, index: spec.name });
      }
    }
    await w.setMeta(INDEX_ENTRIES_KEY, INDEX_ENTRIES_VERSION);
    return rebuilt;
  });
}
