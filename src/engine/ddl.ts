import { Long } from '../bson/index.js';
import { bsonTypeOf, isDocument, type Document } from '../bson/types.js';
import { deepClone, elementToString, toNumber, valuesEqual, valueToString } from '../bson/index.js';
import { missingFieldError, mongoError, unknownFieldError, wrongTypeError } from '../errors/index.js';
import { StorageError } from '../storage/types.js';
import type { WriteContext } from './engine.js';
import {
  buildIdOf, formatUuid, getCollectionInfo, idIndexSpec, imagesEnabled, isBuilding, isView, listCollectionInfos, publicSpec,
  newCollectionUuid, toCollectionRecord, uuidBinary, BUILD_UUID_FIELD, ID_INDEX_NAME, type CollectionInfo, type IndexSpec,
} from './catalog.js';
import { validateCollectionName, validateDbName } from './namespace.js';
import { buildIndex } from './indexes.js';
import { decodeStoredDocument } from './documents.js';
import { checkValidationOptions } from './validation.js';
import { expireAfterSeconds, validateIndexSpec } from './index_spec.js';
import { cappedCreateOptions } from './capped.js';
import { toArray } from '../storage/scan.js';
import { isTextKeyPattern } from '../query/text/index.js';

/** Options `create` accepts and stores (others are accepted and ignored, as mongod does for unknown storage options). */
const STORED_CREATE_OPTIONS = ['capped', 'size', 'max', 'validator', 'validationLevel', 'validationAction', 'viewOn', 'pipeline', 'collation', 'changeStreamPreAndPostImages', 'timeseries', 'expireAfterSeconds', 'clusteredIndex'];

function ns(db: string, coll: string): string {
  return `${db}.${coll}`;
}

/** create's operationDescription for the change event (showExpandedEvents). */
function createDescription(info: CollectionInfo): Document {
  if (isView(info)) return { viewOn: info.options.viewOn, pipeline: info.options.pipeline ?? [] };
  const desc: Document = { idIndex: idIndexSpec() };
  for (const [k, v] of Object.entries(info.options)) desc[k] = v;
  return desc;
}

/** mongod's rendering of the existing options in the NamespaceExists message: `{ uuid: UUID("..."), ... }`. */
function describeExisting(info: CollectionInfo): string {
  const u = info.uuid;
  const fields = isView(info) ? [] : [`uuid: UUID("${u.slice(0, 8)}-${u.slice(8, 12)}-${u.slice(12, 16)}-${u.slice(16, 20)}-${u.slice(20)}")`];
  for (const [k, v] of Object.entries(info.options)) fields.push(elementToString(k, v));
  return `{ ${fields.join(', ')} }`;
}

/**
 * Creates a collection (or view) and logs its `create` entry. Since MongoDB 7.0, creating one that exists with
 * identical options succeeds without doing anything (no entry); with different options it is NamespaceExists (48).
 * https://www.mongodb.com/docs/manual/reference/command/create/
 */
export async function createCollection(ctx: WriteContext, db: string, coll: string, options: Document = {}): Promise<CollectionInfo> {
  validateDbName(db);
  validateCollectionName(db, coll);
  const stored: Document = {};
  const capped = cappedCreateOptions(options);
  for (const key of STORED_CREATE_OPTIONS) {
    if (key === 'capped' || key === 'size' || key === 'max') {
      if (capped[key] !== undefined) stored[key] = capped[key];
    } else if (options[key] !== undefined) stored[key] = deepClone(options[key]);
  }
  if (stored.changeStreamPreAndPostImages !== undefined) validatePrePostImages(stored.changeStreamPreAndPostImages);
  if (stored.viewOn !== undefined && typeof stored.viewOn !== 'string') throw mongoError('TypeMismatch', "'viewOn' must be a string");
  checkValidationOptions('create', db, coll, stored);
  const existing = await getCollectionInfo(ctx.writer, db, coll);
  if (existing) {
    if (valuesEqual(existing.options, stored)) return existing;
    throw mongoError('NamespaceExists', `namespace ${ns(db, coll)} already exists, but with different options: ${describeExisting(existing)}`);
  }
  const info: CollectionInfo = {
    db, name: coll, uuid: newCollectionUuid(), options: stored,
    indexes: stored.viewOn !== undefined ? [] : [idIndexSpec()],
  };
  try {
    await ctx.writer.createCollection({ record: toCollectionRecord(info) });
  } catch (err) {
    if (err instanceof StorageError && err.kind === 'NamespaceExists') {
      throw mongoError('NamespaceExists', `Collection ${ns(db, coll)} already exists.`);
    }
    throw err;
  }
  ctx.log({
    op: 'create', db, coll, uuid: isView(info) ? undefined : info.uuid,
    operationDescription: createDescription(info),
    nsType: isView(info) ? 'view' : stored.timeseries ? 'timeseries' : 'collection',
  });
  return info;
}

