/**
 * The PostgreSQL schema of an eddydb database (docs/scale-out.md, section 5, adapted to today's storage contract).
 * Everything lives in one PostgreSQL schema, `eddydb` unless the deployment names another.
 *
 * Keys are `bytea`, which PostgreSQL compares with memcmp (a proper prefix first): the byte order
 * bson/key_encoding makes equal to MongoDB's order, so a key range is a plain comparison on a B-tree. Names the
 * catalog sorts are `text COLLATE "C"`, so their order is byte order whatever the database's locale, as in SQLite.
 * Documents and entries are BSON as the layers above hand them over; there are no checksums (PostgreSQL checks its
 * own pages).
 *
 * Uniqueness of unique indexes is checked by `insertIndexEntry` before it inserts, as on SQLite: every write holds the
 * write lock (WRITE_LOCK), so across all servers nothing can slip in between the check and the insert. The
 * `unique_key` column and partial unique index of the design, which make PostgreSQL enforce it, come with concurrent
 * writers.
 */

/** Bumped when the schema changes; kept in the meta table under SCHEMA_VERSION_KEY. migrations.ts upgrades. */
export const SCHEMA_VERSION = 2;

/** The meta row holding the schema version. */
export const SCHEMA_VERSION_KEY = 'postgresSchemaVersion';

/** The schema a storage uses when the deployment names none. */
export const DEFAULT_SCHEMA = 'eddydb';

/**
 * Advisory lock keys (two int4 keys each). The clock lock is taken inside `append_changes`, below; the migration lock
 * by migrations.ts for the length of an upgrade; the write lock by every write transaction, for its length (one
 * writer at a time across every server: postgres_storage.ts); the server lock, shared, for the whole life of a
 * storage, with the hash of its schema name as second key (a server that can take it exclusively is the only one).
 */
export const CLOCK_LOCK = [1701080420, 1] as const;
export const MIGRATION_LOCK = [1701080420, 2] as const;
export const WRITE_LOCK = [1701080420, 3] as const;
export const SERVER_LOCK_CLASS = 1701080421;
/** Session advisory locks of the background jobs one server runs at a time (`PostgresStorage.lead`). */
export const LEASE_LOCK_CLASS = 1701080422;

/** The channel a server's commits notify the other servers on (postgres_storage.ts). */
export function changesChannel(schema: string): string {
  return `eddydb_${checkSchemaName(schema)}_changes`;
}

/**
 * Throws a RangeError unless `schema` is a plain lowercase SQL identifier: it is spliced into statements (and into the
 * functions' bodies) unquoted.
 */
export function checkSchemaName(schema: string): string {
  if (typeof schema !== 'string' || !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new RangeError(`the PostgreSQL schema name must be a lowercase identifier (letters, digits, _), got ${JSON.stringify(schema)}`);
  }
  return schema;
}

/**
 * The commit-ordered clock of docs/scale-out.md (section 3.5) and the change table it fills: the schema itself, the
 * sequence, `changes`, and the two functions that append to it. test/integration/scaleout/clock_ordering.test.ts runs
 * this alone in an empty database.
 */
