/**
 * The operations of the unified test format, each mapped onto the official Node driver's API. An operation returns
 * its result converted to a document (model objects such as BulkWriteResult become plain documents) or, for
 * createChangeStream / createFindCursor, the driver object to be saved as an entity.
 * https://github.com/mongodb/specifications/blob/master/source/unified-test-format/unified-test-format.md#entity-test-operations
 */
import {
  BSON,
  Collection,
  Db,
  type AnyBulkWriteOperation,
  type ChangeStream,
  type ClientSession,
  type Document,
  type AbstractCursor,
  type GridFSBucket,
  MongoClient,
} from 'mongodb';
import { convertCommonOptions, RunnerError, type Entity, type EntityMap } from './entities.js';

export { RunnerError };

/** A fail point enabled by a failPoint operation, to be turned off after the test. */
export interface EnabledFailPoint {
  name: string;
}

/** What operations can reach besides their own arguments. */
export interface OperationContext {
  entities: EntityMap;
  /** The runner's own client (assertCollectionExists and friends use it). */
  internal: MongoClient;
  /** Fail points to disable after the test. */
  failPoints: EnabledFailPoint[];
  /** Creates entities for the createEntities special operation. */
  createEntities(list: Document[]): Promise<void>;
  /** Runs operations as the test's own list runs them (withTransaction's callback). */
  runOperations(list: Document[]): Promise<void>;
}

/** An operation's outcome: `value` is what expectResult is matched against. */
export interface OperationResult {
  value: unknown;
  /** `value` is an iterable's documents, each matched as a root-level document (find, aggregate, ...). */
  rootElements?: boolean;
  /** Save as this kind of entity instead of a BSON value. */
  entity?: Entity;
}

type Args = Document;
type OperationFn = (ctx: OperationContext, object: string, args: Args) => Promise<OperationResult>;

const value = (v: unknown): OperationResult => ({ value: v });
const documents = (v: unknown[]): OperationResult => ({ value: v, rootElements: true });

/** Resolves `session` and converts readConcern / readPreference / writeConcern into driver options. */
function options(ctx: OperationContext, args: Args): Document {
  const out = convertCommonOptions(args);
  if (typeof args.session === 'string') out.session = ctx.entities.get(args.session, 'session') as ClientSession;
  return out;
}

function collection(ctx: OperationContext, object: string): Collection {
  return ctx.entities.get(object, 'collection');
}

function database(ctx: OperationContext, object: string): Db {
  return ctx.entities.get(object, 'database');
}

/** A client, database or collection: the things that have watch() and aggregate(). */
function watchable(ctx: OperationContext, object: string): MongoClient | Db | Collection {
  const e = ctx.entities.entity(object);
  if (e.kind === 'client') return e.value.client;
  if (e.kind === 'database' || e.kind === 'collection') return e.value;
  throw new RunnerError(`createChangeStream needs a client, database or collection; ${object} is a ${e.kind}`);
}

/** `{Before|After}` (any case) as the driver's returnDocument. */
function returnDocument(v: unknown): 'before' | 'after' | undefined {
  if (v === undefined) return undefined;
  const lower = String(v).toLowerCase();
  if (lower !== 'before' && lower !== 'after') throw new RunnerError(`returnDocument must be Before or After, got ${String(v)}`);
  return lower;
}

/** BulkWriteResult (a class with getters) as the unified format's document. */
export function bulkWriteResultDocument(r: unknown): Document | undefined {
  if (!r || typeof r !== 'object') return undefined;
  const x = r as Record<string, unknown>;
  return {
    insertedCount: x.insertedCount,
    matchedCount: x.matchedCount,
    modifiedCount: x.modifiedCount,
    deletedCount: x.deletedCount,
    upsertedCount: x.upsertedCount,
    upsertedIds: { ...(x.upsertedIds as Document) },
    insertedIds: { ...(x.insertedIds as Document) },
  };
}

function mapToDocument(m: unknown): unknown {
  if (!(m instanceof Map)) return m;
  return Object.fromEntries([...m.entries()].map(([k, v]) => [String(k), v]));
}

