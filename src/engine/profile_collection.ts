import { encodeKey, toNumber } from '../bson/index.js';
import type { Document } from '../bson/types.js';
import { isView, type CollectionInfo } from './catalog.js';
import { createCollection } from './ddl.js';
import { decodeStoredDocument, encodeStoredDocument } from './documents.js';
import type { Engine, WriteContext } from './engine.js';
import { addIndexEntries, removeIndexEntries } from './indexes.js';
import { toArray } from '../storage/scan.js';

export const PROFILE_COLLECTION = 'system.profile';

/** mongod creates `system.profile` as a capped collection of 1 MB. */
export const PROFILE_COLLECTION_BYTES = 1024 * 1024;

/** Oldest entries removed per step while the collection is over its size. */
const TRIM_STEP = 16;

/** The collection's options as mongod creates it. */
function profileCollectionOptions(): Document {
  return { capped: true, size: PROFILE_COLLECTION_BYTES };
}

/** Creates `<db>.system.profile` when it does not exist (the profile command does when it turns profiling on). */
export async function ensureProfileCollection(engine: Engine, db: string): Promise<void> {
  await engine.write(async (ctx) => {
    if (!(await ctx.collection(db, PROFILE_COLLECTION))) await createCollection(ctx, db, PROFILE_COLLECTION, profileCollectionOptions());
  });
}

/**
 * Storage keys of profile entries. Entries have no `_id` (mongod writes none), so each is stored under a number
 * that grows with time and within a process: the collection's natural order is the order they were written.
 */
let lastKey = 0;
function nextEntryKey(): Uint8Array {
  lastKey = Math.max(lastKey + 1, Date.now() * 1000);
  return encodeKey(lastKey);
}

/**
 * Appends one entry to `<db>.system.profile`, creating the collection if it was dropped, then removes the oldest
 * entries while the collection is over its size, as a capped collection does. The write logs no change entry:
 * mongod neither replicates profile writes nor shows them to change streams.
 */
export async function appendProfileEntry(engine: Engine, db: string, entry: Document): Promise<void> {
  const sizes = sizesOf(engine);
  let uuid: string | undefined;
  try {
    await engine.write(async (ctx) => {
      let info = await ctx.collection(db, PROFILE_COLLECTION);
      if (!info) info = await createCollection(ctx, db, PROFILE_COLLECTION, profileCollectionOptions());
      if (isView(info)) return;
      uuid = info.uuid;
      const key = nextEntryKey();
      const bytes = encodeStoredDocument(entry);
      await ctx.writer.insertDocument({ coll: info.uuid, key, doc: bytes });
      await addIndexEntries(ctx.writer, info as CollectionInfo, key, entry);
      const known = sizes.get(info.uuid);
      // Measured once, then kept up to date here: summing the collection's sizes for every entry would cost as much
      // as the entry, and more as the collection fills.
      let total = known === undefined ? await ctx.writer.dataSize({ coll: info.uuid }) : known + bytes.byteLength;
      total = await trimToSize(ctx, info, total);
      sizes.set(info.uuid, total);
    });
  } catch (err) {
    // A rolled-back write leaves the kept size unknown: it is measured again next time.
    if (uuid !== undefined) sizes.delete(uuid);
    throw err;
  }
}

/** The byte size of each engine's system.profile collections, by collection UUID. */
const profileSizes = new WeakMap<Engine, Map<string, number>>();

function sizesOf(engine: Engine): Map<string, number> {
  let sizes = profileSizes.get(engine);
  if (!sizes) {
    sizes = new Map();
    profileSizes.set(engine, sizes);
  }
  return sizes;
}

/** Removes the oldest entries while the collection holds more than its size; returns the size left. */
async function trimToSize(ctx: WriteContext, info: Readonly<CollectionInfo>, total: number): Promise<number> {
  const size = info.options.size === undefined ? PROFILE_COLLECTION_BYTES : toNumber(info.options.size);
  if (!(size > 0)) return total;
  while (total > size) {
    const oldest = await toArray(ctx.writer.scanNatural({ coll: info.uuid, limit: TRIM_STEP, chunkRows: TRIM_STEP }));
    // Entries removed by someone else: what is left is measured again.
    if (oldest.length === 0) return ctx.writer.dataSize({ coll: info.uuid });
    for (const row of oldest) {
      if (total <= size) return total;
      await removeIndexEntries(ctx.writer, info as CollectionInfo, row.key, decodeStoredDocument(row.doc));
      await ctx.writer.deleteDocument({ coll: info.uuid, key: row.key });
      total -= row.doc.byteLength;
    }
  }
  return total;
}
