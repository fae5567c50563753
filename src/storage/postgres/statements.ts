/**
 * The SQL of one storage, for its schema. The connection prepares each distinct text once (connection.ts), so a
 * statement costs a Bind and an Execute after its first use. Range scans come in one text per shape (which bounds
 * are present, direction, resumed or not), built on first use.
 *
 * Parameters are typed in the text (`$1::uuid`, `$2::bytea`), so no statement depends on how node-postgres sends a
 * value. Times are biased bigints (oplog_ts.ts).
 */
import type { KeyRange } from '../types.js';
import { WRITE_LOCK } from './schema.js';

export class PostgresStatements {
  readonly listCollections: string;
  readonly listCollectionsOfDb: string;
  readonly getCollection: string;
  readonly getCollectionByUuid: string;
  readonly insertCollection: string;
  readonly updateCollection: string;
  readonly renameCollection: string;
  readonly deleteCollection: string;
  readonly deleteCollectionDocuments: string;
  readonly deleteCollectionIndexEntries: string;

  readonly getDocument: string;
  readonly getDocuments: string;
  readonly countDocuments: string;
  readonly dataSize: string;
  readonly insertDocument: string;
  readonly insertDocuments: string;
  readonly updateDocument: string;
  readonly deleteDocument: string;

  readonly insertIndexEntry: string;
  readonly insertUniqueIndexEntry: string;
  readonly deleteIndexEntry: string;
  readonly dropIndexEntries: string;

  readonly readOplog: string;
  readonly readOplogBefore: string;
  readonly oplogEntrySizes: string;
  readonly getOplogEntry: string;
  readonly oplogBounds: string;
  readonly lastOplogTs: string;
  readonly oplogSizeBytes: string;
  readonly appendChanges: string;
  readonly plantChanges: string;
  readonly truncateOplogBefore: string;
  readonly truncateOplogAll: string;

  readonly getMeta: string;
  readonly setMeta: string;

  readonly lockWrites: string;
  readonly drain: string;
  readonly bumpCatalogEpoch: string;
  readonly notify: string;
  readonly pushClock: string;

  private readonly shapes = new Map<string, string>();