/** ClientBulkWriteResult (with Maps keyed by model index) as the unified format's document. */
export function clientBulkWriteResultDocument(r: unknown): Document | undefined {
  if (!r || typeof r !== 'object') return undefined;
  const x = r as Record<string, unknown>;
  const out: Document = {
    insertedCount: x.insertedCount,
    upsertedCount: x.upsertedCount,
    matchedCount: x.matchedCount,
    modifiedCount: x.modifiedCount,
    deletedCount: x.deletedCount,
  };
  for (const key of ['insertResults', 'updateResults', 'deleteResults']) {
    if (x[key] !== undefined) out[key] = mapToDocument(x[key]);
  }
  // The driver's UpdateResult adds `didUpsert` (the bulk write spec allows it to tell a null upsertedId from none);
  // the unified format's UpdateResult has only matchedCount, modifiedCount and upsertedId.
  const updates = out.updateResults as Record<string, Document> | undefined;
  if (updates) {
    out.updateResults = Object.fromEntries(Object.entries(updates).map(([k, { didUpsert: _didUpsert, ...rest }]) => [k, rest]));
  }
  return out;
}

const CLIENT_BULK_WRITE_MODELS = new Set(['insertOne', 'updateOne', 'updateMany', 'replaceOne', 'deleteOne', 'deleteMany']);

function changeStreamOf(ctx: OperationContext, object: string): { stream?: ChangeStream; cursor?: AbstractCursor } {
  const e = ctx.entities.entity(object);
  if (e.kind === 'changeStream') return { stream: e.value };
  if (e.kind === 'cursor') return { cursor: e.value };
  throw new RunnerError(`${object} is a ${e.kind}, not a change stream or cursor`);
}

/**
 * runCursorCommand's cursor: batchSize, maxTimeMS and comment apply to its getMores (the command document carries
 * its own); the spec's timeoutMode and a tailable cursorType are left to the command document too.
 */
function commandCursor(ctx: OperationContext, object: string, args: Args): AbstractCursor {
  const { command, commandName: _commandName, batchSize, maxTimeMS, comment, cursorType: _cursorType, ...rest } = options(ctx, args);
  const cursor = database(ctx, object).runCursorCommand(command as Document, rest);
  if (batchSize !== undefined) cursor.setBatchSize(Number(batchSize));
  if (maxTimeMS !== undefined) cursor.setMaxTimeMS(Number(maxTimeMS));
  if (comment !== undefined) cursor.setComment(comment);
  return cursor;
}

function bucket(ctx: OperationContext, object: string): GridFSBucket {
  return ctx.entities.get(object, 'bucket');
}

