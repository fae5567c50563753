import { valuesEqual, type Collation } from '../bson/index.js';
import { isDocument, type Document } from '../bson/types.js';
import { MongoServerError, mongoError } from '../errors/index.js';
import { StorageError } from '../storage/types.js';
import { compileUpdate, type UpdateLogEntry } from '../query/update/index.js';
import { computeOplogDiff, computeUpdateDescription } from '../oplog/update_description.js';
import type { Engine, WriteContext } from './engine.js';
import { imagesEnabled, isView, ID_INDEX_NAME, type CollectionInfo } from './catalog.js';
import { collectionForWrite } from './ddl.js';
import { encodeStoredDocument, encodeInsertedDocument, idStorageKey, prepareForInsert, withIdFirst } from './documents.js';
import { addIndexEntries, duplicateKeyError, removeIndexEntries } from './indexes.js';
import { candidateChunksFor, type ScannedDocument, type WriteAccess } from './scan.js';
import { compileCommandFilter } from './expr_filter.js';
import type { LetVariables } from './let_variables.js';
import { enforceValidator, type DocumentValidationOptions } from './validation.js';
import { batchableCollection, insertRun, InsertBatch } from './insert_run.js';
import { RetryableWriteRecord, type RetryableWrite } from './retryable_writes.js';
import { checkCappedWrite, deleteOverCap } from './capped.js';
import { isCapped } from './natural_source.js';
import { isOplogNamespace, oplogWriteRefused } from './oplog_rs.js';

/** One failed statement of a batch, as the write commands report it. */
export interface WriteError {
  index: number;
  code: number;
  codeName: string;
  errmsg: string;
  [extra: string]: unknown;
}

function toWriteError(index: number, err: MongoServerError): WriteError {
  return { index, code: err.code, codeName: err.codeName, errmsg: err.message, ...err.extra };
}

/** What a batch of write statements reports besides its counts. */
export interface BatchOutcome {
  writeErrors: WriteError[];
  /** Statements of a retryable write answered from the session's record instead of run again. */
  retriedStmtIds: number[];
}

/**
 * Runs the statements of a batch in one storage transaction. A statement that fails with a MongoDB error becomes a
 * write error (its own partial effects undone); an ordered batch stops at the first one, as mongod does.
 * `run` returns what the statement did; `count` adds it to the command's totals, for a statement run now or, in a
 * retryable write, one that already ran (its recorded result, not run again).
 */
async function runBatch<S>(
  engine: Engine,
  statements: S[],
  ordered: boolean,
  run: (ctx: WriteContext, statement: S, index: number) => Promise<Document>,
  count: (result: Document, index: number) => void,
  retryable?: RetryableWrite,
): Promise<BatchOutcome> {
  return engine.write(async (ctx) => {
    const record = retryable ? await RetryableWriteRecord.load(ctx, retryable) : null;
    const writeErrors: WriteError[] = [];
    for (let i = 0; i < statements.length; i++) {
      const prior = record?.prior(i);
      if (prior) {
        count(prior, i);
        continue;
      }
      try {
        const result = await run(ctx, statements[i]!, i);
        record?.done(i, result);
        count(result, i);
      } catch (err) {
        if (!(err instanceof MongoServerError)) throw err;
        writeErrors.push(toWriteError(i, err));
        if (ordered) break;
      }
    }
    await record?.save(ctx);
    return { writeErrors, retriedStmtIds: record?.retried ?? [] };
  });
}

function hasSecondaryIndexes(info: CollectionInfo): boolean {
  const { indexes } = info;
  return indexes.length > 1 || (indexes.length === 1 && indexes[0]!.name !== ID_INDEX_NAME);
}

function idSpec(info: CollectionInfo) {
  return info.indexes.find((s) => s.name === ID_INDEX_NAME) ?? { v: 2, key: { _id: 1 }, name: ID_INDEX_NAME };
}

/**
 * Stores a new document (as {@link prepareForInsert} returned it) with its index entries and logs `insert`.
 * `encoded`: the document's exact BSON when the caller has it.
 */
