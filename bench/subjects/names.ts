/** The subjects a scenario can run against, and how the report names them. */

export const SUBJECT_LABELS = {
  'eddydb-memory': 'eddydb embedded (SQLite in memory)',
  'eddydb-file': 'eddydb embedded (SQLite file)',
  'eddydb-wire': 'eddydb server (SQLite file) + Node driver',
  'eddydb-pg': 'eddydb embedded (PostgreSQL, fsync on)',
  'eddydb-pg-wire': 'eddydb server (PostgreSQL, fsync on) + Node driver',
  'eddydb-pg-2wire': 'two eddydb servers (PostgreSQL, fsync on) + Node driver: writes through one, streams through the other',
  'raw-sqlite': 'raw better-sqlite3 + change-log row',
  'raw-sqlite-indexed': 'raw better-sqlite3 (BSON column + indexed column)',
  pouchdb: 'PouchDB (pouchdb-node, LevelDB)',
  'rxdb-memory': 'RxDB (memory storage)',
} as const;

export type SubjectName = keyof typeof SUBJECT_LABELS;

export function isSubjectName(name: string): name is SubjectName {
  return Object.hasOwn(SUBJECT_LABELS, name);
}

/** The subjects reached through the Node driver and a separate `eddydb serve` process. */
export function isWire(name: SubjectName): boolean {
  return name === 'eddydb-wire' || name === 'eddydb-pg-wire' || name === 'eddydb-pg-2wire';
}

/** The subjects that need a PostgreSQL cluster of their own (bench/util/postgres.ts). */
export function needsPostgres(name: SubjectName): boolean {
  return name === 'eddydb-pg' || name === 'eddydb-pg-wire' || name === 'eddydb-pg-2wire';
}