/** A GridFS download stream read to the end, as the bytes $$matchesHexBytes compares. */
async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const operations = new Map<string, OperationFn>([
  // ---- change streams and cursors -------------------------------------------------------------------------------
  [
    'createChangeStream',
    async (ctx, object, args) => {
      const { pipeline = [], ...rest } = options(ctx, args);
      const stream = watchable(ctx, object).watch(pipeline as Document[], rest);
      // The format requires the aggregate to run now, without consuming a document. ChangeStream only sends it on
      // first iteration, so start its cursor the way the driver's own unified runner does (an internal method).
      const cursor = (stream as unknown as { cursor?: { cursorInit?: () => Promise<void> } }).cursor;
      if (typeof cursor?.cursorInit !== 'function') throw new RunnerError('this driver version has no ChangeStreamCursor.cursorInit()');
      try {
        await cursor.cursorInit();
      } catch (err) {
        await stream.close().catch(() => undefined);
        throw err;
      }
      return { value: undefined, entity: { kind: 'changeStream', value: stream } };
    },
  ],
  [
    'createFindCursor',
    async (ctx, object, args) => {
      const { filter = {}, ...rest } = options(ctx, args);
      const cursor = collection(ctx, object).find(filter as Document, rest);
      // hasNext() runs the find and buffers the first batch without moving the cursor.
      try {
        await cursor.hasNext();
      } catch (err) {
        await cursor.close().catch(() => undefined);
        throw err;
      }
      return { value: undefined, entity: { kind: 'cursor', value: cursor } };
    },
  ],
  [
    'iterateUntilDocumentOrError',
    async (ctx, object) => {
      const { stream, cursor } = changeStreamOf(ctx, object);
      return value(stream ? await stream.next() : await cursor!.next());
    },
  ],
  [
    'iterateOnce',
    async (ctx, object) => {
      const { stream, cursor } = changeStreamOf(ctx, object);
      const doc = stream ? await stream.tryNext() : await cursor!.tryNext();
      return value(doc ?? undefined);
    },
  ],
  [
    'close',
    async (ctx, object) => {
      const e = ctx.entities.entity(object);
      // Cursor close errors are suppressed (unified format, Cursor Operations: close).
      if (e.kind === 'changeStream' || e.kind === 'cursor') await e.value.close().catch(() => undefined);
      else if (e.kind === 'client') await e.value.client.close();
      else throw new RunnerError(`cannot close a ${e.kind}`);
      return value(undefined);
    },
  ],
  [
    'createCommandCursor',
    async (ctx, object, args) => {
      const cursor = commandCursor(ctx, object, args);
      try {
        await cursor.hasNext();
      } catch (err) {
        await cursor.close().catch(() => undefined);
        throw err;
      }
      return { value: undefined, entity: { kind: 'cursor', value: cursor } };
    },
  ],
  ['runCursorCommand', async (ctx, object, args) => documents(await commandCursor(ctx, object, args).toArray())],
  // ---- GridFS ---------------------------------------------------------------------------------------------------
  ['download', async (ctx, object, args) => value(await readAll(bucket(ctx, object).openDownloadStream(args.id as never)))],
  [
    'downloadByName',
    async (ctx, object, args) => {
      const { filename, ...rest } = args;
      return value(await readAll(bucket(ctx, object).openDownloadStreamByName(String(filename), rest)));
    },
  ],
  // ---- client ---------------------------------------------------------------------------------------------------
  [
    'listDatabases',
    async (ctx, object, args) => {
      const client = ctx.entities.get(object, 'client').client;
      const reply = await client.db('admin').admin().listDatabases(options(ctx, args));
      return documents(reply.databases);
    },
  ],
  [
    'listDatabaseNames',
    async (ctx, object, args) => {
      const client = ctx.entities.get(object, 'client').client;
      const reply = await client.db('admin').admin().listDatabases({ ...options(ctx, args), nameOnly: true });
      return value(reply.databases.map((d) => d.name));
    },
  ],
  [
    // The Node driver has no cursor of database objects; its listDatabases result holds the same documents.
    'listDatabaseObjects',
    async (ctx, object, args) => {
      const client = ctx.entities.get(object, 'client').client;
      const reply = await client.db('admin').admin().listDatabases(options(ctx, args));
      return documents(reply.databases);
    },
  ],
  [
    'clientBulkWrite',
    async (ctx, object, args) => {
      const client = ctx.entities.get(object, 'client').client;
      const { models, ...rest } = options(ctx, args);
      const converted = (models as Document[]).map((m) => {
        const [name] = Object.keys(m);
        if (!CLIENT_BULK_WRITE_MODELS.has(name)) throw new RunnerError(`unknown clientBulkWrite model ${name}`);
        return { name, ...(m[name] as Document) };
      });
      const result = await client.bulkWrite(converted as never, rest);
      return value(clientBulkWriteResultDocument(result));
    },
  ],
  // ---- database -------------------------------------------------------------------------------------------------
  [
    'runCommand',
    async (ctx, object, args) => {
      const { command, commandName: _commandName, ...rest } = options(ctx, args);
      return value(await database(ctx, object).command(command as Document, rest));
    },
  ],
  [
    'modifyCollection',
    async (ctx, object, args) => {
      const { collection: name, session, ...rest } = options(ctx, args);
      return value(await database(ctx, object).command({ collMod: name, ...rest }, { session }));
    },
  ],
  [
    'createCollection',
    async (ctx, object, args) => {
      const { collection: name, ...rest } = options(ctx, args);
      const created = await database(ctx, object).createCollection(String(name), rest);
      return { value: undefined, entity: { kind: 'collection', value: created } };
    },
  ],
  [
    'dropCollection',
    async (ctx, object, args) => {
      const { collection: name, ...rest } = options(ctx, args);
      return value(await database(ctx, object).dropCollection(String(name), rest));
    },
  ],
  [
    'listCollections',
    async (ctx, object, args) => {
      const { filter = {}, ...rest } = options(ctx, args);
      return documents(await database(ctx, object).listCollections(filter as Document, rest).toArray());
    },
  ],
  [
    'listCollectionNames',
    async (ctx, object, args) => {
      const { filter = {}, ...rest } = options(ctx, args);
      const list = await database(ctx, object).listCollections(filter as Document, { ...rest, nameOnly: true }).toArray();
      return value(list.map((c) => c.name));
    },
  ],
  [
    // listCollections' documents as the driver's collection objects would describe them; the Node driver returns both alike.
    'listCollectionObjects',
    async (ctx, object, args) => {
      const { filter = {}, ...rest } = options(ctx, args);
      return documents(await database(ctx, object).listCollections(filter as Document, rest).toArray());
    },
  ],
  // ---- collection and database reads ----------------------------------------------------------------------------
  [
    'aggregate',
    async (ctx, object, args) => {
      const { pipeline, ...rest } = options(ctx, args);
      const e = ctx.entities.entity(object);
      if (e.kind !== 'database' && e.kind !== 'collection') throw new RunnerError(`aggregate needs a database or collection; ${object} is a ${e.kind}`);
      return documents(await e.value.aggregate(pipeline as Document[], rest).toArray());
    },
  ],
  [
    'find',
    async (ctx, object, args) => {
      const { filter = {}, ...rest } = options(ctx, args);
      return documents(await collection(ctx, object).find(filter as Document, rest).toArray());
    },
  ],
  [
    'findOne',
    async (ctx, object, args) => {
      const { filter = {}, ...rest } = options(ctx, args);
      return value(await collection(ctx, object).findOne(filter as Document, rest));
    },
  ],
  [
    'countDocuments',
    async (ctx, object, args) => {
      const { filter = {}, ...rest } = options(ctx, args);
      return value(await collection(ctx, object).countDocuments(filter as Document, rest));
    },
  ],
  [
    'count',
    async (ctx, object, args) => {
      const { filter = {}, ...rest } = options(ctx, args);
      return value(await collection(ctx, object).count(filter as Document, rest));
    },
  ],
  ['estimatedDocumentCount', async (ctx, object, args) => value(await collection(ctx, object).estimatedDocumentCount(options(ctx, args)))],
  [
    'distinct',
    async (ctx, object, args) => {
      const { fieldName, filter = {}, ...rest } = options(ctx, args);
      return value(await collection(ctx, object).distinct(String(fieldName), filter as Document, rest));
    },
  ],
  // ---- collection writes ----------------------------------------------------------------------------------------
  [
    'insertOne',
    async (ctx, object, args) => {
      const { document, ...rest } = options(ctx, args);
      return value(await collection(ctx, object).insertOne(document as Document, rest));
    },
  ],
  [
    'insertMany',
    async (ctx, object, args) => {
      const { documents: docs, ...rest } = options(ctx, args);
      return value(await collection(ctx, object).insertMany(docs as Document[], rest));
    },
  ],
  [
    'updateOne',
    async (ctx, object, args) => {
      const { filter, update, ...rest } = options(ctx, args);
      return value(await collection(ctx, object).updateOne(filter as Document, update as Document, rest));
    },
  ],
  [
    'updateMany',
    async (ctx, object, args) => {
      const { filter, update, ...rest } = options(ctx, args);
      return value(await collection(ctx, object).updateMany(filter as Document, update as Document, rest));
    },
  ],
  [
    'replaceOne',
    async (ctx, object, args) => {
      const { filter, replacement, ...rest } = options(ctx, args);
      return value(await collection(ctx, object).replaceOne(filter as Document, replacement as Document, rest));
    },
  ],
  [
    'deleteOne',
    async (ctx, object, args) => {
      const { filter, ...rest } = options(ctx, args);
      return value(await collection(ctx, object).deleteOne(filter as Document, rest));
    },
  ],
  [
    'deleteMany',
    async (ctx, object, args) => {
      const { filter, ...rest } = options(ctx, args);
      return value(await collection(ctx, object).deleteMany(filter as Document, rest));
    },
  ],
  [
    'findOneAndDelete',
    async (ctx, object, args) => {
      const { filter, ...rest } = options(ctx, args);
      return value((await collection(ctx, object).findOneAndDelete(filter as Document, rest)) ?? null);
    },
  ],
  [
    'findOneAndReplace',
    async (ctx, object, args) => {
      const { filter, replacement, returnDocument: rd, ...rest } = options(ctx, args);
      const opts = { ...rest, ...(rd !== undefined ? { returnDocument: returnDocument(rd) } : {}) };
      return value((await collection(ctx, object).findOneAndReplace(filter as Document, replacement as Document, opts)) ?? null);
    },
  ],
  [
    'findOneAndUpdate',
    async (ctx, object, args) => {
      const { filter, update, returnDocument: rd, ...rest } = options(ctx, args);
      const opts = { ...rest, ...(rd !== undefined ? { returnDocument: returnDocument(rd) } : {}) };
      return value((await collection(ctx, object).findOneAndUpdate(filter as Document, update as Document, opts)) ?? null);
    },
  ],
  [
    'bulkWrite',
    async (ctx, object, args) => {
      const { requests, ...rest } = options(ctx, args);
      const result = await collection(ctx, object).bulkWrite(requests as AnyBulkWriteOperation[], rest);
      return value(bulkWriteResultDocument(result));
    },
  ],
  // ---- collection DDL -------------------------------------------------------------------------------------------
  [
    'createIndex',
    async (ctx, object, args) => {
      const { keys, ...rest } = options(ctx, args);
      return value(await collection(ctx, object).createIndex(keys as Document, rest));
    },
  ],
  [
    'dropIndex',
    async (ctx, object, args) => {
      const { name, ...rest } = options(ctx, args);
      return value(await collection(ctx, object).dropIndex(String(name), rest));
    },
  ],
  [
    'dropIndexes',
    async (ctx, object, args) => value(await collection(ctx, object).dropIndexes(options(ctx, args))),
  ],
  [
    'listIndexes',
    async (ctx, object, args) => documents(await collection(ctx, object).listIndexes(options(ctx, args)).toArray()),
  ],
  [
    'listIndexNames',
    async (ctx, object, args) => {
      const list = await collection(ctx, object).listIndexes(options(ctx, args)).toArray();
      return value(list.map((i) => i.name));
    },
  ],
  [
    'mapReduce',
    async (ctx, object, args) => {
      const { map, reduce, ...rest } = options(ctx, args);
      // The driver's Collection.mapReduce is gone since 6.0; the command is what the spec's operation sends.
      const coll = collection(ctx, object);
      const { session, ...command } = rest;
      // Collection.client is set by the driver but not in its typings.
      const client = (coll as unknown as { client: MongoClient }).client;
      const reply = await client.db(coll.dbName).command({ mapReduce: coll.collectionName, map, reduce, ...command }, { session: session as ClientSession | undefined, readPreference: coll.readPreference });
      return documents((reply.results as Document[] | undefined) ?? []);
    },
  ],
  // ---- search indexes ---------------------------------------------------------------------------------------------
  [
    'createSearchIndex',
    async (ctx, object, args) => {
      const { model } = args;
      return value(await collection(ctx, object).createSearchIndex(model as never));
    },
  ],
  [
    'createSearchIndexes',
    async (ctx, object, args) => {
      const { models } = args;
      return value(await collection(ctx, object).createSearchIndexes(models as never));
    },
  ],
  ['dropSearchIndex', async (ctx, object, args) => value(await collection(ctx, object).dropSearchIndex(String(args.name)))],
  [
    'updateSearchIndex',
    async (ctx, object, args) => value(await collection(ctx, object).updateSearchIndex(String(args.name), args.definition as Document)),
  ],
  [
    'listSearchIndexes',
    async (ctx, object, args) => {
      const { name, aggregationOptions = {} } = args;
      const coll = collection(ctx, object);
      const cursor = name === undefined ? coll.listSearchIndexes(aggregationOptions as Document) : coll.listSearchIndexes(String(name), aggregationOptions as Document);
      return documents(await cursor.toArray());
    },
  ],
  [
    'rename',
    async (ctx, object, args) => {
      const { to, ...rest } = options(ctx, args);
      await collection(ctx, object).rename(String(to), rest);
      return value(undefined);
    },
  ],
  [
    'drop',
    async (ctx, object, args) => value(await collection(ctx, object).drop(options(ctx, args))),
  ],
  [
    'dropDatabase',
    async (ctx, object, args) => {
      // A client operation naming the database in `database`, or an operation on a database entity.
      const { database: name, ...rest } = options(ctx, args);
      const e = ctx.entities.entity(object);
      const db = e.kind === 'client' ? e.value.client.db(String(name)) : database(ctx, object);
      return value(await db.dropDatabase(rest));
    },
  ],
  // ---- sessions -------------------------------------------------------------------------------------------------
  [
    'endSession',
    async (ctx, object) => {
      await ctx.entities.get(object, 'session').endSession();
      return value(undefined);
    },
  ],
  [
    'startTransaction',
    async (ctx, object, args) => {
      ctx.entities.get(object, 'session').startTransaction(convertCommonOptions(args));
      return value(undefined);
    },
  ],
  ['commitTransaction', async (ctx, object) => value(await ctx.entities.get(object, 'session').commitTransaction())],
  ['abortTransaction', async (ctx, object) => value(await ctx.entities.get(object, 'session').abortTransaction())],
  [
    'withTransaction',
    async (ctx, object, args) => {
      const { callback, ...rest } = args;
      await ctx.entities.get(object, 'session').withTransaction(() => ctx.runOperations(callback as Document[]), convertCommonOptions(rest));
      return value(undefined);
    },
  ],
]);

