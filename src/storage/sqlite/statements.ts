/**
 * The prepared statements of one SQLite connection, prepared once and reused. Range scans come in up to 32
 * shapes (which bounds are present, direction) per table, each prepared on first use and cached.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { KeyRange } from '../types.js';

/** Most oplog rows one append statement inserts; larger appends take several. */
export const OPLOG_APPEND_CHUNK = 64;
/** Most document rows one insert statement inserts. */
export const DOCUMENT_INSERT_CHUNK = 64;

export class SqliteStatements {
  readonly begin: Statement;
  readonly commit: Statement;
  readonly rollback: Statement;

  readonly listCollections: Statement;
  readonly listCollectionsOfDb: Statement;
  readonly getCollection: Statement;
  readonly getCollectionByUuid: Statement;
  readonly insertCollection: Statement;
  readonly updateCollection: Statement;
  readonly renameCollection: Statement;
  readonly deleteCollection: Statement;
  readonly deleteCollectionDocuments: Statement;
  readonly deleteCollectionIndexEntries: Statement;

  readonly getDocument: Statement;
  readonly documentExists: Statement;
  readonly countDocuments: Statement;
  readonly dataSize: Statement;
  readonly insertDocument: Statement;
  readonly updateDocument: Statement;
  readonly deleteDocument: Statement;

  readonly findOtherIndexRecord: Statement;
  readonly insertIndexEntry: Statement;
  readonly deleteIndexEntry: Statement;
  readonly dropIndexEntries: Statement;

  // Oplog statements read and bind 64-bit integers as bigint (safeIntegers) so times round-trip exactly.
  readonly readOplog: Statement;
  readonly oplogEntrySizes: Statement;
  readonly readOplogBefore: Statement;
  readonly getOplogEntry: Statement;
  readonly oplogBounds: Statement;
  readonly lastOplogTs: Statement;
  readonly oplogSizeBytes: Statement;
  readonly appendOplog: Statement;
  readonly truncateOplogBefore: Statement;
  readonly truncateOplogAll: Statement;

  readonly getMeta: Statement;
  readonly setMeta: Statement;

  private readonly ranges = new Map<string, Statement>();
  private readonly naturals = new Map<string, Statement>();
  private readonly appends = new Map<number, Statement>();
  private readonly documentInserts = new Map<number, Statement>();