function validatePrePostImages(value: unknown): void {
  if (!isDocument(value)) throw wrongTypeError('changeStreamPreAndPostImages', bsonTypeOf(value), 'object');
  for (const k of Object.keys(value)) {
    if (k !== 'enabled') throw unknownFieldError(`changeStreamPreAndPostImages.${k}`);
  }
  if (value.enabled === undefined) throw missingFieldError('changeStreamPreAndPostImages.enabled');
  if (typeof value.enabled !== 'boolean') throw wrongTypeError('changeStreamPreAndPostImages.enabled', bsonTypeOf(value.enabled), 'bool');
}

/**
 * The collection for a write, created implicitly (with its `create` entry) when absent. An existing one comes from
 * the engine's catalog cache: shared and frozen, for reading only.
 */
export async function collectionForWrite(ctx: WriteContext, db: string, coll: string): Promise<CollectionInfo> {
  const existing = await ctx.collection(db, coll);
  if (existing) {
    if (isView(existing)) throw mongoError('CommandNotSupportedOnView', `Namespace ${ns(db, coll)} is a view, not a collection`);
    return existing;
  }
  return createCollection(ctx, db, coll);
}

/** Drops a collection and logs `drop`. Returns false when it did not exist. */
export async function dropCollection(ctx: WriteContext, db: string, coll: string): Promise<boolean> {
  const info = await getCollectionInfo(ctx.writer, db, coll);
  if (!info) return false;
  await ctx.writer.dropCollection({ coll: info.uuid });
  ctx.log({ op: 'drop', db, coll, uuid: isView(info) ? undefined : info.uuid });
  return true;
}

/** Drops every collection of a database (one `drop` each), then logs `dropDatabase`. */
export async function dropDatabase(ctx: WriteContext, db: string): Promise<void> {
  const infos = await listCollectionInfos(ctx.writer, db);
  for (const info of infos) {
    await ctx.writer.dropCollection({ coll: info.uuid });
    ctx.log({ op: 'drop', db, coll: info.name, uuid: isView(info) ? undefined : info.uuid });
  }
  if (infos.length > 0) ctx.log({ op: 'dropDatabase', db });
}

/** renameCollection: NamespaceNotFound (26) without a source, NamespaceExists (48) for a target without dropTarget. */
export async function renameCollection(ctx: WriteContext, from: { db: string; coll: string }, to: { db: string; coll: string }, dropTarget: boolean): Promise<void> {
  validateDbName(to.db);
  validateCollectionName(to.db, to.coll);
  const source = await getCollectionInfo(ctx.writer, from.db, from.coll);
  if (!source) throw mongoError('NamespaceNotFound', 'Source collection ' + ns(from.db, from.coll) + ' does not exist');
  if (from.db === to.db && from.coll === to.coll) throw mongoError('IllegalOperation', "Can't rename a collection to itself");
  assertNoIndexBuild(source);
  const target = await getCollectionInfo(ctx.writer, to.db, to.coll);
  if (target) assertNoIndexBuild(target);
  let droppedUuid: string | undefined;
  if (target) {
    if (!dropTarget) throw mongoError('NamespaceExists', 'target namespace exists');
    await ctx.writer.dropCollection({ coll: target.uuid });
    droppedUuid = target.uuid;
  }
  await ctx.writer.renameCollection({ coll: source.uuid, toDb: to.db, toName: to.coll });
  const description: Document = { to: { db: to.db, coll: to.coll } };
  if (droppedUuid) description.dropTarget = uuidBinary(droppedUuid);
  ctx.log({ op: 'rename', db: from.db, coll: from.coll, uuid: source.uuid, to: { db: to.db, coll: to.coll }, dropTarget: droppedUuid, operationDescription: description });
}

