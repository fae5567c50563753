import type { Document } from '../bson/types.js';
import { listCollectionInfos } from '../engine/catalog.js';
import { compileFilter } from '../query/filter/index.js';
import type { CommandDefinition } from './support/context.js';
import { optionalBool, optionalDocument } from './support/args.js';

export const listDatabases: CommandDefinition = {
  name: 'listDatabases',
  adminOnly: true,
  async run(cmd, ctx) {
    const filter = compileFilter(optionalDocument(cmd, 'listDatabases', 'filter') ?? {});
    const nameOnly = optionalBool(cmd, 'listDatabases', 'nameOnly') ?? false;
    const engine = ctx.engine;
    const sizes = await engine.read(async (r) => {
      const byDb = new Map<string, number>();
      for (const info of await listCollectionInfos(r)) {
        byDb.set(info.db, (byDb.get(info.db) ?? 0) + (await r.dataSize(info.uuid)));
      }
      return byDb;
    });
    const databases: Document[] = [];
    let totalSize = 0;
    for (const [name, size] of [...sizes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const doc: Document = nameOnly ? { name } : { name, sizeOnDisk: size, empty: size === 0 };
      if (!filter.matches(doc)) continue;
      databases.push(doc);
      totalSize += size;
    }
    return nameOnly ? { databases } : { databases, totalSize, totalSizeMb: Math.floor(totalSize / (1024 * 1024)) };
  },
};