export function changeLogSql(schema: string): string {
  const s = checkSchemaName(schema);
  return `
CREATE SCHEMA IF NOT EXISTS ${s};

-- Positions are cluster times (seconds << 32 | increment) stored biased by -2^63 so that signed bigint order is
-- unsigned order, as the SQLite engine stores them (src/storage/oplog_ts.ts).
CREATE SEQUENCE ${s}.clock AS bigint MINVALUE -9223372036854775808 START -9223372036854775808 CACHE 1;

CREATE TABLE ${s}.changes (
  ts     bigint PRIMARY KEY,          -- biased cluster time
  bytes  integer NOT NULL,            -- for retention, without reading the entry
  entry  bytea NOT NULL               -- BSON (oplog/entry.ts)
);

-- The last statement of every transaction that logs change entries. Holding the clock lock until the transaction is
-- visible makes time order commit order: the next holder can only take the lock, and so a time, after this
-- transaction's entries are visible to every new snapshot. Returns the first time, biased.
CREATE FUNCTION ${s}.append_changes(entries bytea[]) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint := cardinality(entries);
  wall_ts bigint;
  first_ts bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(${CLOCK_LOCK[0]}, ${CLOCK_LOCK[1]});   -- released after this transaction is visible
  -- The current second, increment 1, biased: the clock follows the database's wall clock and never goes back.
  wall_ts := ((floor(extract(epoch FROM clock_timestamp()))::bigint - 2147483648) << 32) | 1;
  first_ts := nextval('${s}.clock');                 -- not transactional: a rolled-back time is never handed out again
  IF first_ts < wall_ts OR n > 1 THEN                -- a new second, or several entries: move the sequence past them
    first_ts := greatest(first_ts, wall_ts);
    PERFORM setval('${s}.clock', first_ts + n - 1);
  END IF;
  INSERT INTO ${s}.changes (ts, bytes, entry)
    SELECT first_ts + ord - 1, octet_length(e), e FROM unnest(entries) WITH ORDINALITY AS u(e, ord);
  RETURN first_ts;
END $$;

-- Entries with times of their own (appendOplog: tests and tools planting history). The caller has checked that the
-- times increase and are above every stored one; the clock moves past them, so later times are higher still.
CREATE FUNCTION ${s}.plant_changes(times bigint[], entries bytea[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(${CLOCK_LOCK[0]}, ${CLOCK_LOCK[1]});
  INSERT INTO ${s}.changes (ts, bytes, entry)
    SELECT t, octet_length(e), e FROM unnest(times, entries) AS u(t, e);
  PERFORM setval('${s}.clock', greatest(last_value, (SELECT max(t) FROM unnest(times) AS u(t)))) FROM ${s}.clock;
END $$;
`;
}

/** Every table of the schema, version SCHEMA_VERSION. */
export function schemaSql(schema: string): string {
  const s = checkSchemaName(schema);
  return `${changeLogSql(s)}
CREATE TABLE ${s}.meta (
  key   text COLLATE "C" PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE ${s}.collections (
  uuid    uuid PRIMARY KEY,
  db      text COLLATE "C" NOT NULL,
  name    text COLLATE "C" NOT NULL,
  options bytea NOT NULL,             -- BSON create options
  indexes bytea[] NOT NULL,           -- BSON index specs, _id_ first
  UNIQUE (db, name)
);

-- natural_pos is a document's natural position (record id): it grows with every insert and an update keeps it.
CREATE SEQUENCE ${s}.natural_positions AS bigint;
CREATE TABLE ${s}.documents (
  coll        uuid NOT NULL,
  key         bytea NOT NULL,         -- the encoded _id (bson/key_encoding.ts)
  natural_pos bigint NOT NULL DEFAULT nextval('${s}.natural_positions'),
  doc         bytea NOT NULL,         -- BSON
  PRIMARY KEY (coll, key)
);
CREATE INDEX documents_natural ON ${s}.documents (coll, natural_pos);

-- One table for every index; uniqueness is checked in code (see the top of schema.ts).
CREATE TABLE ${s}.index_entries (
  coll       uuid NOT NULL,
  index_name text COLLATE "C" NOT NULL,
  key        bytea NOT NULL,
  record_key bytea NOT NULL,
  PRIMARY KEY (coll, index_name, key, record_key)
);
${catalogEpochSql(s)}`;
}

/**
 * The catalog epoch (schema version 2): one row every change of the catalog (a collection created, changed, renamed
 * or dropped) bumps in its transaction, so a server that reads a different epoch than it last saw knows its cached
 * catalog entries may be stale. A row, not a sequence: a reader sees the epoch of its own snapshot.
 */
export function catalogEpochSql(schema: string): string {
  const s = checkSchemaName(schema);
  return `
CREATE TABLE ${s}.catalog_epoch (epoch bigint NOT NULL);
INSERT INTO ${s}.catalog_epoch (epoch) VALUES (0);
`;
}