/** mongod refuses to rename a collection (or rename over one) while one of its indexes is being built. */
function assertNoIndexBuild(info: CollectionInfo): void {
  if (info.indexes.some(isBuilding)) {
    throw mongoError('BackgroundOperationInProgressForNamespace', `cannot perform operation: an index build is currently running for collection with UUID: ${formatUuid(info.uuid)}`);
  }
}

/**
 * collMod: changes changeStreamPreAndPostImages, validator settings and one index's `hidden` or `expireAfterSeconds`;
 * logs `modify`, even when empty. Returns mongod's reply fields: the index option's old and new values, when it
 * changed.
 */
export async function collMod(ctx: WriteContext, db: string, coll: string, changes: Document): Promise<Document> {
  const info = await getCollectionInfo(ctx.writer, db, coll);
  if (!info) throw mongoError('NamespaceNotFound', `ns does not exist: ${ns(db, coll)}`);
  const before: Document = {};
  const updated: Document = {};
  let reply: Document = {};
  let indexBefore: Document | undefined;
  for (const [key, value] of Object.entries(changes)) {
    if (key === 'index') {
      const change = modifyIndex(info, value, ns(db, coll));
      reply = change.reply;
      indexBefore = change.before;
      updated.index = change.description;
      continue;
    }
    switch (key) {
      case 'changeStreamPreAndPostImages':
        validatePrePostImages(value);
        break;
      case 'validator':
      case 'validationLevel':
      case 'validationAction':
        checkValidationOptions('collMod', db, coll, { [key]: value });
        break;
      case 'expireAfterSeconds':
        break;
      case 'viewOn':
      case 'pipeline':
        if (!isView(info)) throw mongoError('InvalidOptions', `option not supported on a collection: ${key}`);
        break;
      default:
        throw mongoError('InvalidOptions', `unknown option to collMod: ${key}`);
    }
    if (info.options[key] !== undefined) before[key] = info.options[key];
    info.options[key] = deepClone(value);
    updated[key] = value;
  }
  await ctx.writer.updateCollection({ record: toCollectionRecord(info) });
  const preImage: Document = {};
  if (Object.keys(before).length > 0) preImage.collectionOptions = before;
  if (indexBefore && Object.keys(indexBefore).length > 0) preImage.indexOptions = indexBefore;
  ctx.log({ op: 'modify', db, coll, uuid: info.uuid, operationDescription: updated, preImage: Object.keys(preImage).length ? preImage : undefined, images: imagesEnabled(info) });
  return reply;
}

/** The fields collMod's `index` document may have. */
const COLLMOD_INDEX_FIELDS = new Set(['name', 'keyPattern', 'hidden', 'expireAfterSeconds', 'unique', 'prepareUnique', 'forceNonUnique']);

/**
 * collMod's `index: {name | keyPattern, hidden?, expireAfterSeconds?}`: changes the index in `info` (in place) and
 * returns mongod's reply fields (`hidden_old`/`hidden_new`, `expireAfterSeconds_old`/`_new`, only for what changed),
 * the index's options before, and the change as the `modify` event describes it.
 */
