/**
 * The check a SQLite data folder passes before it is served: SQLite's own `PRAGMA quick_check` (every b-tree page
 * readable and well-formed) and the oplog's ordering invariant, so that a store damaged by a disk fault or a
 * stray write is refused with a clear message instead of serving wrong data or losing change events.
 */
import { OPLOG_TRUNCATED_KEY } from '../contract.js';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { StorageError } from '../types.js';
import { fromSqlTs } from '../oplog_ts.js';

/**
 * Meta keys the engine writes: the cluster clock, saved as a reservation (a time no entry has passed; a new one is
 * saved in the same transaction as the first append that would pass it, so it is never behind the newest entry),
 * and the newest entry retention removed (so it is before the oldest one kept).
 */
const CLOCK_KEY = 'clusterTime';
const TRUNCATED_KEY = OPLOG_TRUNCATED_KEY;

/** SQLite result codes that mean the file is damaged or not a database at all. */
export function isCorruptionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/** A StorageError('Corrupted') naming the file and what is wrong with it. */
export function corrupted(file: string, detail: string, cause?: unknown): StorageError {
  const err = new StorageError(
    'Corrupted',
    `the data file ${file} is corrupted (${detail}); refusing to serve it. Restore it from a backup or start on an empty --dbpath`,
  );
  if (cause !== undefined) (err as { cause?: unknown }).cause = cause;
  return err;
}

function parseTs(text: string | undefined): bigint | null {
  if (text === undefined) return null;
  try {
    return BigInt(text);
  } catch {
    return null;
  }
}

/**
 * Throws StorageError('Corrupted') when `db` (the file `file`) fails `PRAGMA quick_check`, or when its oplog
 * breaks the ordering invariant: the saved cluster clock is behind the newest entry (a new write would reuse a
 * time), or retention claims to have removed an entry that is still there. Cost: one pass over the file's pages
 * (quick_check skips the index-to-table cross-checks of integrity_check) plus two index lookups.
 */
export function checkSqliteStore(db: SqliteDatabase, file: string): void {
  let problems: string[];
  try {
    problems = (db.pragma('quick_check(5)') as { quick_check: string }[]).map((row) => row.quick_check);
  } catch (err) {
    if (isCorruptionError(err)) throw corrupted(file, (err as Error).message, err);
    throw err;
  }
  if (problems.length !== 1 || problems[0] !== 'ok') throw corrupted(file, `SQLite quick_check: ${problems.join('; ')}`);

  let bounds: { first: bigint | null; last: bigint | null };
  let meta: Map<string, string>;
  try {
    bounds = db.prepare('SELECT MIN(ts) AS first, MAX(ts) AS last FROM oplog').safeIntegers(true).get() as typeof bounds;
    const rows = db.prepare('SELECT key, value FROM meta WHERE key IN (?, ?)').all(CLOCK_KEY, TRUNCATED_KEY) as { key: string; value: string }[];
    meta = new Map(rows.map((r) => [r.key, r.value]));
  } catch (err) {
    if (isCorruptionError(err)) throw corrupted(file, (err as Error).message, err);
    throw err;
  }
  if (bounds.last === null || bounds.first === null) return;
  const first = fromSqlTs(bounds.first);
  const last = fromSqlTs(bounds.last);
  // A store whose entries were all planted with `appendOplog` may hold no clock, or other text under its key; only
  // a clock `appendChanges` could have saved is checked.
  const clock = parseTs(meta.get(CLOCK_KEY));
  if (clock !== null && clock < last) {
    throw corrupted(file, `the saved cluster time ${clock} is behind the newest oplog entry ${last}`);
  }
  const truncatedText = meta.get(TRUNCATED_KEY);
  if (truncatedText !== undefined) {
    const truncated = parseTs(truncatedText);
    if (truncated !== null && truncated >= first) {
      throw corrupted(file, `the oplog keeps entry ${first}, at or before its truncation point ${truncated}`);
    }
  }
}
