import { randomUUID } from 'node:crypto';
import type { Document } from '../bson/index.js';
import { MongoServerError, mongoError } from '../errors/index.js';
import type { OutSpec } from '../query/pipeline/out.js';
import type { WriteContext } from './engine.js';
import { getCollectionInfo, isView, readyIndexes, ID_INDEX_NAME } from './catalog.js';
import { createCollection, createIndexes, renameCollection } from './ddl.js';
import { isInternalDatabase, isSystemCollection, validateCollectionName, validateDbName } from './namespace.js';
import type { DocumentValidationOptions } from './validation.js';
import { insertInTransaction } from './write_ops.js';

/**
 * Checks the target of `$out` or `$merge` (`stage`) as mongod does before any work.
 *
 * @throws MongoServerError InvalidNamespace (73) for a bad name; 17385/31319 for a system collection and
 *   31321/31320 for an internal database ($out/$merge codes and wording differ in mongod).
 */
export function checkWriteStageTarget(stage: '$out' | '$merge', db: string, coll: string): void {
  validateDbName(db);
  validateCollectionName(db, coll);
  if (isSystemCollection(coll)) {
    if (stage === '$out') throw new MongoServerError(17385, `Can't $out to special collection: ${coll}`);
    throw new MongoServerError(31319, `Cannot $merge to special collection: ${coll}`);
  }
  if (isInternalDatabase(db)) {
    if (stage === '$out') throw new MongoServerError(31321, `Can't $out to internal database: ${db}`);
    throw new MongoServerError(31320, `Cannot $merge to internal database: ${db}`);
  }
}

/**
 * `$out` (https://www.mongodb.com/docs/manual/reference/operator/aggregation/out/): replaces the target's documents
 * with `docs`, keeping its options (validator included) and indexes. As mongod does, the documents go into a new
 * `tmp.agg_out.<uuid>` collection created with the target's options and indexes, which is then renamed over the
 * target (dropTarget). Change streams therefore see the temporary collection's create and inserts and a rename to
 * the target, which invalidates streams on the target collection. All of it commits in the caller's transaction.
 *
 * @throws MongoServerError as checkWriteStageTarget; CommandNotSupportedOnView (166) for a view; 17152 for a capped
 *   target; DuplicateKey (11000) and DocumentValidationFailure (121) from the inserts.
 */
export async function replaceCollectionContents(ctx: WriteContext, target: OutSpec, docs: Document[], options: DocumentValidationOptions): Promise<void> {
  checkWriteStageTarget('$out', target.db, target.coll);
  const existing = await getCollectionInfo(ctx.writer, target.db, target.coll);
  if (existing && isView(existing)) {
    throw mongoError('CommandNotSupportedOnView', `Namespace ${target.db}.${target.coll} is a view, not a collection`);
  }
  if (existing?.options.capped === true) {
    throw new MongoServerError(17152, `namespace '${target.db}.${target.coll}' is capped so it can't be used for $out`);
  }
  const temp = `tmp.agg_out.${randomUUID()}`;
  await createCollection(ctx, target.db, temp, existing ? { ...existing.options } : {});
  const indexes = existing ? readyIndexes(existing).filter((spec) => spec.name !== ID_INDEX_NAME) : [];
  if (indexes.length > 0) await createIndexes(ctx, target.db, temp, indexes);
  for (const doc of docs) await insertInTransaction(ctx, target.db, temp, doc, options);
  await renameCollection(ctx, { db: target.db, coll: temp }, target, true);
}
