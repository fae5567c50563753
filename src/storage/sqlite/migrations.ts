/**
 * Upgrades a data folder written by an older schema to SCHEMA_VERSION, in place, inside the transaction that opens
 * it: a crash halfway leaves the old file as it was. Each step moves one version up; a file several versions behind
 * takes them in turn. A step spells out its own DDL: the current schema (SCHEMA_SQL) may be several steps ahead.
 */
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { documentChecksum, oplogChecksum } from './checksum.js';
import { fromSqlTs } from '../oplog_ts.js';
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';

/** Version n's step, at index n - 1, turns a version-n file into a version-(n + 1) one. */
const STEPS: readonly ((db: SqliteDatabase) => void)[] = [
  // 1 → 2: documents moves from a WITHOUT ROWID table keyed (coll, key) to a rowid table with a unique index on
  // (coll, key) (schema.ts says why). Rows are copied in key order, so their rowids follow it too.
  (db) => {
    db.exec('ALTER TABLE documents RENAME TO documents_v1');
    db.exec(`
      CREATE TABLE documents (id INTEGER PRIMARY KEY, coll TEXT NOT NULL, key BLOB NOT NULL, doc BLOB NOT NULL);
      CREATE UNIQUE INDEX documents_by_key ON documents (coll, key);
    `);
    db.exec('INSERT INTO documents (coll, key, doc) SELECT coll, key, doc FROM documents_v1 ORDER BY coll, key');
    db.exec('DROP TABLE documents_v1');
  },
  // 2 → 3: every document and oplog entry gets its checksum (checksum.ts).
  (db) => {
    db.function('eddydb_document_crc', { deterministic: true }, (key, doc) => documentChecksum(key as Buffer, doc as Buffer));
    db.function('eddydb_oplog_crc', { deterministic: true, safeIntegers: true }, (ts, entry) => oplogChecksum(fromSqlTs(ts as bigint), entry as Buffer));
    db.exec(`
      ALTER TABLE documents ADD COLUMN crc INTEGER NOT NULL DEFAULT 0;
      UPDATE documents SET crc = eddydb_document_crc(key, doc);
      ALTER TABLE oplog ADD COLUMN crc INTEGER NOT NULL DEFAULT 0;
      UPDATE oplog SET crc = eddydb_oplog_crc(ts, entry);
    `);
  },
  // 3 → 4: an index walks one collection in natural (rowid) order. Rows copied by step 1 keep their key order there.
  (db) => {
    db.exec('CREATE INDEX documents_by_natural ON documents (coll, id)');
  },
];

/**
 * Brings the schema of `db` to SCHEMA_VERSION; the caller holds a write transaction. A fresh database (version 0)
 * gets the schema; an older one is migrated; a newer one is refused.
 */
export function upgradeSchema(db: SqliteDatabase): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(`the data folder was written by a newer eddydb (schema ${version}, this one reads ${SCHEMA_VERSION})`);
  }
  if (version === SCHEMA_VERSION) return;
  if (version === 0) {
    db.exec(SCHEMA_SQL);
  } else {
    for (let from = version; from < SCHEMA_VERSION; from++) STEPS[from - 1]!(db);
  }
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}
