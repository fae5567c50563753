import { ObjectId } from '../bson/index.js';
import { isDocument, toNumber, type Document } from '../bson/index.js';
import { MongoServerError, mongoError } from '../errors/index.js';
import { compileExpression, type CompiledExpression } from '../query/expressions/index.js';
import type { MergeSpec } from '../query/pipeline/merge.js';
import type { WriteContext } from './engine.js';
import { getCollectionInfo, isView, readyIndexes, type CollectionInfo } from './catalog.js';
import type { LetVariables } from './let_variables.js';
import { checkWriteStageTarget } from './out.js';
import type { DocumentValidationOptions } from './validation.js';
import { insertInTransaction, updateStatement } from './write_ops.js';

export interface MergeOptions extends DocumentValidationOptions {
  /** The aggregate's evaluated `let` variables; a whenMatched pipeline sees them too. */
  variables?: LetVariables;
}

/**
 * mongod requires a unique index on exactly the `on` fields (any order, no partial filter) so that a source document
 * matches at most one target document; without a target collection only `_id` qualifies.
 */
function requireUniqueIndex(info: CollectionInfo | null, on: string[]): void {
  const wanted = new Set(on);
  const found = info && readyIndexes(info).some((spec) => {
    const keys = Object.keys(spec.key);
    return spec.unique === true && spec.partialFilterExpression === undefined && keys.length === wanted.size
      && keys.every((k) => wanted.has(k) && Number.isFinite(toNumber(spec.key[k])));
  });
  if (!found) throw new MongoServerError(51183, 'Cannot find index to verify that join fields will be unique');
}

/** The value at a dotted `on` path; arrays, null and missing values cannot identify a target document. */
function onValue(doc: Document, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split('.')) {
    value = isDocument(value) ? value[part] : undefined;
    if (Array.isArray(value)) throw new MongoServerError(51185, `$merge write error: 'on' field '${path}' is an array`);
  }
  if (value === undefined || value === null || (value as { _bsontype?: string })._bsontype === 'Undefined') {
    throw new MongoServerError(51132, `$merge write error: 'on' field '${path}' cannot be missing, null, undefined or an array`);
  }
  return value;
}

/**
 * `$merge` (https://www.mongodb.com/docs/manual/reference/operator/aggregation/merge/): writes each of `docs` into the
 * target through the engine's insert and update paths (so every write logs its change entry), one statement per
 * document as mongod's merge strategies do: replace is a replacement update, merge `{$set: doc}`, keepExisting
 * `{$setOnInsert: doc}` (all upserting for whenNotMatched insert), a pipeline an update pipeline with `$$new`
 * (inserting the source document itself when nothing matched), fail a plain insert.
 * Unlike mongod, a failure undoes the whole stage: it runs in the caller's single transaction.
 *
 * @throws MongoServerError as checkWriteStageTarget; CommandNotSupportedOnView (166); 51183 without a unique index
 *   on the `on` fields; 51132/51185 for a bad `on` value; MergeStageNoMatchingDocument (13113) for whenNotMatched
 *   fail; DuplicateKey (11000) for whenMatched fail; the updates' own errors (ImmutableField, 121, ...).
 */
export async function mergeIntoCollection(ctx: WriteContext, spec: MergeSpec, docs: Document[], options: MergeOptions): Promise<void> {
  const { db, coll } = spec;
  checkWriteStageTarget('$merge', db, coll);
  const info = await getCollectionInfo(ctx.writer, db, coll);
  if (info && isView(info)) throw mongoError('CommandNotSupportedOnView', `Namespace ${db}.${coll} is a view, not a collection`);
  if (!(spec.on.length === 1 && spec.on[0] === '_id')) requireUniqueIndex(info, spec.on);
  const commandVars = options.variables ?? {};
  // The merge's own let is evaluated against each source document; `new` is always that document.
  const lets: [string, CompiledExpression][] = Object.entries(spec.let ?? {})
    .filter(([name]) => name !== 'new')
    .map(([name, expr]) => [name, compileExpression(expr, { variables: Object.keys(commandVars) })]);
  for (const source of docs) {
    const doc = spec.on.includes('_id') && source._id === undefined ? { _id: new ObjectId(), ...source } : source;
    const q: Document = {};
    for (const path of spec.on) q[path] = { $eq: onValue(doc, path) };
    if (spec.whenMatched === 'fail') {
      await insertInTransaction(ctx, db, coll, doc, options);
      continue;
    }
    let u: Document | Document[];
    let variables: LetVariables | undefined = options.variables;
    if (spec.whenMatched === 'replace') u = doc;
    else if (spec.whenMatched === 'merge') u = { $set: doc };
    else if (spec.whenMatched === 'keepExisting') u = { $setOnInsert: doc };
    else {
      u = spec.pipeline!;
      variables = { ...commandVars };
      for (const [name, ev] of lets) variables[name] = ev(doc, commandVars);
      variables.new = doc;
    }
    const upsert = spec.whenNotMatched === 'insert' && spec.whenMatched !== 'pipeline';
    const outcome = await updateStatement(ctx, db, coll, { q, u, upsert, multi: false, variables }, options);
    if (outcome.matched > 0 || outcome.upsertedId !== undefined) continue;
    if (spec.whenNotMatched === 'fail') {
      throw mongoError('MergeStageNoMatchingDocument', '$merge could not find a matching document in the target collection for at least one document in the source collection');
    }
    if (spec.whenNotMatched === 'insert') await insertInTransaction(ctx, db, coll, doc, options);
  }
}