async function insertOne(ctx: WriteContext, info: CollectionInfo, doc: Document, encoded?: Uint8Array): Promise<void> {
  checkCappedWrite(ctx, info);
  const key = idStorageKey(doc._id);
  const bytes = encodeInsertedDocument(doc, encoded);
  try {
    await ctx.writer.insertDocument({ coll: info.uuid, key, doc: bytes });
  } catch (err) {
    if (err instanceof StorageError && err.kind === 'DuplicateKey') throw duplicateKeyError(info, idSpec(info), [doc._id]);
    throw err;
  }
  if (hasSecondaryIndexes(info)) {
    try {
      await addIndexEntries(ctx.writer, info, key, doc);
    } catch (err) {
      await ctx.writer.deleteDocument({ coll: info.uuid, key });
      throw err;
    }
  }
  // Only bytes that came with the document are reused for the entry: a fresh encoding writes an undefined field as
  // null, where the entry's own encoding leaves it out.
  ctx.log({ op: 'insert', db: info.db, coll: info.name, uuid: info.uuid, documentKey: { _id: doc._id }, fullDocument: doc }, encoded);
  if (isCapped(info)) await deleteOverCap(ctx, info, key, bytes.byteLength);
}

export interface InsertResult extends BatchOutcome {
  n: number;
}

/**
 * The insert command: `docs` are the command's own decoded documents, handed over (they may be stored and logged as
 * they are); `encoded`, when given, holds the exact BSON of each (see bson/raw_documents.ts).
 */
export async function insertDocuments(engine: Engine, db: string, coll: string, docs: Document[], ordered = true, validation: DocumentValidationOptions = {}, encoded?: readonly Uint8Array[], retryable?: RetryableWrite): Promise<InsertResult> {
  const options = { log: engine.options.log, ...validation };
  if (isOplogNamespace(db, coll)) throw oplogWriteRefused();
  let n = 0;
  const prepared: (Document | MongoServerError)[] = docs.map((d, i) => {
    try {
      return prepareForInsert(d, true, encoded?.[i]?.byteLength);
    } catch (err) {
      if (err instanceof MongoServerError) return err;
      throw err;
    }
  });
  // The encoding given describes the document as sent; it is the stored form only when nothing was rearranged.
  const encodedAt = (i: number) => (prepared[i] === docs[i] ? encoded?.[i] : undefined);
  // Each document is encoded once for the whole batch, however many runs refused keys split it into.
  const batch = new InsertBatch(prepared, encodedAt);
  const outcome = await engine.write(async (ctx) => {
    const record = retryable ? await RetryableWriteRecord.load(ctx, retryable) : null;
    const errors: WriteError[] = [];
    for (let i = 0; i < prepared.length;) {
      let failure: MongoServerError;
      if (record?.prior(i) !== undefined) {
        n++;
        i++;
        continue;
      }
      // Two or more documents left and a collection that only the store can refuse them from: one batched call.
      // A retry that finds statements done goes one by one, so that none of them is run again.
      const info = prepared.length - i > 1 && !record?.isRetry ? batchableCollection(ctx, db, coll, options) : null;
      const run = info ? await insertRun(ctx, info, batch, i) : null;
      if (info && run && (run.inserted > 0 || run.duplicate)) {
        for (let k = i; k < i + run.inserted; k++) record?.done(k, null);
        n += run.inserted;
        i += run.inserted;
        if (!run.duplicate) continue;
        failure = duplicateKeyError(info, idSpec(info), [(prepared[i] as Document)._id]);
      } else {
        try {
          const doc = prepared[i]!;
          if (doc instanceof MongoServerError) throw doc;
          // Once the first document has looked the collection up, the others find it without an await.
          const cached = ctx.cachedCollection(db, coll);
          const target = cached && !isView(cached) ? cached : await collectionForWrite(ctx, db, coll);
          enforceValidator(target, doc, null, options);
          await insertOne(ctx, target, doc, encodedAt(i));
          record?.done(i, null);
          n++;
          i++;
          continue;
        } catch (err) {
          if (!(err instanceof MongoServerError)) throw err;
          failure = err;
        }
      }
      // As runBatch: the statement's own effects are undone (nothing of it was stored), an ordered batch stops.
      errors.push(toWriteError(i, failure));
      if (ordered) break;
      i++;
    }
    await record?.save(ctx);
    return { writeErrors: errors, retriedStmtIds: record?.retried ?? [] };
  });
  return { n, ...outcome };
}

