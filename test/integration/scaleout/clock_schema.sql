-- The commit-ordered clock of docs/scale-out.md (section 3.5) and the change table it fills (section 5), as the
-- PostgreSQL engine will create them. clock_ordering.test.ts runs it in an empty database; the engine's migrations
-- (src/storage/postgres/) take it over when that engine lands.

CREATE SCHEMA eddydb;

-- Positions are cluster times (seconds << 32 | increment) stored biased by -2^63 so that signed bigint order is
-- unsigned order, as the SQLite engine stores them (src/storage/sqlite/oplog_ts.ts).
CREATE SEQUENCE eddydb.clock AS bigint MINVALUE -9223372036854775808 START -9223372036854775808 CACHE 1;

CREATE TABLE eddydb.changes (
  ts     bigint PRIMARY KEY,          -- biased cluster time
  bytes  integer NOT NULL,            -- for retention, without reading the entry
  entry  bytea NOT NULL               -- BSON (oplog/entry.ts)
);

-- The last statement of every transaction that logs change entries, sent together with its COMMIT. Holding the
-- clock lock until the transaction is visible makes time order commit order: the next holder can only take the lock,
-- and so a time, after this transaction's entries are visible to every new snapshot.
CREATE FUNCTION eddydb.append_changes(entries bytea[]) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint := cardinality(entries);
  wall_ts bigint;
  first_ts bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(1701080420, 1);      -- the clock lock; released after this transaction is visible
  -- The current second, increment 1, biased: the clock follows the database's wall clock and never goes back.
  wall_ts := ((floor(extract(epoch FROM clock_timestamp()))::bigint - 2147483648) << 32) | 1;
  first_ts := nextval('eddydb.clock');               -- not transactional: a rolled-back time is never handed out again
  IF first_ts < wall_ts OR n > 1 THEN                -- a new second, or several entries: move the sequence past them
    first_ts := greatest(first_ts, wall_ts);
    PERFORM setval('eddydb.clock', first_ts + n - 1);
  END IF;
  INSERT INTO eddydb.changes (ts, bytes, entry)
    SELECT first_ts + ord - 1, octet_length(e), e FROM unnest(entries) WITH ORDINALITY AS u(e, ord);
  RETURN first_ts;                                   -- biased; the caller unbiases
END $$;