/** Special operations on `testRunner`. They return nothing and must succeed. */
const specialOperations = new Map<string, (ctx: OperationContext, args: Args) => Promise<void>>([
  [
    'failPoint',
    async (ctx, args) => {
      const client = ctx.entities.get(String(args.client), 'client').client;
      const failPoint = args.failPoint as Document;
      await client.db('admin').command(failPoint);
      ctx.failPoints.push({ name: String(failPoint.configureFailPoint) });
    },
  ],
  [
    // The fail point goes to the server the session's transaction is pinned to (several routers).
    'targetedFailPoint',
    async (ctx, args) => {
      const session = ctx.entities.get(String(args.session), 'session') as ClientSession & { transaction: { server?: { description: { address: string } } } };
      const address = session.transaction.server?.description.address;
      if (address === undefined) throw new Error(`session ${args.session} is not pinned to a server`);
      const failPoint = args.failPoint as Document;
      const direct = new MongoClient(`mongodb://${address}/?directConnection=true&serverSelectionTimeoutMS=5000`);
      try {
        await direct.db('admin').command(failPoint);
      } finally {
        await direct.close();
      }
      ctx.failPoints.push({ name: String(failPoint.configureFailPoint) });
    },
  ],
  ['createEntities', async (ctx, args) => ctx.createEntities(args.entities as Document[])],
  [
    'assertCollectionExists',
    async (ctx, args) => {
      const names = await collectionNames(ctx, String(args.databaseName));
      if (!names.includes(String(args.collectionName))) throw new Error(`collection ${args.databaseName}.${args.collectionName} does not exist (has ${names.join(', ')})`);
    },
  ],
  [
    'assertCollectionNotExists',
    async (ctx, args) => {
      const names = await collectionNames(ctx, String(args.databaseName));
      if (names.includes(String(args.collectionName))) throw new Error(`collection ${args.databaseName}.${args.collectionName} exists`);
    },
  ],
  [
    'assertIndexExists',
    async (ctx, args) => {
      const names = await indexNames(ctx, args);
      if (!names.includes(String(args.indexName))) throw new Error(`index ${args.indexName} does not exist (has ${names.join(', ')})`);
    },
  ],
  [
    'assertIndexNotExists',
    async (ctx, args) => {
      const names = await indexNames(ctx, args);
      if (names.includes(String(args.indexName))) throw new Error(`index ${args.indexName} exists`);
    },
  ],
  ['wait', async (_ctx, args) => new Promise<void>((resolve) => setTimeout(resolve, Number(args.ms)))],
  [
    'assertSessionTransactionState',
    async (ctx, args) => {
      const session = ctx.entities.get(String(args.session), 'session') as ClientSession & { transaction: { state: string } };
      // The driver's state names are the spec's, upper-cased: TRANSACTION_IN_PROGRESS is in_progress.
      const state = session.transaction.state.toLowerCase().replace(/^transaction_/, '').replace(/^no_transaction$/, 'none').replace(/^starting_transaction$/, 'starting');
      if (state !== args.state) throw new Error(`session ${args.session} is in transaction state ${state}, expected ${args.state}`);
    },
  ],
  [
    'assertSessionPinned',
    async (ctx, args) => {
      const session = ctx.entities.get(String(args.session), 'session') as ClientSession & { isPinned?: boolean };
      if (!session.isPinned) throw new Error(`session ${args.session} is not pinned`);
    },
  ],
  [
    'assertSessionUnpinned',
    async (ctx, args) => {
      const session = ctx.entities.get(String(args.session), 'session') as ClientSession & { isPinned?: boolean };
      if (session.isPinned) throw new Error(`session ${args.session} is pinned`);
    },
  ],
  ['assertSessionDirty', async (ctx, args) => assertSessionDirtiness(ctx, args, true)],
  ['assertSessionNotDirty', async (ctx, args) => assertSessionDirtiness(ctx, args, false)],
  ['assertSameLsidOnLastTwoCommands', async (ctx, args) => assertLastTwoLsids(ctx, args, true)],
  ['assertDifferentLsidOnLastTwoCommands', async (ctx, args) => assertLastTwoLsids(ctx, args, false)],
]);