  constructor(private readonly db: Database) {
    const p = (sql: string) => db.prepare(sql);
    this.begin = p('BEGIN IMMEDIATE');
    this.commit = p('COMMIT');
    this.rollback = p('ROLLBACK');

    const cols = 'uuid, db, name, options, indexes';
    this.listCollections = p(`SELECT ${cols} FROM collections ORDER BY db, name`);
    this.listCollectionsOfDb = p(`SELECT ${cols} FROM collections WHERE db = ? ORDER BY name`);
    this.getCollection = p(`SELECT ${cols} FROM collections WHERE db = ? AND name = ?`);
    this.getCollectionByUuid = p(`SELECT ${cols} FROM collections WHERE uuid = ?`);
    this.insertCollection = p('INSERT INTO collections (uuid, db, name, options, indexes) VALUES (?, ?, ?, ?, ?)');
    this.updateCollection = p('UPDATE collections SET options = ?, indexes = ? WHERE uuid = ?');
    this.renameCollection = p('UPDATE collections SET db = ?, name = ? WHERE uuid = ?');
    this.deleteCollection = p('DELETE FROM collections WHERE uuid = ?');
    this.deleteCollectionDocuments = p('DELETE FROM documents WHERE coll = ?');
    this.deleteCollectionIndexEntries = p('DELETE FROM index_entries WHERE coll = ?');

    this.getDocument = p('SELECT doc, crc FROM documents WHERE coll = ? AND key = ?');
    this.documentExists = p('SELECT 1 FROM documents WHERE coll = ? AND key = ?').pluck();
    this.countDocuments = p('SELECT COUNT(*) FROM documents WHERE coll = ?').pluck();
    this.dataSize = p('SELECT COALESCE(SUM(LENGTH(doc)), 0) FROM documents WHERE coll = ?').pluck();
    this.insertDocument = p('INSERT INTO documents (coll, key, doc, crc) VALUES (?, ?, ?, ?)');
    this.updateDocument = p('UPDATE documents SET doc = ?, crc = ? WHERE coll = ? AND key = ?');
    this.deleteDocument = p('DELETE FROM documents WHERE coll = ? AND key = ?');

    this.findOtherIndexRecord = p(
      'SELECT 1 FROM index_entries WHERE coll = ? AND index_name = ? AND key = ? AND record_key <> ? LIMIT 1',
    ).pluck();
    this.insertIndexEntry = p(
      'INSERT OR IGNORE INTO index_entries (coll, index_name, key, record_key) VALUES (?, ?, ?, ?)',
    );
    this.deleteIndexEntry = p(
      'DELETE FROM index_entries WHERE coll = ? AND index_name = ? AND key = ? AND record_key = ?',
    );
    this.dropIndexEntries = p('DELETE FROM index_entries WHERE coll = ? AND index_name = ?');

    const big = (sql: string) => db.prepare(sql).safeIntegers(true);
    this.readOplog = big('SELECT ts, entry, crc FROM oplog WHERE ts >= ? ORDER BY ts LIMIT ?');
    this.readOplogBefore = big('SELECT ts, entry, crc FROM oplog WHERE ts < ? ORDER BY ts DESC LIMIT ?');
    this.oplogEntrySizes = big('SELECT ts, LENGTH(entry) AS bytes FROM oplog WHERE ts >= ? ORDER BY ts LIMIT ?');
    this.getOplogEntry = big('SELECT entry, crc FROM oplog WHERE ts = ?');
    this.oplogBounds = big('SELECT MIN(ts) AS first, MAX(ts) AS last FROM oplog');
    this.lastOplogTs = big('SELECT MAX(ts) FROM oplog').pluck();
    this.oplogSizeBytes = big('SELECT COALESCE(SUM(LENGTH(entry)), 0) FROM oplog').pluck();
    this.appendOplog = big('INSERT INTO oplog (ts, entry, crc) VALUES (?, ?, ?)');
    this.truncateOplogBefore = big('DELETE FROM oplog WHERE ts < ?');
    this.truncateOplogAll = big('DELETE FROM oplog');

    this.getMeta = p('SELECT value FROM meta WHERE key = ?').pluck();
    this.setMeta = p('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  }

  /** False once SQLite has ended the transaction on its own (it rolls back on some errors, a full disk among them). */
  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  /**
   * The statement appending `rows` oplog entries at once (parameters: ts, entry, crc for each row, as bigint ts), for
   * 1 <= rows <= OPLOG_APPEND_CHUNK. One statement for many rows saves most of a statement's fixed cost per row.
   */
  appendOplogRows(rows: number): Statement {
    if (rows === 1) return this.appendOplog;
    let statement = this.appends.get(rows);
    if (!statement) {
      statement = this.db.prepare(`INSERT INTO oplog (ts, entry, crc) VALUES ${new Array(rows).fill('(?, ?, ?)').join(', ')}`).safeIntegers(true);
      this.appends.set(rows, statement);
    }
    return statement;
  }

  /** The statement inserting `rows` documents at once (parameters: coll, key, doc, crc for each row), 1 <= rows <= 64. */
  insertDocumentRows(rows: number): Statement {
    if (rows === 1) return this.insertDocument;
    let statement = this.documentInserts.get(rows);
    if (!statement) {
      statement = this.db.prepare(`INSERT INTO documents (coll, key, doc, crc) VALUES ${new Array(rows).fill('(?, ?, ?, ?)').join(', ')}`);
      this.documentInserts.set(rows, statement);
    }
    return statement;
  }

  /**
   * The statement scanning documents in natural (rowid) order (parameters: coll, the `after` position when
   * `after`, limit).
   */
  natural(after: boolean, reverse: boolean): Statement {
    const shape = `${after ? 'a' : '-'}${reverse ? 'r' : 'f'}`;
    let statement = this.naturals.get(shape);
    if (!statement) {
      const where = after ? (reverse ? 'coll = ? AND id < ?' : 'coll = ? AND id > ?') : 'coll = ?';
      statement = this.db.prepare(`SELECT id, key, doc, crc FROM documents WHERE ${where} ORDER BY id ${reverse ? 'DESC' : 'ASC'} LIMIT ?`);
      this.naturals.set(shape, statement);
    }
    return statement;
  }

  /**
   * The statement scanning `range` of documents (`index` false; parameters: coll, bounds..., limit) or of index
   * entries (`index` true; parameters: coll, index_name, bounds..., [after key, after record key,] limit), with the
   * bounds in the order gte, gt, lte, lt of those present.
   */
  /** The statement counting index entries in `range` (parameters: coll, index_name, bounds...; no limit). */
  countRange(range: KeyRange | undefined): Statement {
    const shape = 'c' + (range?.gte !== undefined ? 'G' : '-') + (range?.gt !== undefined ? 'g' : '-') + (range?.lte !== undefined ? 'L' : '-') + (range?.lt !== undefined ? 'l' : '-');
    let statement = this.ranges.get(shape);
    if (!statement) {
      const where = ['coll = ? AND index_name = ?'];
      if (range?.gte !== undefined) where.push('key >= ?');
      if (range?.gt !== undefined) where.push('key > ?');
      if (range?.lte !== undefined) where.push('key <= ?');
      if (range?.lt !== undefined) where.push('key < ?');
      statement = this.db.prepare(`SELECT COUNT(*) FROM index_entries WHERE ${where.join(' AND ')}`).pluck();
      this.ranges.set(shape, statement);
    }
    return statement;
  }

  range(index: boolean, range: KeyRange | undefined, after = false): Statement {
    const shape =
      (index ? (after ? 'a' : 'i') : 'd') +
      (range?.gte !== undefined ? 'G' : '-') +
      (range?.gt !== undefined ? 'g' : '-') +
      (range?.lte !== undefined ? 'L' : '-') +
      (range?.lt !== undefined ? 'l' : '-') +
      (range?.reverse ? 'r' : 'f');
    let statement = this.ranges.get(shape);
    if (!statement) {
      const where = [index ? 'coll = ? AND index_name = ?' : 'coll = ?'];
      if (shape[1] === 'G') where.push('key >= ?');
      if (shape[2] === 'g') where.push('key > ?');
      if (shape[3] === 'L') where.push('key <= ?');
      if (shape[4] === 'l') where.push('key < ?');
      // A row value comparison: SQLite seeks the primary key to it, so resuming a scan costs no more than starting one.
      if (after) where.push(range?.reverse ? '(key, record_key) < (?, ?)' : '(key, record_key) > (?, ?)');
      const dir = range?.reverse ? 'DESC' : 'ASC';
      const sql = index
        ? `SELECT key, record_key FROM index_entries WHERE ${where.join(' AND ')} ` +
          `ORDER BY key ${dir}, record_key ${dir} LIMIT ?`
        : `SELECT key, doc, crc FROM documents WHERE ${where.join(' AND ')} ORDER BY key ${dir} LIMIT ?`;
      statement = this.db.prepare(sql);
      this.ranges.set(shape, statement);
    }
    return statement;
  }
}
