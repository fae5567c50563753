import type { Document } from '../bson/types.js';
import { rawDocumentsOf } from '../bson/index.js';
import { insertDocuments } from '../engine/write_ops.js';
import type { CommandDefinition } from './support/context.js';
import { namespaceArg, optionalBool, requiredDocuments } from './support/args.js';
import { writeReply } from './support/write_reply.js';

export const insert: CommandDefinition = {
  name: 'insert',
  async run(cmd, ctx) {
    const coll = namespaceArg(cmd, 'insert', ctx.db);
    const docs: Document[] = requiredDocuments(cmd, 'insert', 'documents');
    const ordered = optionalBool(cmd, 'insert', 'ordered') ?? true;
    const bypassDocumentValidation = optionalBool(cmd, 'insert', 'bypassDocumentValidation') ?? false;
    const result = await insertDocuments(ctx.server.engine, ctx.db, coll, docs, ordered, { bypassDocumentValidation }, rawDocumentsOf(docs));
    return writeReply(result.n, result.writeErrors);
  },
};
