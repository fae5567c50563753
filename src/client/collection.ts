import { ObjectId } from '../bson/index.js';
import type { Document } from '../bson/types.js';
import { MongoServerError } from '../errors/index.js';
import { errorFromReply, toUser } from './codec.js';
import type { Db, SessionOption } from './db.js';
import { CommandCursor, FindCursor } from './cursor.js';
import { CollectionChangeStream, type ChangeStreamDocument, type ChangeStreamOptions } from './change_stream.js';

export interface InsertOneResult { acknowledged: boolean; insertedId: unknown }
export interface InsertManyResult { acknowledged: boolean; insertedCount: number; insertedIds: Record<number, unknown> }
export interface UpdateResult { acknowledged: boolean; matchedCount: number; modifiedCount: number; upsertedCount: number; upsertedId: unknown }
export interface DeleteResult { acknowledged: boolean; deletedCount: number }

export interface UpdateOptions extends SessionOption {
  upsert?: boolean;
  arrayFilters?: Document[];
  collation?: Document;
  sort?: Document;
}

export interface FindOneAndOptions extends SessionOption {
  sort?: Document;
  projection?: Document;
  upsert?: boolean;
  returnDocument?: 'before' | 'after';
  arrayFilters?: Document[];
  collation?: Document;
  includeResultMetadata?: boolean;
}

export interface FindOptions extends SessionOption {
  sort?: Document;
  /** An index to use, or `{$natural: 1 | -1}` to read in insertion order (or its reverse). */
  hint?: Document | string;
  projection?: Document;
  skip?: number;
  limit?: number;
  batchSize?: number;
  collation?: Document;
}

/**
 * `doc` with `_id` as its first field, as the server stores it: the driver sets a generated `_id` last on the
 * caller's object, and a document that arrives in stored order is stored from the bytes the client encoded.
 */
function idFirst(doc: Document): Document {
  for (const key in doc) return key === '_id' || !Object.prototype.hasOwnProperty.call(doc, '_id') ? doc : { _id: doc._id, ...doc };
  return doc;
}

/** Turns a write reply with writeErrors into the error the Node driver throws. */
function throwWriteErrors(reply: Document, single: boolean, result: Document): void {
  const writeErrors = reply.writeErrors as Document[] | undefined;
  if (!writeErrors || writeErrors.length === 0) return;
  const first = writeErrors[0]!;
  const { index: _index, code, errmsg, ...extra } = first;
  const fields = single ? extra : { ...extra, writeErrors, result };
  const err = new MongoServerError(Number(code), String(errmsg), { extra: fields });
  // The driver's MongoServerError carries the reply's fields as properties (err.keyPattern, err.writeErrors, ...).
  Object.assign(err, fields);
  throw err;
}

/** A collection, as the Node driver's `Collection`, with the same method names and result shapes. */
export class Collection<TSchema extends Document = Document> {
  constructor(readonly db: Db, readonly collectionName: string) {}

  get dbName(): string {
    return this.db.databaseName;
  }

  get namespace(): string {
    return `${this.db.databaseName}.${this.collectionName}`;
  }

  private async command(cmd: Document, options: SessionOption = {}): Promise<Document> {
    try {
      return await this.db.client.runCommand(this.db.databaseName, cmd, options.session);
    } catch (err) {
      // As the driver's MongoServerError, expose the reply's extra fields (keyPattern, keyValue, ...) as properties.
      if (err instanceof MongoServerError) Object.assign(err, err.extra);
      throw err;
    }
  }

  /**
   * An insert command, with the reply in the engine's form (see `Client.dispatchCommand`): the insert methods read
   * only `n` and `writeErrors` of it, and convert only an error for the caller.
   */
  private async insertCommand(documents: Document[], ordered: boolean | undefined, options: SessionOption): Promise<Document> {
    const cmd: Document = { insert: this.collectionName, documents };
    if (ordered !== undefined) cmd.ordered = ordered;
    const reply = await this.db.client.dispatchCommand(this.db.databaseName, cmd, options.session);
    if (reply.ok !== 1) {
      const err = errorFromReply(toUser(reply));
      Object.assign(err, err.extra);
      throw err;
    }
    return reply.writeErrors === undefined ? reply : toUser(reply);
  }

  /** Inserts a document; like the driver, adds a generated `_id` to it when it has none. */
  async insertOne(doc: TSchema, options: SessionOption = {}): Promise<InsertOneResult> {
    if ((doc as Document)._id === undefined) (doc as Document)._id = new ObjectId();
    const reply = await this.insertCommand([idFirst(doc)], undefined, options);
    throwWriteErrors(reply, true, {});
    return { acknowledged: true, insertedId: (doc as Document)._id };
  }

