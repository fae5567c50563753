/**
 * Raw better-sqlite3 as the limit of eddydb's storage: each write stores the document and one change-log row in
 * one transaction, with the settings eddydb's file store uses (WAL, synchronous=NORMAL, exclusive locking; see
 * src/storage/sqlite/sqlite_storage.ts) and BSON bodies. No change feed: it is the cost of the writes alone.
 */
import Database from 'better-sqlite3';
import { deserialize, serialize } from 'bson';
import { join } from 'node:path';
import type { BenchDoc } from '../docs.js';
import type { FeedSubject } from '../subjects/types.js';
import { makeTempDir } from '../util/tmp.js';

const SCHEMA = `
CREATE TABLE docs (id TEXT PRIMARY KEY, body BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE changelog (seq INTEGER PRIMARY KEY, op TEXT NOT NULL, id TEXT NOT NULL, body BLOB NOT NULL);
`;

export interface RawSqlite extends FeedSubject {
  /** Reads every change-log row after `seq` in order, decoding each body; returns how many it read. */
  readChangesAfter(seq: number): number;
  /** The highest change-log sequence number written so far. */
  lastSeq(): number;
}

/** A fresh SQLite file with the pragmas eddydb's file store uses, for the raw peers. */
export function openBenchDatabase(name: string): Database.Database {
  const db = new Database(join(makeTempDir(name), 'bench.sqlite'));
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}

export function openRawSqlite(): RawSqlite {
  const db = openBenchDatabase('raw-sqlite');
  db.exec(SCHEMA);
  const insertDoc = db.prepare('INSERT INTO docs (id, body) VALUES (?, ?)');
  const insertChange = db.prepare("INSERT INTO changelog (op, id, body) VALUES ('insert', ?, ?)");
  const readChanges = db.prepare('SELECT seq, op, id, body FROM changelog WHERE seq > ? ORDER BY seq');
  const maxSeq = db.prepare('SELECT coalesce(max(seq), 0) AS seq FROM changelog').pluck();

  const writeOne = (doc: BenchDoc): void => {
    const body = serialize(doc);
    insertDoc.run(doc._id, body);
    insertChange.run(doc._id, body);
  };
  const one = db.transaction(writeOne);
  const many = db.transaction((docs: BenchDoc[]) => {
    for (const doc of docs) writeOne(doc);
  });

  return {
    insertOne: async (doc) => {
      one(doc);
    },
    insertMany: async (docs) => {
      many(docs);
    },
    readChangesAfter(seq) {
      let count = 0;
      for (const row of readChanges.iterate(seq) as Iterable<{ body: Buffer }>) {
        deserialize(row.body);
        count++;
      }
      return count;
    },
    lastSeq: () => maxSeq.get() as number,
    serverPeakRssKiB: () => null,
    close: async () => {
      db.close();
    },
  };
}
