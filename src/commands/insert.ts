import { rawDocumentsOf } from '../bson/index.js';
import { insertDocuments } from '../engine/write_ops.js';
import type { CommandDefinition } from './support/context.js';
import { optionalBool, writeBatchArgs } from './support/args.js';
import { writeReply } from './support/write_reply.js';
import { retryableWriteOf } from './support/retryable_write.js';

export const insert: CommandDefinition = {
  name: 'insert',
  async run(cmd, ctx) {
    const { coll, batch: docs, ordered } = writeBatchArgs(cmd, 'insert', 'documents', ctx.db);
    const bypassDocumentValidation = optionalBool(cmd, 'insert', 'bypassDocumentValidation') ?? false;
    const result = await insertDocuments(ctx.engine, ctx.db, coll, docs, ordered, { bypassDocumentValidation }, rawDocumentsOf(docs), retryableWriteOf('insert', cmd, ctx));
    return writeReply(result.n, result);
  },
};
