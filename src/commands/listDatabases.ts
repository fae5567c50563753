import type { Document } from '../bson/types.js';
import { listCollectionInfos } from '../engine/catalog.js';
import { compileFilter } from '../query/filter/index.js';
import type { CommandContext, CommandDefinition } from './support/context.js';
import { optionalBool, optionalDocument } from './support/args.js';
import { mongoError } from '../errors/index.js';

/**
 * With access control on, whether to list only the databases the user has some privilege on: by default when it
 * may not list them all (listDatabases on the cluster), or as `authorizedDatabases` asks; asking for all of them
 * without that privilege is Unauthorized.
 */
function onlyAuthorizedDatabases(cmd: Document, ctx: CommandContext): boolean {
  const authz = ctx.authz;
  if (!authz) return false;
  const mayListAll = authz.isAuthorizedFor([{ resource: { cluster: true }, actions: ['listDatabases'] }]);
  const requested = optionalBool(cmd, 'listDatabases', 'authorizedDatabases');
  if (requested === undefined) return !mayListAll;
  if (!requested && !mayListAll) throw mongoError('Unauthorized', 'Insufficient permissions to list all databases');
  return requested;
}

export const listDatabases: CommandDefinition = {
  name: 'listDatabases',
  adminOnly: true,
  async run(cmd, ctx) {
    const filter = compileFilter(optionalDocument(cmd, 'listDatabases', 'filter') ?? {});
    const nameOnly = optionalBool(cmd, 'listDatabases', 'nameOnly') ?? false;
    const onlyAuthorized = onlyAuthorizedDatabases(cmd, ctx);
    const engine = ctx.engine;
    const sizes = await engine.read(async (r) => {
      const byDb = new Map<string, number>();
      for (const info of await listCollectionInfos(r)) {
        byDb.set(info.db, (byDb.get(info.db) ?? 0) + (await r.dataSize({ coll: info.uuid })));
      }
      return byDb;
    });
    const databases: Document[] = [];
    let totalSize = 0;
    for (const [name, size] of [...sizes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (onlyAuthorized && !ctx.authz!.isAuthorizedForAnyActionOnDatabase(name)) continue;
      const doc: Document = nameOnly ? { name } : { name, sizeOnDisk: size, empty: size === 0 };
      if (!filter.matches(doc)) continue;
      databases.push(doc);
      totalSize += size;
    }
    return nameOnly ? { databases } : { databases, totalSize, totalSizeMb: Math.floor(totalSize / (1024 * 1024)) };
  },
};
