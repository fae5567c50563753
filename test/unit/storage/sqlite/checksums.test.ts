// Every document and oplog entry is stored with a checksum and checked on every read: bytes changed behind
// SQLite's back are a StorageError('Corrupted') naming the record, never data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeKey } from '../../../../src/bson/index.js';
import { openSqliteStorage } from '../../../../src/storage/sqlite/sqlite_storage.js';
import { StorageError } from '../../../../src/storage/types.js';
import { damageDocument, damageNewestOplogEntry } from '../../../helpers/damage_store.js';
import { removeDir, tempDir } from '../../../helpers/embedded.js';
import { toArray } from '../../../../src/storage/scan.js';

const UUID = 'a'.repeat(32);
const docBytes = (text: string) => {
  const body = Buffer.from(`${text}\0`);
  const doc = Buffer.alloc(4 + 1 + 2 + 4 + body.length + 1);
  doc.writeInt32LE(doc.length, 0);
  doc[4] = 0x02;
  doc.write('s\0', 5, 'latin1');
  doc.writeInt32LE(body.length, 7);
  body.copy(doc, 11);
  return doc;
};

function isCorrupt(check: (err: StorageError) => void) {
  return (err: unknown) => {
    assert.ok(err instanceof StorageError && err.kind === 'Corrupted', String(err));
    check(err);
    return true;
  };
}

test('sqlite: a damaged document or oplog entry is refused on every read path, naming the record', async () => {
  const dir = tempDir('eddydb-checksum-');
  try {
    let storage = await openSqliteStorage(dir);
    await storage.write(async (w) => {
      await w.createCollection({ record: { db: 'd', name: 'c', uuid: UUID, options: Buffer.from([5, 0, 0, 0, 0]), indexes: [] } });
      for (let i = 0; i < 5; i++) await w.insertDocument({ coll: UUID, key: encodeKey(i), doc: docBytes(`document ${i}`) });
      await w.updateDocument({ coll: UUID, key: encodeKey(3), doc: docBytes('document 3, updated') });
      await w.appendOplog({ entries: [{ ts: 10n, entry: docBytes('entry 10') }, { ts: 11n, entry: docBytes('entry 11') }] });
    });
    await storage.close();
    damageDocument(dir, 3);
    damageNewestOplogEntry(dir);

    storage = await openSqliteStorage(dir);
    try {
      const key3 = Buffer.from(encodeKey(3));
      const names3 = isCorrupt((err) => {
        assert.equal(err.record?.kind, 'document');
        if (err.record?.kind !== 'document') return;
        assert.equal(err.record.collUuid, UUID);
        assert.deepEqual(Buffer.from(err.record.key), key3);
        assert.match(err.message, new RegExp(`${key3.toString('hex')} of collection ${UUID}`));
      });
      await assert.rejects(storage.read((r) => r.getDocument({ coll: UUID, key: encodeKey(3) })), names3);
      await assert.rejects(storage.read((r) => toArray(r.scanDocuments({ coll: UUID }))), names3);
      await assert.rejects(storage.read((r) => toArray(r.scanDocuments({ coll: UUID, range: { gte: encodeKey(2) }, limit: 3 }))), names3);
      assert.equal((await storage.read((r) => toArray(r.scanDocuments({ coll: UUID, range: { lt: encodeKey(3) } })))).length, 3);
      assert.deepEqual(await storage.read((r) => r.getDocument({ coll: UUID, key: encodeKey(4) })), docBytes('document 4'));

      // validate's scan reports the damaged document instead of failing.
      const inspected = await storage.read((r) => toArray(r.inspectDocuments({ coll: UUID })));
      assert.deepEqual(inspected.map((d) => d.intact), [true, true, true, false, true]);
      assert.deepEqual(inspected[2]!.doc, docBytes('document 2'));

      const names11 = isCorrupt((err) => assert.deepEqual(err.record, { kind: 'oplogEntry', ts: 11n }));
      await assert.rejects(storage.read((r) => r.readOplog({ after: -1n, limit: 10 })), names11);
      await assert.rejects(storage.read((r) => r.getOplogEntry({ ts: 11n })), names11);
      assert.deepEqual((await storage.read((r) => r.readOplog({ after: -1n, limit: 1 }))).map((e) => e.ts), [10n]);
      // Retention reads sizes only, so it can still remove the damaged entry.
      assert.deepEqual(await storage.read((r) => r.oplogEntrySizes({ after: -1n, limit: 10 })), [{ ts: 10n, bytes: docBytes('entry 10').length }, { ts: 11n, bytes: docBytes('entry 11').length }]);
      // Overwriting the damaged document stores a fresh checksum.
      await storage.write((w) => w.updateDocument({ coll: UUID, key: encodeKey(3), doc: docBytes('rewritten') }));
      assert.deepEqual(await storage.read((r) => r.getDocument({ coll: UUID, key: encodeKey(3) })), docBytes('rewritten'));
    } finally {
      await storage.close();
    }
  } finally {
    removeDir(dir);
  }
});
