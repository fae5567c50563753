/**
 * Damages a closed SQLite data folder the way a disk fault would: bytes of one stored record change behind
 * SQLite's back, its checksum left as it was.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
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