function modifyIndex(info: CollectionInfo, value: unknown, namespace: string): { reply: Document; before: Document; description: Document } {
  if (!isDocument(value)) throw wrongTypeError('collMod.index', bsonTypeOf(value), 'object');
  for (const field of Object.keys(value)) {
    if (!COLLMOD_INDEX_FIELDS.has(field)) throw unknownFieldError(`collMod.index.${field}`);
  }
  if (value.name !== undefined && typeof value.name !== 'string') throw wrongTypeError('collMod.index.name', bsonTypeOf(value.name), 'string');
  if (value.keyPattern !== undefined && !isDocument(value.keyPattern)) throw wrongTypeError('collMod.index.keyPattern', bsonTypeOf(value.keyPattern), 'object');
  if (value.hidden !== undefined && typeof value.hidden !== 'boolean') throw wrongTypeError('collMod.index.hidden', bsonTypeOf(value.hidden), 'bool');
  if (value.name !== undefined && value.keyPattern !== undefined) throw mongoError('InvalidOptions', 'Cannot specify both key pattern and name.');
  if (value.name === undefined && value.keyPattern === undefined) throw mongoError('InvalidOptions', 'Must specify either index name or key pattern.');
  if (value.hidden === undefined && value.expireAfterSeconds === undefined && value.unique === undefined && value.prepareUnique === undefined) {
    throw mongoError('InvalidOptions', 'no expireAfterSeconds, hidden, unique, or prepareUnique field');
  }
  if (value.unique !== undefined || value.prepareUnique !== undefined || value.forceNonUnique !== undefined) {
    throw mongoError('InvalidOptions', 'collMod of an index\'s unique, prepareUnique or forceNonUnique option is not supported by eddydb yet');
  }
  const seconds = value.expireAfterSeconds === undefined ? undefined : expireAfterSeconds(value.expireAfterSeconds, 'InvalidOptions', 'collMod.index.expireAfterSeconds');
  const index = typeof value.name === 'string'
    ? info.indexes.find((s) => s.name === value.name && !isBuilding(s))
    : info.indexes.find((s) => sameKey(s.key, value.keyPattern as Document) && !isBuilding(s));
  if (!index) {
    const which = typeof value.name === 'string' ? value.name : valueToString(value.keyPattern);
    throw mongoError('IndexNotFound', `cannot find index ${which} for ns ${namespace}`);
  }
  const reply: Document = {};
  const before: Document = {};
  const description: Document = { name: index.name };
  if (value.hidden !== undefined) {
    if (index.name === ID_INDEX_NAME) throw mongoError('BadValue', "can't hide _id index");
    const old = index.hidden === true;
    if (old !== value.hidden) {
      reply.hidden_old = old;
      reply.hidden_new = value.hidden;
      before.hidden = old;
      if (value.hidden) index.hidden = true;
      else delete index.hidden;
    }
    description.hidden = value.hidden;
  }
  if (seconds !== undefined) {
    if (index.name === ID_INDEX_NAME) throw mongoError('InvalidOptions', 'the _id field does not support TTL indexes');
    if (Object.keys(index.key).length !== 1) throw mongoError('InvalidOptions', 'TTL indexes are single-field indexes, compound indexes do not support TTL');
    const old = index.expireAfterSeconds;
    if (old === undefined || toNumber(old) !== seconds.value) {
      if (old !== undefined) reply.expireAfterSeconds_old = Long.fromNumber(toNumber(old));
      reply.expireAfterSeconds_new = Long.fromNumber(seconds.value);
      if (old !== undefined) before.expireAfterSeconds = old;
      index.expireAfterSeconds = seconds;
    }
    description.expireAfterSeconds = seconds;
  }
  return { reply, before, description };
}

/** Validates one index spec from createIndexes (the `position`th) and fills in defaults (v: 2); see index_spec.ts. */
export function normalizeIndexSpec(raw: unknown, position = 0): IndexSpec {
  return validateIndexSpec(raw, position);
}

/** Options that tell two indexes on the same key apart (they may coexist under different names). */
const SIGNATURE_OPTIONS = ['unique', 'sparse', 'collation', 'partialFilterExpression'];
/** Fields of a spec that are not options at all. */
const NOT_OPTIONS = new Set(['v', 'key', 'name', 'ns', 'background', BUILD_UUID_FIELD, ...SIGNATURE_OPTIONS]);

