export { Client, type ClientOptions } from './client.js';
export { Db, Admin } from './db.js';
export { Collection } from './collection.js';
export { FindCursor, CommandCursor, AbstractCursor } from './cursor.js';
export { ChangeStream, ClusterChangeStream, DatabaseChangeStream, CollectionChangeStream, MongoNetworkError } from './change_stream.js';
export type { ChangeStreamOptions, ChangeStreamDocument } from './change_stream.js';
export { ClientSession } from './session.js';
