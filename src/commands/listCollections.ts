import { Binary, compareUtf8 } from '../bson/index.js';
import { OPLOG_COLLECTION, OPLOG_DB, OPLOG_UUID, oplogMaxSize } from '../engine/oplog_rs.js';
import type { Document } from '../bson/types.js';
import { listCollectionInfos, isView, uuidBinary } from '../engine/catalog.js';
import { compileFilter } from '../query/filter/index.js';
import type { CommandDefinition } from './support/context.js';
import { optionalBool, optionalDocument } from './support/args.js';
import { cursorReply } from './support/reply.js';

export const listCollections: CommandDefinition = {
  name: 'listCollections',
  async run(cmd, ctx) {
    const filter = compileFilter(optionalDocument(cmd, 'listCollections', 'filter') ?? {});
    const nameOnly = optionalBool(cmd, 'listCollections', 'nameOnly') ?? false;
    // With access control on, `authorizedCollections` lists only the collections the user has some privilege on.
    const authorizedCollections = optionalBool(cmd, 'listCollections', 'authorizedCollections') ?? false;
    const authz = authorizedCollections ? ctx.authz : undefined;
    const infos = await ctx.engine.read((r) => listCollectionInfos(r, ctx.db));
    // The oplog of a replica set member lives in `local`; eddydb builds it from its change history on read.
    if (ctx.db === OPLOG_DB && !infos.some((info) => info.name === OPLOG_COLLECTION)) {
      infos.push({ db: OPLOG_DB, name: OPLOG_COLLECTION, uuid: OPLOG_UUID, options: { capped: true, size: oplogMaxSize(ctx.engine) }, indexes: [] });
      infos.sort((a, b) => compareUtf8(a.name, b.name));
    }
    const docs: Document[] = [];
    for (const info of infos) {
      if (authz && !authz.isAuthorizedForAnyActionOnCollection(ctx.db, info.name)) continue;
      const view = isView(info);
      const full: Document = {
        name: info.name,
        type: view ? 'view' : 'collection',
        options: info.options,
        info: view ? { readOnly: true } : { readOnly: false, uuid: uuidBinary(info.uuid) as Binary },
      };
      if (!view && info.uuid !== OPLOG_UUID) full.idIndex = info.indexes.find((s) => s.name === '_id_') ?? null;
      if (!filter.matches(full)) continue;
      docs.push(nameOnly ? { name: info.name, type: full.type } : full);
    }
    return cursorReply(`${ctx.db}.$cmd.listCollections`, 0n, docs, 'firstBatch');
  },
};
