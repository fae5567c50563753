/**
 * The shapes the scenarios drive. eddydb's embedded client and the official driver share the driver's API, so the
 * MongoDB-shaped scenarios see both through `MongoSubject`; every subject, peers included, offers `FeedSubject`
 * for the insert scenarios.
 */
import type { BenchDoc } from '../docs.js';

export type Doc = Record<string, unknown>;

/** The part of a driver-shaped change stream the scenarios use. */
export interface ChangeStreamLike {
  next(): Promise<Doc>;
  tryNext(): Promise<Doc | null>;
  close(): Promise<void>;
}

/** The part of a driver-shaped session the scenarios use. */
export interface SessionLike {
  startTransaction(): void;
  commitTransaction(): Promise<void>;
  abortTransaction(): Promise<void>;
  endSession(): Promise<void>;
}

/** The part of a driver-shaped collection the scenarios use; `options.session` runs the operation in a session. */
export interface CollectionLike {
  insertOne(doc: Doc, options?: { session?: SessionLike }): Promise<unknown>;
  insertMany(docs: Doc[]): Promise<unknown>;
  updateOne(filter: Doc, update: Doc, options?: { session?: SessionLike }): Promise<unknown>;
  watch(pipeline?: Doc[], options?: Doc): ChangeStreamLike;
  drop(): Promise<unknown>;
  find(filter: Doc, options?: { limit?: number; skip?: number; sort?: Doc; allowDiskUse?: boolean; hint?: Doc | string }): FindCursorLike;
  findOne(filter: Doc, options?: { hint?: Doc | string }): Promise<Doc | null>;
  countDocuments(filter: Doc, options?: { hint?: Doc | string }): Promise<number>;
  createIndex(keys: Doc, options?: { unique?: boolean; name?: string }): Promise<string>;
  aggregate(pipeline: Doc[], options?: { batchSize?: number }): { toArray(): Promise<Doc[]> };
}

/** The part of a driver-shaped find cursor the scenarios use. */
export interface FindCursorLike {
  next(): Promise<Doc | null>;
  toArray(): Promise<Doc[]>;
  close(): Promise<void>;
  /** How the server would run the find (the `explain` command's reply). */
  explain(verbosity?: 'queryPlanner' | 'executionStats'): Promise<Doc>;
}

/** A connection to eddydb (embedded or over the wire) that can hand out more connections for fan-out. */
export interface MongoSubject {
  /** A collection on the main connection. */
  collection(name: string): CollectionLike;
  /**
   * A further independent connection (a new MongoClient over the wire; the same client embedded, where there
   * are no connections to run out of). `poolSize` is the most operations it runs at once.
   */
  connect(poolSize: number): Promise<MongoConnection>;
  /** A session on the main connection, for transactions. */
  startSession(): SessionLike;
  /**
   * The collection a watcher should use, when it is not the main connection's: with several servers, one that is not
   * the one the writes go through, so each event crosses from one server to another.
   */
  watchCollection?(name: string): CollectionLike;
  /** Peak resident memory of a separate server process in KiB, when there is one. */
  serverPeakRssKiB(): number | null;
  close(): Promise<void>;
}

export interface MongoConnection {
  collection(name: string): CollectionLike;
  close(): Promise<void>;
}

/** What the insert scenarios need of any store: single and bulk inserts, and a change feed when it has one. */
export interface FeedSubject {
  insertOne(doc: BenchDoc): Promise<void>;
  insertMany(docs: BenchDoc[]): Promise<void>;
  /**
   * Starts the store's change feed, calling `onInsert(n)` with each inserted document's `n` as the feed delivers it.
   * Resolves once the feed is open. Absent for a store without a feed (raw SQLite).
   */
  watch?(onInsert: (n: number) => void): Promise<void>;
  serverPeakRssKiB(): number | null;
  close(): Promise<void>;
}
