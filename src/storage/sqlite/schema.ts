/**
 * The SQLite schema of an eddydb data folder. Keys are BLOBs, which SQLite compares with memcmp: the byte order
 * bson/key_encoding makes equal to MongoDB's order. Tables of small rows have no rowid, so their rows are clustered
 * by key and a key range is one b-tree walk. Documents, which reach 16 MiB, live in a rowid table with a unique
 * index on (coll, key): a large row kept in a key-ordered b-tree spills onto overflow pages that every later
 * insert or delete near it must step over, while in a rowid table it sits at the end of the table, out of the way,
 * and the index that orders the keys holds only small entries. A key range walks the index in key order.
 * The rowid is a document's natural position (see `NaturalDocument`). Documents and oplog entries carry the checksum of checksum.ts (`crc`), checked on every read.
 */

/** Bumped when the schema changes incompatibly; stored in `PRAGMA user_version`. migrations.ts upgrades older files. */
export const SCHEMA_VERSION = 4;

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
  id   INTEGER PRIMARY KEY,
  coll TEXT NOT NULL,
  key  BLOB NOT NULL,
  doc  BLOB NOT NULL,
  crc  INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS documents_by_key ON documents (coll, key);
-- Natural (insertion) order: the rowid grows with every insert and an UPDATE keeps it, so (coll, id) walks one
-- collection's documents in the order they were inserted without reading the other collections' rows.
CREATE INDEX IF NOT EXISTS documents_by_natural ON documents (coll, id);

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
  entry BLOB NOT NULL,
  crc   INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
`;