/**
 * As mongod's IndexDescriptor::compareIndexOptions: 'different' when the key pattern or a signature option differs,
 * 'equivalent' when only other options (expireAfterSeconds, hidden, ...) differ, else 'identical'.
 */
function compareIndexSpecs(a: IndexSpec, b: IndexSpec): 'different' | 'equivalent' | 'identical' {
  if (!sameKey(a.key, b.key)) return 'different';
  if (Boolean(a.unique) !== Boolean(b.unique) || Boolean(a.sparse) !== Boolean(b.sparse)) return 'different';
  for (const option of ['collation', 'partialFilterExpression']) {
    if (a[option] === undefined ? b[option] !== undefined : b[option] === undefined || !valuesEqual(a[option], b[option])) return 'different';
  }
  const rest = (s: IndexSpec) => Object.keys(s).filter((k) => !NOT_OPTIONS.has(k)).sort();
  const ak = rest(a);
  const bk = rest(b);
  const identical = ak.length === bk.length && ak.every((k, i) => k === bk[i] && valuesEqual(a[k], b[k]));
  return identical ? 'identical' : 'equivalent';
}

export function sameKey(a: Document, b: Document): boolean {
  const ak = Object.keys(a);
  const bk = Object.keys(b);
  // A plugin field ('text', 'hashed', '2dsphere', '2d') is the same only as the same plugin.
  const same = (x: unknown, y: unknown) => (typeof x === 'string' || typeof y === 'string' ? x === y : toNumber(x) === toNumber(y));
  return ak.length === bk.length && ak.every((k, i) => k === bk[i] && same(a[k], b[k]));
}

/** What a createIndexes request leaves to do: the indexes to build, and a build of the same index to wait for. */
export interface NewIndexes {
  fresh: IndexSpec[];
  /** The build UUID of a build in progress of an index identical to a requested one (null: none). */
  inProgress: string | null;
}

/**
 * Checks requested indexes against the collection's, ready or building, as mongod's
 * IndexCatalogImpl::_doesSpecConflictWithExisting: by name first, then by key pattern and signature. An identical
 * index needs nothing; one identical to an index being built waits for that build, as mongod does.
 */
export function checkNewIndexes(info: CollectionInfo, specs: IndexSpec[]): NewIndexes {
  const fresh: IndexSpec[] = [];
  let inProgress: string | null = null;
  for (const spec of specs) {
    if (spec.name === ID_INDEX_NAME && !sameKey(spec.key, { _id: 1 })) throw mongoError('BadValue', 'The index name \'_id_\' is reserved for the _id index');
    const known = [...info.indexes, ...fresh];
    const shown = (s: IndexSpec) => `Requested index: ${valueToString(spec)}, existing index: ${valueToString(publicSpec(s))}`;
    const sameName = known.find((s) => s.name === spec.name);
    if (sameName) {
      const comparison = compareIndexSpecs(spec, sameName);
      if (comparison === 'different') {
        throw mongoError('IndexKeySpecsConflict', `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. ${shown(sameName)}`);
      }
      if (comparison === 'equivalent') {
        throw mongoError('IndexOptionsConflict', `An equivalent index already exists with the same name but different options. ${shown(sameName)}`);
      }
      inProgress ??= buildIdOf(sameName);
      continue; // identical: nothing to build
    }
    const sameSignature = known.find((s) => compareIndexSpecs(spec, s) !== 'different');
    if (sameSignature) {
      if (compareIndexSpecs(spec, sameSignature) === 'equivalent') {
        throw mongoError('IndexOptionsConflict', `An equivalent index already exists with a different name and options. ${shown(sameSignature)}`);
      }
      throw mongoError('IndexOptionsConflict', `Index already exists with a different name: ${sameSignature.name}`);
    }
    const otherText = isTextKeyPattern(spec.key) ? known.find((s) => isTextKeyPattern(s.key)) : undefined;
    if (otherText) {
      throw mongoError('CannotCreateIndex', `only one text index per collection allowed, found existing text index "${otherText.name}"`);
    }
    fresh.push(spec);
  }
  return { fresh, inProgress };
}