/** A session is dirty once a network error hit one of its commands: the driver then discards it instead of pooling it. */
function assertSessionDirtiness(ctx: OperationContext, args: Args, dirty: boolean): void {
  const session = ctx.entities.get(String(args.session), 'session');
  const isDirty = (session.serverSession as { isDirty?: boolean } | undefined)?.isDirty === true;
  if (isDirty !== dirty) throw new Error(`session ${String(args.session)} is ${isDirty ? '' : 'not '}dirty`);
}

/** Compares the lsid of the last two commandStartedEvents the client observed (unified format, special operations). */
function assertLastTwoLsids(ctx: OperationContext, args: Args, same: boolean): void {
  const started = ctx.entities.get(String(args.client), 'client').events.filter((e) => e.type === 'commandStartedEvent');
  if (started.length < 2) throw new Error(`client ${String(args.client)} observed ${started.length} commandStartedEvent(s), need two`);
  const [a, b] = started.slice(-2).map((e) => e.command?.lsid as Document | undefined);
  if (!a || !b) throw new Error('one of the last two commands has no lsid');
  const equal = Buffer.from(BSON.serialize(a)).equals(BSON.serialize(b));
  if (equal !== same) throw new Error(`the last two commands (${started.slice(-2).map((e) => e.commandName).join(', ')}) have ${equal ? 'the same' : 'different'} lsid`);
}

