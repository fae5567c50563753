/** eddydb's public API: the embedded client (Node-driver-shaped), the error class and the BSON types. */
export {
  Client, Db, Admin, Collection, FindCursor, CommandCursor, AbstractCursor,
  ChangeStream, ClusterChangeStream, DatabaseChangeStream, CollectionChangeStream, ClientSession, MongoNetworkError,
} from './client/index.js';
export type { ClientOptions, ChangeStreamOptions, ChangeStreamDocument } from './client/index.js';
export { MongoServerError, ErrorCodes } from './errors/index.js';
export {
  ObjectId, Timestamp, Long, Decimal128, Binary, UUID, Int32, Double, MinKey, MaxKey, Code, BSONRegExp, BSONSymbol, DBRef,
} from './bson/index.js';
export type { DriverDocument as Document } from './bson/index.js';