  async insertMany(docs: TSchema[], options: { ordered?: boolean } & SessionOption = {}): Promise<InsertManyResult> {
    const insertedIds: Record<number, unknown> = {};
    const documents: Document[] = new Array(docs.length);
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i] as Document;
      if (doc._id === undefined) doc._id = new ObjectId();
      insertedIds[i] = doc._id;
      documents[i] = idFirst(doc);
    }
    const reply = await this.insertCommand(documents, options.ordered ?? true, options);
    throwWriteErrors(reply, false, { insertedCount: Number(reply.n), insertedIds });
    return { acknowledged: true, insertedCount: Number(reply.n), insertedIds };
  }

  private async update(filter: Document, update: Document | Document[], multi: boolean, options: UpdateOptions): Promise<UpdateResult> {
    const statement: Document = { q: filter, u: update, multi, upsert: options.upsert ?? false };
    if (options.arrayFilters) statement.arrayFilters = options.arrayFilters;
    if (options.collation) statement.collation = options.collation;
    if (options.sort) statement.sort = options.sort;
    const reply = await this.command({ update: this.collectionName, updates: [statement] }, options);
    throwWriteErrors(reply, true, {});
    const upserted = reply.upserted as Document[] | undefined;
    return {
      acknowledged: true,
      matchedCount: upserted?.length ? 0 : Number(reply.n),
      modifiedCount: Number(reply.nModified),
      upsertedCount: upserted?.length ?? 0,
      upsertedId: upserted?.[0]?._id ?? null,
    };
  }

  private static checkOperators(update: Document | Document[]): void {
    if (Array.isArray(update)) return;
    const keys = Object.keys(update);
    if (keys.length === 0 || !keys[0]!.startsWith('$')) {
      throw new MongoServerError(2, 'Update document requires atomic operators');
    }
  }

  private static checkReplacement(replacement: Document): void {
    if (Object.keys(replacement).some((k) => k.startsWith('$'))) {
      throw new MongoServerError(2, 'Replacement document must not contain atomic operators');
    }
  }

  // The argument checks run inside async methods so that, as with the driver, a bad argument rejects the returned
  // promise instead of throwing synchronously.
  async updateOne(filter: Document, update: Document | Document[], options: UpdateOptions = {}): Promise<UpdateResult> {
    Collection.checkOperators(update);
    return this.update(filter, update, false, options);
  }

  async updateMany(filter: Document, update: Document | Document[], options: UpdateOptions = {}): Promise<UpdateResult> {
    Collection.checkOperators(update);
    return this.update(filter, update, true, options);
  }

  async replaceOne(filter: Document, replacement: TSchema, options: UpdateOptions = {}): Promise<UpdateResult> {
    Collection.checkReplacement(replacement);
    return this.update(filter, replacement, false, options);
  }

  private async remove(filter: Document, limit: number, options: { collation?: Document } & SessionOption): Promise<DeleteResult> {
    const statement: Document = { q: filter, limit };
    if (options.collation) statement.collation = options.collation;
    const reply = await this.command({ delete: this.collectionName, deletes: [statement] }, options);
    throwWriteErrors(reply, true, {});
    return { acknowledged: true, deletedCount: Number(reply.n) };
  }

  deleteOne(filter: Document = {}, options: { collation?: Document } & SessionOption = {}): Promise<DeleteResult> {
    return this.remove(filter, 1, options);
  }

  deleteMany(filter: Document = {}, options: { collation?: Document } & SessionOption = {}): Promise<DeleteResult> {
    return this.remove(filter, 0, options);
  }

  private async findAndModify(filter: Document, extra: Document, options: FindOneAndOptions): Promise<Document | null> {
    const cmd: Document = { findAndModify: this.collectionName, query: filter, ...extra };
    if (options.sort) cmd.sort = options.sort;
    if (options.projection) cmd.fields = options.projection;
    if (options.collation) cmd.collation = options.collation;
    if (options.arrayFilters) cmd.arrayFilters = options.arrayFilters;
    const reply = await this.command(cmd, options);
    if (options.includeResultMetadata) return { value: reply.value ?? null, lastErrorObject: reply.lastErrorObject, ok: 1 };
    return (reply.value as Document | null) ?? null;
  }

  async findOneAndUpdate(filter: Document, update: Document | Document[], options: FindOneAndOptions = {}): Promise<Document | null> {
    Collection.checkOperators(update);
    return this.findAndModify(filter, { update, new: options.returnDocument === 'after', upsert: options.upsert ?? false }, options);
  }

  async findOneAndReplace(filter: Document, replacement: Document, options: FindOneAndOptions = {}): Promise<Document | null> {
    Collection.checkReplacement(replacement);
    return this.findAndModify(filter, { update: replacement, new: options.returnDocument === 'after', upsert: options.upsert ?? false }, options);
  }

  findOneAndDelete(filter: Document, options: FindOneAndOptions = {}): Promise<Document | null> {
    return this.findAndModify(filter, { remove: true }, options);
  }

  find<T extends Document = TSchema>(filter: Document = {}, options: FindOptions = {}): FindCursor<T> {
    const { session, batchSize, ...rest } = options;
    const cursor = new FindCursor<T>(this.db.client, this.db.databaseName, this.collectionName, filter, rest, session);
    if (batchSize !== undefined) cursor.batchSize(batchSize);
    return cursor;
  }

  async findOne<T extends Document = TSchema>(filter: Document = {}, options: FindOptions = {}): Promise<T | null> {
    const docs = await this.find<T>(filter, { ...options, limit: 1 }).toArray();
    return docs[0] ?? null;
  }

  async countDocuments(filter: Document = {}, options: { skip?: number; limit?: number; collation?: Document; hint?: string | Document } & SessionOption = {}): Promise<number> {
    const cmd: Document = { count: this.collectionName, query: filter };
    if (options.skip !== undefined) cmd.skip = options.skip;
    if (options.limit !== undefined) cmd.limit = options.limit;
    if (options.collation) cmd.collation = options.collation;
    if (options.hint !== undefined) cmd.hint = options.hint;
    return Number((await this.command(cmd, options)).n);
  }

  async estimatedDocumentCount(options: SessionOption = {}): Promise<number> {
    return Number((await this.command({ count: this.collectionName }, options)).n);
  }

  async distinct(key: string, filter: Document = {}, options: { collation?: Document } & SessionOption = {}): Promise<unknown[]> {
    const cmd: Document = { distinct: this.collectionName, key, query: filter };
    if (options.collation) cmd.collation = options.collation;
    return (await this.command(cmd, options)).values as unknown[];
  }

  aggregate<T extends Document = Document>(pipeline: Document[] = [], options: { batchSize?: number; collation?: Document } & SessionOption = {}): CommandCursor<T> {
    const cmd: Document = { aggregate: this.collectionName, pipeline, cursor: options.batchSize ? { batchSize: options.batchSize } : {} };
    if (options.collation) cmd.collation = options.collation;
    return new CommandCursor<T>(this.db.client, this.db.databaseName, cmd, options.session);
  }

  /** Creates an index; returns its name (generated as `field_1_other_-1` when not given). */
  async createIndex(keys: Document | string, options: { name?: string; unique?: boolean } & Document = {}): Promise<string> {
    const key = typeof keys === 'string' ? { [keys]: 1 } : keys;
    const { session, ...rest } = options;
    const name = options.name ?? Object.entries(key).map(([k, v]) => `${k}_${String(v)}`).join('_');
    await this.command({ createIndexes: this.collectionName, indexes: [{ ...rest, key, name }] }, { session: session as never });
    return name;
  }

  async dropIndex(name: string | Document, options: SessionOption = {}): Promise<Document> {
    return this.command({ dropIndexes: this.collectionName, index: name }, options);
  }

  async dropIndexes(options: SessionOption = {}): Promise<boolean> {
    await this.command({ dropIndexes: this.collectionName, index: '*' }, options);
    return true;
  }

  listIndexes(options: SessionOption = {}): CommandCursor {
    return new CommandCursor(this.db.client, this.db.databaseName, { listIndexes: this.collectionName, cursor: {} }, options.session);
  }

  indexes(options: SessionOption = {}): Promise<Document[]> {
    return this.listIndexes(options).toArray();
  }

  async drop(options: SessionOption = {}): Promise<boolean> {
    await this.command({ drop: this.collectionName }, options);
    return true;
  }

  async rename(newName: string, options: { dropTarget?: boolean } & SessionOption = {}): Promise<Collection> {
    return this.db.renameCollection(this.collectionName, newName, options);
  }

  /** Watches this collection. */
  watch<TChange extends Document = ChangeStreamDocument>(pipeline: Document[] = [], options: ChangeStreamOptions = {}): CollectionChangeStream<TChange> {
    return new CollectionChangeStream<TChange>(this.db.client, { kind: 'collection', db: this.db.databaseName, coll: this.collectionName }, pipeline, options, this.db.client.startAt());
  }
}
