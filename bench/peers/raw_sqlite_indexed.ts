/**
 * Raw better-sqlite3 as the limit of an indexed read in eddydb's storage: one table holding each document's BSON
 * beside its indexed field, in a column with a unique SQLite index, read with prepared statements, with the settings
 * eddydb's file store uses (see raw_sqlite.ts). Every lookup decodes the BSON of what it returns, as a query does.
 */
import { deserialize, serialize } from 'bson';
import type { Doc } from '../subjects/types.js';
import { openBenchDatabase } from './raw_sqlite.js';

const SCHEMA = `
CREATE TABLE docs (id INTEGER PRIMARY KEY, k INTEGER NOT NULL, body BLOB NOT NULL);
CREATE UNIQUE INDEX docs_by_k ON docs (k);
`;

export interface RawIndexedSqlite {
  /** Stores `docs` in one transaction; each must carry an integer `_id` and an integer `k`. */
  insertMany(docs: Doc[]): void;
  /** The document whose `k` is `k`, or null. */
  findOne(k: number): Doc | null;
  /** The first `n` documents with `k >= from`, in `k` order. */
  firstFrom(from: number, n: number): Doc[];
  /** How many documents have `from <= k < to`. */
  countBetween(from: number, to: number): number;
  close(): void;
}

export function openRawIndexedSqlite(): RawIndexedSqlite {
  const db = openBenchDatabase('raw-sqlite-indexed');
  db.exec(SCHEMA);
  const insert = db.prepare('INSERT INTO docs (id, k, body) VALUES (?, ?, ?)');
  const byKey = db.prepare('SELECT body FROM docs WHERE k = ?').pluck();
  const fromKey = db.prepare('SELECT body FROM docs WHERE k >= ? ORDER BY k LIMIT ?').pluck();
  const between = db.prepare('SELECT count(*) FROM docs WHERE k >= ? AND k < ?').pluck();
  const many = db.transaction((docs: Doc[]) => {
    for (const doc of docs) insert.run(doc._id as number, doc.k as number, serialize(doc));
  });
  return {
    insertMany: (docs) => many(docs),
    findOne(k) {
      const body = byKey.get(k) as Buffer | undefined;
      return body ? deserialize(body) : null;
    },
    firstFrom: (from, n) => (fromKey.all(from, n) as Buffer[]).map((body) => deserialize(body)),
    countBetween: (from, to) => between.get(from, to) as number,
    close: () => db.close(),
  };
}
