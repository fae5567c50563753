import { Binary } from '../bson/index.js';
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
    const infos = await ctx.engine.read((r) => listCollectionInfos(r, ctx.db));
    const docs: Document[] = [];
    for (const info of infos) {
      const view = isView(info);
      const full: Document = {
        name: info.name,
        type: view ? 'view' : 'collection',
        options: info.options,
        info: view ? { readOnly: true } : { readOnly: false, uuid: uuidBinary(info.uuid) as Binary },
      };
      if (!view) full.idIndex = info.indexes.find((s) => s.name === '_id_') ?? null;
      if (!filter.matches(full)) continue;
      docs.push(nameOnly ? { name: info.name, type: full.type } : full);
    }
    return cursorReply(`${ctx.db}.$cmd.listCollections`, 0n, docs, 'firstBatch');
  },
};