async function collectionNames(ctx: OperationContext, db: string): Promise<string[]> {
  const list = await ctx.internal.db(db).listCollections({}, { nameOnly: true }).toArray();
  return list.map((c) => c.name);
}

async function indexNames(ctx: OperationContext, args: Args): Promise<string[]> {
  try {
    const list = await ctx.internal.db(String(args.databaseName)).collection(String(args.collectionName)).listIndexes().toArray();
    return list.map((i) => String(i.name));
  } catch (err) {
    if ((err as { code?: number }).code === 26) return [];
    throw err;
  }
}

/** Names of every entity operation and special operation this runner implements. */
export const SUPPORTED_OPERATIONS: ReadonlySet<string> = new Set([...operations.keys()]);
export const SUPPORTED_SPECIAL_OPERATIONS: ReadonlySet<string> = new Set([...specialOperations.keys()]);

/** Runs entity operation `name` on `object`. Throws RunnerError for an unknown operation or a wrong entity. */
export async function runEntityOperation(ctx: OperationContext, name: string, object: string, args: Args): Promise<OperationResult> {
  const fn = operations.get(name);
  if (!fn) throw new RunnerError(`unsupported operation ${JSON.stringify(name)}`);
  if (!ctx.entities.has(object)) throw new RunnerError(`no entity named ${JSON.stringify(object)}`);
  return fn(ctx, object, args);
}

/** Runs special operation `name` (object: testRunner). */
export async function runSpecialOperation(ctx: OperationContext, name: string, args: Args): Promise<void> {
  const fn = specialOperations.get(name);
  if (!fn) throw new RunnerError(`unsupported special operation ${JSON.stringify(name)}`);
  await fn(ctx, args);
}