  constructor(private readonly schema: string) {
    const s = schema;
    // The uuid column prints with dashes; the contract's uuid is 32 hex digits.
    const cols = `replace(uuid::text, '-', '') AS uuid, db, name, options, indexes`;
    this.listCollections = `SELECT ${cols} FROM ${s}.collections ORDER BY db, name`;
    this.listCollectionsOfDb = `SELECT ${cols} FROM ${s}.collections WHERE db = $1::text ORDER BY name`;
    this.getCollection = `SELECT ${cols} FROM ${s}.collections WHERE db = $1::text AND name = $2::text`;
    this.getCollectionByUuid = `SELECT ${cols} FROM ${s}.collections WHERE uuid = $1::uuid`;
    this.insertCollection =
      `INSERT INTO ${s}.collections (uuid, db, name, options, indexes) VALUES ($1::uuid, $2::text, $3::text, $4::bytea, $5::bytea[]) ` +
      'ON CONFLICT DO NOTHING';
    this.updateCollection = `UPDATE ${s}.collections SET options = $2::bytea, indexes = $3::bytea[] WHERE uuid = $1::uuid`;
    this.renameCollection = `UPDATE ${s}.collections SET db = $2::text, name = $3::text WHERE uuid = $1::uuid`;
    this.deleteCollection = `DELETE FROM ${s}.collections WHERE uuid = $1::uuid`;
    this.deleteCollectionDocuments = `DELETE FROM ${s}.documents WHERE coll = $1::uuid`;
    this.deleteCollectionIndexEntries = `DELETE FROM ${s}.index_entries WHERE coll = $1::uuid`;

    this.getDocument = `SELECT doc FROM ${s}.documents WHERE coll = $1::uuid AND key = $2::bytea`;
    // A LATERAL subquery with a LIMIT stays one index probe per key, whatever the planner thinks the table holds.
    this.getDocuments =
      `SELECT u.ord, d.doc FROM unnest($2::bytea[]) WITH ORDINALITY AS u(k, ord) ` +
      `CROSS JOIN LATERAL (SELECT doc FROM ${s}.documents x WHERE x.coll = $1::uuid AND x.key = u.k LIMIT 1) d`;
    this.countDocuments = `SELECT count(*) AS n FROM ${s}.documents WHERE coll = $1::uuid`;
    this.dataSize = `SELECT coalesce(sum(octet_length(doc)), 0) AS n FROM ${s}.documents WHERE coll = $1::uuid`;
    this.insertDocument = `INSERT INTO ${s}.documents (coll, key, doc) VALUES ($1::uuid, $2::bytea, $3::bytea) ON CONFLICT DO NOTHING`;
    // One statement, linear in the batch whatever it holds: `stop` is the first row whose key is stored or repeats an
    // earlier row's (null when none), and only the rows before it go in, in array order, so their natural positions
    // follow it. The keys alone are sorted to find repeats, not the documents. The lookup is a LATERAL subquery with
    // a LIMIT so that it stays one index probe per row: an EXISTS may be planned as a hash of the collection's
    // every key, which costs the whole collection per statement.
    this.insertDocuments =
      'WITH keys AS (SELECT k, ord, row_number() OVER (PARTITION BY k ORDER BY ord) AS nth ' +
      'FROM unnest($2::bytea[]) WITH ORDINALITY AS u(k, ord)), ' +
      'stop AS (SELECT min(keys.ord) AS at FROM keys LEFT JOIN LATERAL ' +
      `(SELECT 1 AS hit FROM ${s}.documents x WHERE x.coll = $1::uuid AND x.key = keys.k LIMIT 1) stored ON true ` +
      'WHERE keys.nth > 1 OR stored.hit IS NOT NULL), ' +
      `added AS (INSERT INTO ${s}.documents (coll, key, doc) ` +
      'SELECT $1::uuid, u.k, u.d FROM unnest($2::bytea[], $3::bytea[]) WITH ORDINALITY AS u(k, d, ord) ' +
      'WHERE u.ord < coalesce((SELECT at FROM stop), 9223372036854775807) ORDER BY u.ord ON CONFLICT DO NOTHING RETURNING 1) ' +
      'SELECT (SELECT at FROM stop) AS stop, (SELECT count(*) FROM added) AS added';
    this.updateDocument = `UPDATE ${s}.documents SET doc = $3::bytea WHERE coll = $1::uuid AND key = $2::bytea`;
    this.deleteDocument = `DELETE FROM ${s}.documents WHERE coll = $1::uuid AND key = $2::bytea`;

    const entry = '$1::uuid, $2::text, $3::bytea, $4::bytea';
    this.insertIndexEntry = `INSERT INTO ${s}.index_entries (coll, index_name, key, record_key) VALUES (${entry}) ON CONFLICT DO NOTHING`;
    // One round trip: the check for another record under the key, and the insert only when there is none.
    this.insertUniqueIndexEntry =
      `WITH other AS (SELECT 1 FROM ${s}.index_entries ` +
      'WHERE coll = $1::uuid AND index_name = $2::text AND key = $3::bytea AND record_key <> $4::bytea LIMIT 1), ' +
      `added AS (INSERT INTO ${s}.index_entries (coll, index_name, key, record_key) ` +
      `SELECT ${entry} WHERE NOT EXISTS (SELECT 1 FROM other) ON CONFLICT DO NOTHING) ` +
      'SELECT EXISTS (SELECT 1 FROM other) AS taken';
    this.deleteIndexEntry =
      `DELETE FROM ${s}.index_entries WHERE coll = $1::uuid AND index_name = $2::text AND key = $3::bytea AND record_key = $4::bytea`;
    this.dropIndexEntries = `DELETE FROM ${s}.index_entries WHERE coll = $1::uuid AND index_name = $2::text`;

    this.readOplog = `SELECT ts, entry FROM ${s}.changes WHERE ts >= $1::bigint ORDER BY ts LIMIT $2::bigint`;
    this.readOplogBefore = `SELECT ts, entry FROM ${s}.changes WHERE ts < $1::bigint ORDER BY ts DESC LIMIT $2::bigint`;
    this.oplogEntrySizes = `SELECT ts, bytes FROM ${s}.changes WHERE ts >= $1::bigint ORDER BY ts LIMIT $2::bigint`;
    this.getOplogEntry = `SELECT entry FROM ${s}.changes WHERE ts = $1::bigint`;
    this.oplogBounds = `SELECT min(ts) AS first, max(ts) AS last FROM ${s}.changes`;
    this.lastOplogTs = `SELECT max(ts) AS last FROM ${s}.changes`;
    this.oplogSizeBytes = `SELECT coalesce(sum(bytes), 0) AS n FROM ${s}.changes`;
    this.appendChanges = `SELECT ${s}.append_changes($1::bytea[]) AS first`;
    this.plantChanges = `SELECT ${s}.plant_changes($1::bigint[], $2::bytea[])`;
    this.truncateOplogBefore = `DELETE FROM ${s}.changes WHERE ts < $1::bigint`;
    this.truncateOplogAll = `DELETE FROM ${s}.changes`;

    this.getMeta = `SELECT value FROM ${s}.meta WHERE key = $1::text`;
    this.setMeta = `INSERT INTO ${s}.meta (key, value) VALUES ($1::text, $2::text) ON CONFLICT (key) DO UPDATE SET value = excluded.value`;

    this.lockWrites = `SELECT pg_advisory_xact_lock(${WRITE_LOCK[0]}, ${WRITE_LOCK[1]})`;
    // The catalog epoch, the trimmer's bound and the change entries past a time, in one snapshot: always one row at
    // least (the epoch, with no entry when nothing is past the time).
    this.drain =
      `SELECT e.epoch, (SELECT value FROM ${s}.meta WHERE key = $3::text) AS cut, c.ts, c.entry FROM ${s}.catalog_epoch e LEFT JOIN LATERAL ` +
      `(SELECT ts, entry FROM ${s}.changes WHERE ts >= $1::bigint ORDER BY ts LIMIT $2::bigint) c ON true ORDER BY c.ts`;
    this.bumpCatalogEpoch = `UPDATE ${s}.catalog_epoch SET epoch = epoch + 1`;
    this.notify = `SELECT pg_notify($1::text, $2::text)`;
    this.pushClock = `SELECT setval('${s}.clock', greatest(last_value, $1::bigint)) FROM ${s}.clock`;
  }