/** Builds `fresh` over the collection's documents in this transaction, adds them to the catalog, logs their entries. */
export async function buildIndexesNow(ctx: WriteContext, info: CollectionInfo, fresh: IndexSpec[]): Promise<void> {
  const docs = (await toArray(ctx.writer.scanDocuments({ coll: info.uuid }))).map((row) => ({ key: row.key, doc: decodeStoredDocument(row.doc) }));
  for (const spec of fresh) {
    await buildIndex(ctx.writer, info, spec, docs);
    info.indexes.push(spec);
  }
  await ctx.writer.updateCollection({ record: toCollectionRecord(info) });
  for (const spec of fresh) logIndexCreated(ctx, info, spec);
}

/** The `createIndexes` entry of one index, logged when its build commits. */
export function logIndexCreated(ctx: WriteContext, info: CollectionInfo, spec: IndexSpec): void {
  ctx.log({ op: 'createIndexes', db: info.db, coll: info.name, uuid: info.uuid, operationDescription: { indexes: [spec] } });
}

/**
 * createIndexes in one transaction (for a collection this transaction just made, as `$out`'s): builds the new
 * indexes and logs one `createIndexes` entry per new index. Returns how many indexes existed before and after.
 */
export async function createIndexes(ctx: WriteContext, db: string, coll: string, specs: IndexSpec[]): Promise<{ before: number; after: number; createdCollectionAutomatically: boolean }> {
  const existing = await getCollectionInfo(ctx.writer, db, coll);
  const info = existing ?? (await collectionForWrite(ctx, db, coll));
  const before = info.indexes.length;
  const { fresh } = checkNewIndexes(info, specs);
  if (fresh.length > 0) await buildIndexesNow(ctx, info, fresh);
  return { before, after: info.indexes.length, createdCollectionAutomatically: existing === null };
}

/** dropIndexes by name, by key pattern, a list of names, or '*'. IndexNotFound (27) for an unknown index. */
export async function dropIndexes(ctx: WriteContext, db: string, coll: string, which: unknown): Promise<number> {
  const info = await getCollectionInfo(ctx.writer, db, coll);
  if (!info) throw mongoError('NamespaceNotFound', `ns not found ${ns(db, coll)}`);
  const before = info.indexes.length;
  let names: string[];
  // Builds were aborted by the caller (dropIndexesAbortingBuilds); '*' leaves any that started since alone.
  if (which === '*') names = info.indexes.filter((s) => s.name !== ID_INDEX_NAME && !isBuilding(s)).map((s) => s.name);
  else if (typeof which === 'string') names = [which];
  else if (Array.isArray(which)) names = which.map(String);
  else if (isDocument(which)) {
    const spec = info.indexes.find((s) => sameKey(s.key, which));
    if (!spec) throw mongoError('IndexNotFound', `can't find index with key: ${JSON.stringify(which)}`);
    names = [spec.name];
  } else throw wrongTypeError('dropIndexes.index', bsonTypeOf(which), ['string', 'array', 'object']);
  for (const name of names) {
    if (name === ID_INDEX_NAME) throw mongoError('InvalidOptions', 'cannot drop _id index');
    const spec = info.indexes.find((s) => s.name === name);
    if (!spec) throw mongoError('IndexNotFound', `index not found with name [${name}]`);
    if (isBuilding(spec)) throw mongoError('IndexNotFound', `can't drop unfinished index with name: ${name}`);
  }
  for (const name of names) {
    const spec = info.indexes.find((s) => s.name === name)!;
    await ctx.writer.dropIndexEntries({ coll: info.uuid, index: name });
    info.indexes = info.indexes.filter((s) => s.name !== name);
    ctx.log({ op: 'dropIndexes', db, coll, uuid: info.uuid, operationDescription: { indexes: [spec] } });
  }
  await ctx.writer.updateCollection({ record: toCollectionRecord(info) });
  return before;
}
