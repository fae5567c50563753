/**
 * Damages a closed SQLite data folder the way a disk fault would: bytes of one stored record change behind
 * SQLite's back, its checksum left as it was.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { encodeKey } from '../../src/bson/index.js';
import { SQLITE_FILE_NAME } from '../../src/storage/sqlite/sqlite_storage.js';

/**
 * Flips bits of one byte of the stored BSON of the document with `_id` (in any collection), `fromEnd` bytes before
 * its end (the default, 2, lands inside a trailing string value: the BSON stays well-formed, only a value changes).
 */
export function damageDocument(dir: string, id: unknown, fromEnd = 2): void {
  const db = new Database(join(dir, SQLITE_FILE_NAME));
  try {
    const key = Buffer.from(encodeKey(id));
    const row = db.prepare('SELECT doc FROM documents WHERE key = ?').get(key) as { doc: Buffer } | undefined;
    if (!row) throw new Error(`no stored document with that _id`);
    const doc = Buffer.from(row.doc);
    doc[doc.length - fromEnd] ^= 0x01;
    db.prepare('UPDATE documents SET doc = ? WHERE key = ?').run(doc, key);
  } finally {
    db.close();
  }
}

/** Flips one bit of the newest oplog entry's bytes. */
export function damageNewestOplogEntry(dir: string): void {
  const db = new Database(join(dir, SQLITE_FILE_NAME));
  try {
    const row = db.prepare('SELECT ts, entry FROM oplog ORDER BY ts DESC LIMIT 1').safeIntegers(true).get() as { ts: bigint; entry: Buffer };
    const entry = Buffer.from(row.entry);
    entry[entry.length - 2] ^= 0x01;
    db.prepare('UPDATE oplog SET entry = ? WHERE ts = ?').safeIntegers(true).run(entry, row.ts);
  } finally {
    db.close();
  }
}

/**
 * Replaces the stored bytes of the document with `_id` by `bytes(current)`, with a checksum that matches them: what
 * a bug writing bad bytes (rather than a disk fault) would leave.
 */
export function rewriteDocument(dir: string, id: unknown, bytes: (current: Buffer) => Buffer): void {
  const db = new Database(join(dir, SQLITE_FILE_NAME));
  try {
    const key = Buffer.from(encodeKey(id));
    const row = db.prepare('SELECT doc FROM documents WHERE key = ?').get(key) as { doc: Buffer };
    const doc = bytes(Buffer.from(row.doc));
    db.prepare('UPDATE documents SET doc = ?, crc = ? WHERE key = ?').run(doc, crc32(doc, crc32(key)), key);
  } finally {
    db.close();
  }
}

/** Removes the entries of index `indexName` that point at the document with `_id`. */
export function removeIndexEntriesOf(dir: string, indexName: string, id: unknown): void {
  const db = new Database(join(dir, SQLITE_FILE_NAME));
  try {
    db.prepare('DELETE FROM index_entries WHERE index_name = ? AND record_key = ?').run(indexName, Buffer.from(encodeKey(id)));
  } finally {
    db.close();
  }
}

/** Adds an entry to index `indexName` (of the collection named `collection`) pointing at the document with `_id`. */
export function addIndexEntry(dir: string, collection: string, indexName: string, indexKey: Uint8Array, id: unknown): void {
  const db = new Database(join(dir, SQLITE_FILE_NAME));
  try {
    const { uuid } = db.prepare('SELECT uuid FROM collections WHERE name = ?').get(collection) as { uuid: string };
    db.prepare('INSERT INTO index_entries (coll, index_name, key, record_key) VALUES (?, ?, ?, ?)')
      .run(uuid, indexName, Buffer.from(indexKey), Buffer.from(encodeKey(id)));
  } finally {
    db.close();
  }
}
