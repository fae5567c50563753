import { statfsSync } from 'node:fs';
import { Double, isDocument, type Document } from '../bson/index.js';
import { isView, listCollectionInfos } from '../engine/catalog.js';
import { scaleArg } from './support/args.js';
import type { CommandDefinition } from './support/context.js';
import { collectionSizes } from '../engine/collection_sizes.js';

/** Used and total bytes of the file system holding the data folder, or null for a memory database. */
function fileSystemSizes(dbPath: unknown): { used: number; total: number } | null {
  if (typeof dbPath !== 'string' || dbPath === ':memory:') return null;
  try {
    const fs = statfsSync(dbPath);
    return { used: (fs.blocks - fs.bfree) * fs.bsize, total: fs.blocks * fs.bsize };
  } catch {
    return null;
  }
}

/**
 * dbStats: counts and sizes of one database, computed from the catalog and storage. A database that does not
 * exist answers zeros, as mongod does. Sizes are divided by `scale` (truncated); avgObjSize is not.
 */
export const dbStats: CommandDefinition = {
  name: 'dbStats',
  async run(cmd, ctx) {
    const scale = scaleArg(cmd, 'scale has to be >= 1');
    const db = ctx.db;
    const totals = await ctx.engine.read(async (r) => {
      const t = { collections: 0, views: 0, objects: 0, dataSize: 0, indexes: 0, indexSize: 0 };
      for (const info of await listCollectionInfos(r, db)) {
        if (isView(info)) {
          t.views++;
          continue;
        }
        const sizes = await collectionSizes(r, info);
        t.collections++;
        t.objects += sizes.count;
        t.dataSize += sizes.dataSize;
        t.indexes += info.indexes.length;
        t.indexSize += sizes.totalIndexSize;
      }
      return t;
    });
    const scaled = (n: number): number => Math.trunc(n / scale);
    const reply: Document = {
      db,
      collections: totals.collections,
      views: totals.views,
      objects: totals.objects,
      avgObjSize: new Double(totals.objects === 0 ? 0 : totals.dataSize / totals.objects),
      dataSize: scaled(totals.dataSize),
      // No compression: what is stored is the data itself.
      storageSize: scaled(totals.dataSize),
      indexes: totals.indexes,
      indexSize: scaled(totals.indexSize),
      totalSize: scaled(totals.dataSize + totals.indexSize),
      scaleFactor: scale,
    };
    const storage = ctx.server.options.parsed.storage;
    const fs = ctx.engine.storage.persistent && isDocument(storage) ? fileSystemSizes(storage.dbPath) : null;
    if (fs) {
      reply.fsUsedSize = scaled(fs.used);
      reply.fsTotalSize = scaled(fs.total);
    }
    return reply;
  },
};