/** Replaces a stored document with `after`, keeping index entries in step, and logs `update` or `replace`. */
async function replaceStored(ctx: WriteContext, info: CollectionInfo, current: ScannedDocument, after: Document, kind: 'update' | 'replace', updateLog?: UpdateLogEntry[]): Promise<void> {
  const bytes = encodeStoredDocument(after);
  await removeIndexEntries(ctx.writer, info, current.key, current.doc);
  try {
    await addIndexEntries(ctx.writer, info, current.key, after);
  } catch (err) {
    await addIndexEntries(ctx.writer, info, current.key, current.doc);
    throw err;
  }
  await ctx.writer.updateDocument({ coll: info.uuid, key: current.key, doc: bytes });
  const images = imagesEnabled(info);
  ctx.log({
    op: kind, db: info.db, coll: info.name, uuid: info.uuid, documentKey: { _id: after._id },
    updateDescription: kind === 'update' ? computeUpdateDescription(current.doc, after, { showExpandedEvents: true, updateLog }) as unknown as Document : undefined,
    fullDocument: kind === 'replace' || images ? after : undefined,
    preImage: images ? current.doc : undefined,
    images,
  });
}

export interface UpdateStatement {
  q: Document;
  u: Document | Document[];
  upsert?: boolean;
  multi?: boolean;
  arrayFilters?: Document[];
  collation?: Collation | null;
  sort?: Document;
  /** An index name or key pattern the statement's read must use. */
  hint?: unknown;
  /** Where the statement's read reports its counters and plan. */
  report?: WriteAccess['report'];
  /** The command's evaluated `let` variables: `$expr` in `q` and `$$name` in a pipeline `u` read them. */
  variables?: LetVariables;
}

export interface UpdateDocumentsResult extends BatchOutcome {
  n: number;
  nModified: number;
  upserted: { index: number; _id: unknown }[];
}

/** What one update statement did, for update, findAndModify and $merge. */
export interface StatementOutcome {
  matched: number;
  modified: number;
  upsertedId?: unknown;
  before?: Document;
  after?: Document;
}

/**
 * The seed of an upserted document: the filter's `{dotted.path: value}` equalities as nested fields, as mongod
 * builds them (`{'a.b': 1}` seeds `{a: {b: 1}}`). The filter already refused overlapping paths.
 */
function documentFromEqualities(equalities: Document): Document {
  // defineProperty, not assignment: a field may be named `__proto__`.
  const setOwn = (target: Document, key: string, value: unknown) =>
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  const doc: Document = {};
  for (const [path, value] of Object.entries(equalities)) {
    const parts = path.split('.');
    let target = doc;
    for (const part of parts.slice(0, -1)) {
      const existing = Object.prototype.hasOwnProperty.call(target, part) ? target[part] : undefined;
      if (!isDocument(existing)) setOwn(target, part, {});
      target = target[part] as Document;
    }
    setOwn(target, parts[parts.length - 1]!, value);
  }
  return doc;
}

/** A write's candidates in chunks, read by the statement's plan; with a sort the plan lacks, all at once, in order. */
function writeCandidates(ctx: WriteContext, info: CollectionInfo, s: { q: Document; sort?: Document; collation?: Collation | null; hint?: unknown; multi?: boolean; limit?: number; report?: WriteAccess['report'] }): AsyncGenerator<ScannedDocument[]> {
  const single = s.multi === false || s.limit === 1;
  return candidateChunksFor(ctx.writer, info, { filter: s.q, sort: s.sort ?? null, collation: s.collation ?? null, hint: s.hint, single, ...(s.report ? { report: s.report } : {}) });
}

