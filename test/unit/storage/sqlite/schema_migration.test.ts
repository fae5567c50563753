// A data folder written by schema version 1 opens with this version: it is migrated in place, in one transaction,
// and serves the same documents in the same order, each with its checksum. The version-1 file is built here, with version 1's DDL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Client } from '../../../../src/client/client.js';
import { openSqliteStorage, SQLITE_FILE_NAME } from '../../../../src/storage/sqlite/sqlite_storage.js';
import { SCHEMA_VERSION } from '../../../../src/storage/sqlite/schema.js';
import { removeDir, tempDir } from '../../../helpers/embedded.js';

/** Version 1's documents table, as it shipped. */
const V1_DOCUMENTS = `
CREATE TABLE documents (
  coll TEXT NOT NULL,
  key  BLOB NOT NULL,
  doc  BLOB NOT NULL,
  PRIMARY KEY (coll, key)
) WITHOUT ROWID;`;

/**
 * Turns the closed store of `dir` back into a version-1 file: the old documents table, the oplog without
 * checksums, user_version 1.
 */
function downgradeToVersion1(dir: string): void {
  const db = new Database(join(dir, SQLITE_FILE_NAME));
  try {
    db.exec('BEGIN');
    db.exec('ALTER TABLE documents RENAME TO documents_now');
    db.exec(V1_DOCUMENTS);
    // Reverse key order, so that only the migration's own ordering can give rowids in key order.
    db.exec('INSERT INTO documents (coll, key, doc) SELECT coll, key, doc FROM documents_now ORDER BY coll DESC, key DESC');
    db.exec('DROP TABLE documents_now');
    db.exec('ALTER TABLE oplog DROP COLUMN crc');
    db.pragma('user_version = 1');
    db.exec('COMMIT');
  } finally {
    db.close();
  }
}

test('a version-1 data folder is migrated at open and serves its documents, in key order', async () => {
  const dir = tempDir('eddydb-migrate-');
  try {
    const before = await Client.open(dir);
    const docs = Array.from({ length: 300 }, (_, i) => ({ _id: (i * 37) % 300, s: `v${i}` }));
    await before.db('a').collection('c').insertMany(docs);
    await before.db('a').collection('d').insertMany([{ _id: 'x', big: 'b'.repeat(100_000) }, { _id: 'y' }]);
    await before.db('a').collection('c').createIndex({ s: 1 });
    await before.close();
    downgradeToVersion1(dir);

    const storage = await openSqliteStorage(dir);
    assert.equal(storage.pragma('user_version'), SCHEMA_VERSION);
    // Every entry reads back: the migration gave each its checksum.
    const entries = await storage.read((r) => r.readOplog({ after: -1n, limit: 10_000 }));
    assert.ok(entries.length >= 5, `${entries.length} oplog entries`);
    await storage.close();
    const raw = new Database(join(dir, SQLITE_FILE_NAME), { readonly: true });
    try {
      const tables = raw.prepare("SELECT name, sql FROM sqlite_master WHERE tbl_name LIKE 'documents%' ORDER BY name").all() as { name: string; sql: string }[];
      assert.deepEqual(tables.map((t) => t.name), ['documents', 'documents_by_key', 'documents_by_natural']);
      assert.doesNotMatch(tables[0]!.sql, /WITHOUT ROWID/);
      const columns = (table: string) => (raw.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
      assert.deepEqual(columns('documents'), ['id', 'coll', 'key', 'doc', 'crc']);
      assert.deepEqual(columns('oplog'), ['ts', 'entry', 'crc']);
      const plan = raw.prepare('EXPLAIN QUERY PLAN SELECT key, doc FROM documents WHERE coll = ? ORDER BY key').all('x') as { detail: string }[];
      assert.ok(plan.every((step) => !/TEMP B-TREE/.test(step.detail)), JSON.stringify(plan));
      const natural = raw.prepare('EXPLAIN QUERY PLAN SELECT key, doc FROM documents WHERE coll = ? AND id > ? ORDER BY id').all('x', 0) as { detail: string }[];
      assert.ok(natural.some((step) => /documents_by_natural/.test(step.detail)) && natural.every((step) => !/TEMP B-TREE/.test(step.detail)), JSON.stringify(natural));
    } finally {
      raw.close();
    }

    const after = await Client.open(dir);
    try {
      const c = after.db('a').collection('c');
      const found = await c.find({}).toArray();
      assert.deepEqual(found.map((d) => d._id), Array.from({ length: 300 }, (_, i) => i));
      assert.equal((await c.findOne({ _id: 37 }))?.s, 'v1');
      assert.equal((await c.find({ s: 'v2' }).toArray())[0]?._id, 74);
      assert.equal((await after.db('a').collection('d').findOne({ _id: 'x' }))?.big, 'b'.repeat(100_000));
      await c.insertOne({ _id: 1000 });
      await assert.rejects(c.insertOne({ _id: 5 }), { code: 11000 });
      await after.db('a').collection('d').drop();
      assert.deepEqual((await after.db('a').listCollections().toArray()).map((x) => x.name), ['c']);
    } finally {
      await after.close();
    }
  } finally {
    removeDir(dir);
  }
});

test('a data folder of a newer schema is refused', async () => {
  const dir = tempDir('eddydb-migrate-');
  try {
    const storage = await openSqliteStorage(dir);
    await storage.close();
    const db = new Database(join(dir, SQLITE_FILE_NAME));
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    await assert.rejects(openSqliteStorage(dir), /written by a newer eddydb/);
  } finally {
    removeDir(dir);
  }
});
