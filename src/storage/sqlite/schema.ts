/**
 * The SQLite schema of an eddydb data folder. Keys are BLOBs, which SQLite compares with memcmp: the byte order
 * bson/key_encoding makes equal to MongoDB's order. Tables without rowid keep rows clustered by their key, so a
 * key range is one b-tree walk.
 */

/** Bumped when the schema changes incompatibly; stored in `PRAGMA user_version`. */
export const SCHEMA_VERSION = 1;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS collections (
  uuid    TEXT PRIMARY KEY,
  db      TEXT NOT NULL,
  name    TEXT NOT NULL,
  options BLOB NOT NULL,
  indexes BLOB NOT NULL,
  UNIQUE (db, name)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS documents (
  coll TEXT NOT NULL,
  key  BLOB NOT NULL,
  doc  BLOB NOT NULL,
  PRIMARY KEY (coll, key)
) WITHOUT ROWID;

-- One table for every index: uniqueness is per index and allows one record to repeat a key (multikey), so
-- insertIndexEntry enforces it in code rather than with a constraint.
CREATE TABLE IF NOT EXISTS index_entries (
  coll       TEXT NOT NULL,
  index_name TEXT NOT NULL,
  key        BLOB NOT NULL,
  record_key BLOB NOT NULL,
  PRIMARY KEY (coll, index_name, key, record_key)
) WITHOUT ROWID;

-- ts is the cluster time biased by -2^63 (see oplog_ts.ts) so that unsigned order survives signed storage.
CREATE TABLE IF NOT EXISTS oplog (
  ts    INTEGER PRIMARY KEY,
  entry BLOB NOT NULL
);

CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
`;