/** Runs one update statement inside the caller's write transaction (update, findAndModify, $merge). */
export async function updateStatement(ctx: WriteContext, db: string, coll: string, s: UpdateStatement, options: DocumentValidationOptions = {}): Promise<StatementOutcome> {
  if (isOplogNamespace(db, coll)) throw oplogWriteRefused();
  const filter = compileCommandFilter(s.q, s.collation ?? null, s.variables);
  const update = compileUpdate(s.u, { arrayFilters: s.arrayFilters, collation: s.collation ?? null, variables: s.variables });
  if (update.kind === 'replacement' && s.multi) throw mongoError('FailedToParse', 'multi update is not supported for replacement-style update');
  let info: CollectionInfo | null = await ctx.collection(db, coll);
  const outcome: StatementOutcome = { matched: 0, modified: 0 };
  if (info) {
    scan: for await (const candidates of writeCandidates(ctx, info, s)) for (const current of candidates) {
      const details: { elemMatchKey?: string } = {};
      if (!filter.matches(current.doc, details)) continue;
      outcome.matched++;
      const { doc, modified, log } = update.apply(current.doc, details);
      outcome.before ??= current.doc;
      if (modified) {
        const after = withIdFirst(update.kind === 'replacement' ? { _id: current.doc._id, ...doc } : doc);
        if (!valuesEqual(after._id, current.doc._id)) {
          throw mongoError('ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
        }
        // mongod logs a pipeline update whose delta would outweigh the document as a replacement.
        const kind = update.kind === 'replacement' || (update.kind === 'pipeline' && computeOplogDiff(current.doc, after) === null) ? 'replace' : 'update';
        enforceValidator(info, after, current.doc, options);
        checkCappedWrite(ctx, info);
        await replaceStored(ctx, info, current, after, kind, update.kind === 'operators' ? log : undefined);
        outcome.modified++;
        outcome.after ??= after;
      } else {
        outcome.after ??= current.doc;
      }
      if (!s.multi) break scan;
    }
  }
  if (outcome.matched === 0 && s.upsert) {
    const seed = update.kind === 'replacement' ? {} : documentFromEqualities(filter.equalities());
    const upsertUpdate = compileUpdate(s.u, { arrayFilters: s.arrayFilters, collation: s.collation ?? null, isUpsertInsert: true, variables: s.variables });
    let doc = upsertUpdate.apply(seed, {}).doc;
    if (update.kind === 'replacement') {
      const idFromFilter = filter.equalities()._id;
      if (doc._id === undefined && idFromFilter !== undefined) doc = { _id: idFromFilter, ...doc };
    } else if (seed._id !== undefined && doc._id !== undefined && !valuesEqual(seed._id, doc._id)) {
      throw mongoError('ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
    }
    const prepared = prepareForInsert(doc);
    info ??= await collectionForWrite(ctx, db, coll);
    enforceValidator(info, prepared, null, options);
    await insertOne(ctx, info, prepared);
    outcome.upsertedId = prepared._id;
    outcome.after = prepared;
  }
  return outcome;
}

export async function updateDocuments(engine: Engine, db: string, coll: string, statements: UpdateStatement[], ordered = true, validation: DocumentValidationOptions = {}, retryable?: RetryableWrite): Promise<UpdateDocumentsResult> {
  const options = { log: engine.options.log, ...validation };
  let n = 0;
  let nModified = 0;
  const upserted: { index: number; _id: unknown }[] = [];
  const outcome = await runBatch(engine, statements, ordered, async (ctx, s) => {
    const done = await updateStatement(ctx, db, coll, s, options);
    return done.upsertedId !== undefined ? { upserted: [done.upsertedId] } : { n: done.matched, nModified: done.modified };
  }, (r, index) => {
    if (Array.isArray(r.upserted)) {
      n += 1;
      upserted.push({ index, _id: r.upserted[0] });
    } else {
      n += Number(r.n);
      nModified += Number(r.nModified);
    }
  }, retryable);
  return { n, nModified, upserted, ...outcome };
}

export interface DeleteStatement {
  q: Document;
  limit: number;
  collation?: Collation | null;
  sort?: Document;
  /** An index name or key pattern the statement's read must use. */
  hint?: unknown;
  /** Where the statement's read reports its counters and plan. */
  report?: WriteAccess['report'];
  /** The command's evaluated `let` variables, for `$expr` in `q`. */
  variables?: LetVariables;
}

/** Runs one delete statement inside the caller's write transaction; returns the deleted documents. */
export async function deleteStatement(ctx: WriteContext, db: string, coll: string, s: DeleteStatement): Promise<Document[]> {
  if (isOplogNamespace(db, coll)) throw oplogWriteRefused();
  const filter = compileCommandFilter(s.q, s.collation ?? null, s.variables);
  const info = await ctx.collection(db, coll);
  if (!info) return [];
  const deleted: Document[] = [];
  const images = imagesEnabled(info);
  scan: for await (const candidates of writeCandidates(ctx, info, s)) for (const current of candidates) {
    if (!filter.matches(current.doc)) continue;
    checkCappedWrite(ctx, info);
    await removeIndexEntries(ctx.writer, info, current.key, current.doc);
    await ctx.writer.deleteDocument({ coll: info.uuid, key: current.key });
    ctx.log({ op: 'delete', db, coll, uuid: info.uuid, documentKey: { _id: current.doc._id }, preImage: images ? current.doc : undefined, images });
    deleted.push(current.doc);
    if (s.limit === 1) break scan;
  }
  return deleted;
}

export async function deleteDocuments(engine: Engine, db: string, coll: string, statements: DeleteStatement[], ordered = true, retryable?: RetryableWrite): Promise<{ n: number } & BatchOutcome> {
  let n = 0;
  const outcome = await runBatch(engine, statements, ordered, async (ctx, s) => ({ n: (await deleteStatement(ctx, db, coll, s)).length }), (r) => {
    n += Number(r.n);
  }, retryable);
  return { n, ...outcome };
}

export interface FindAndModifyOptions {
  query: Document;
  sort?: Document;
  remove?: boolean;
  update?: Document | Document[];
  returnNew?: boolean;
  upsert?: boolean;
  arrayFilters?: Document[];
  collation?: Collation | null;
  fields?: Document;
  /** An index name or key pattern its read must use. */
  hint?: unknown;
  /** Where its read reports its counters and plan. */
  report?: WriteAccess['report'];
  /** The command's evaluated `let` variables. */
  variables?: LetVariables;
  bypassDocumentValidation?: boolean;
}

export interface FindAndModifyResult {
  value: Document | null;
  lastErrorObject: Document;
}

/**
 * findAndModify: one atomic match-then-write; errors throw (there are no write errors for it). In a retryable write
 * that already ran, the original result comes back, the image included, and nothing is written.
 */
export async function findAndModify(engine: Engine, db: string, coll: string, o: FindAndModifyOptions, retryable?: RetryableWrite): Promise<FindAndModifyResult> {
  return engine.write(async (ctx) => {
    const record = retryable ? await RetryableWriteRecord.load(ctx, retryable) : null;
    const prior = record?.prior(0);
    if (prior) return { value: isDocument(prior.value) ? prior.value : null, lastErrorObject: prior.lastErrorObject as Document };
    const result = await findAndModifyOnce(ctx, db, coll, o, engine.options.log);
    if (record) {
      record.done(0, { value: result.value, lastErrorObject: result.lastErrorObject });
      await record.save(ctx);
    }
    return result;
  });
}

async function findAndModifyOnce(ctx: WriteContext, db: string, coll: string, o: FindAndModifyOptions, log: DocumentValidationOptions['log']): Promise<FindAndModifyResult> {
  {
    if (o.remove) {
      const [deleted] = await deleteStatement(ctx, db, coll, { q: o.query, limit: 1, collation: o.collation, sort: o.sort, hint: o.hint, variables: o.variables, ...(o.report ? { report: o.report } : {}) });
      return { value: deleted ?? null, lastErrorObject: { n: deleted ? 1 : 0 } };
    }
    if (o.update === undefined || (!Array.isArray(o.update) && !isDocument(o.update))) {
      throw mongoError('FailedToParse', 'Either an update or remove=true must be specified');
    }
    const outcome = await updateStatement(ctx, db, coll, {
      q: o.query, u: o.update, upsert: o.upsert, multi: false, arrayFilters: o.arrayFilters, collation: o.collation, sort: o.sort, hint: o.hint, ...(o.report ? { report: o.report } : {}),
      variables: o.variables,
    }, { bypassDocumentValidation: o.bypassDocumentValidation, log });
    const lastErrorObject: Document = { n: outcome.upsertedId !== undefined ? 1 : outcome.matched, updatedExisting: outcome.matched > 0 };
    if (outcome.upsertedId !== undefined) lastErrorObject.upserted = outcome.upsertedId;
    const value = o.returnNew ? outcome.after ?? null : outcome.upsertedId !== undefined ? null : outcome.before ?? null;
    return { value, lastErrorObject };
  }
}

/**
 * Inserts one document inside the caller's write transaction, creating the collection if needed and enforcing its
 * validator ($out and $merge). Returns the document as stored (with its `_id`).
 */
export async function insertInTransaction(ctx: WriteContext, db: string, coll: string, doc: Document, options: DocumentValidationOptions = {}): Promise<Document> {
  const prepared = prepareForInsert(doc);
  const info = await collectionForWrite(ctx, db, coll);
  enforceValidator(info, prepared, null, options);
  await insertOne(ctx, info, prepared);
  return prepared;
}