  /**
   * A chunk of a scan in key order within `range`: of documents (`kind` 'documents'; parameters: coll, bounds...,
   * limit), of index entries (`'index'`; coll, index name, bounds..., [after key, after record key,] limit), or of
   * index entries joined to their documents (`'indexDocuments'`, the same parameters), with the bounds in the order
   * gte, gt, lte, lt of those present. A null limit is none.
   */
  range(kind: 'documents' | 'index' | 'indexDocuments', range: KeyRange | undefined, after = false): string {
    const reverse = range?.reverse === true;
    const shape = `${kind}:${boundsShape(range)}${after ? 'a' : '-'}${reverse ? 'r' : 'f'}`;
    let text = this.shapes.get(shape);
    if (!text) {
      const s = this.schema;
      const dir = reverse ? 'DESC' : 'ASC';
      if (kind === 'documents') {
        const where = ['coll = $1::uuid', ...boundsWhere('key', range, 2)];
        text = `SELECT key, doc FROM ${s}.documents WHERE ${where.join(' AND ')} ORDER BY key ${dir} LIMIT $${where.length + 1}::bigint`;
      } else {
        const e = kind === 'index' ? '' : 'e.';
        const where = [`${e}coll = $1::uuid`, `${e}index_name = $2::text`, ...boundsWhere(`${e}key`, range, 3)];
        let params = where.length;
        // A row comparison: the primary key's B-tree seeks to it, so resuming costs no more than starting.
        if (after) where.push(`(${e}key, ${e}record_key) ${reverse ? '<' : '>'} ($${++params}::bytea, $${++params}::bytea)`);
        const order = `ORDER BY ${e}key ${dir}, ${e}record_key ${dir} LIMIT $${params + 1}::bigint`;
        text =
          kind === 'index'
            ? `SELECT key, record_key FROM ${s}.index_entries WHERE ${where.join(' AND ')} ${order}`
            : // The entries in index order, each joined by one probe of the documents' key (a LATERAL with a LIMIT,
              // as in getDocuments); an entry whose document is gone drops out before the LIMIT counts it.
              `SELECT e.key, e.record_key, d.doc FROM ${s}.index_entries e CROSS JOIN LATERAL ` +
              `(SELECT doc FROM ${s}.documents x WHERE x.coll = e.coll AND x.key = e.record_key LIMIT 1) d ` +
              `WHERE ${where.join(' AND ')} ${order}`;
      }
      this.shapes.set(shape, text);
    }
    return text;
  }

  /** The count of index entries in `range` (parameters: coll, index name, bounds...). */
  countRange(range: KeyRange | undefined): string {
    const shape = `count:${boundsShape(range)}`;
    let text = this.shapes.get(shape);
    if (!text) {
      const where = ['coll = $1::uuid', 'index_name = $2::text', ...boundsWhere('key', range, 3)];
      text = `SELECT count(*) AS n FROM ${this.schema}.index_entries WHERE ${where.join(' AND ')}`;
      this.shapes.set(shape, text);
    }
    return text;
  }

  /** Documents in natural order (parameters: coll, the position to resume after when `after`, limit). */
  natural(after: boolean, reverse: boolean): string {
    const shape = `natural:${after ? 'a' : '-'}${reverse ? 'r' : 'f'}`;
    let text = this.shapes.get(shape);
    if (!text) {
      const where = after ? `coll = $1::uuid AND natural_pos ${reverse ? '<' : '>'} $2::bigint` : 'coll = $1::uuid';
      text =
        `SELECT natural_pos, key, doc FROM ${this.schema}.documents WHERE ${where} ` +
        `ORDER BY natural_pos ${reverse ? 'DESC' : 'ASC'} LIMIT $${after ? 3 : 2}::bigint`;
      this.shapes.set(shape, text);
    }
    return text;
  }
}

function boundsShape(range: KeyRange | undefined): string {
  return (
    (range?.gte !== undefined ? 'G' : '-') +
    (range?.gt !== undefined ? 'g' : '-') +
    (range?.lte !== undefined ? 'L' : '-') +
    (range?.lt !== undefined ? 'l' : '-')
  );
}

/** The conditions of the bounds present in `range`, numbered from `$first`, in the order gte, gt, lte, lt. */
function boundsWhere(column: string, range: KeyRange | undefined, first: number): string[] {
  const where: string[] = [];
  let n = first;
  if (range?.gte !== undefined) where.push(`${column} >= $${n++}::bytea`);
  if (range?.gt !== undefined) where.push(`${column} > $${n++}::bytea`);
  if (range?.lte !== undefined) where.push(`${column} <= $${n++}::bytea`);
  if (range?.lt !== undefined) where.push(`${column} < $${n++}::bytea`);
  return where;
}
