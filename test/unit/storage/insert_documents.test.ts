import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openMemoryStorage, openSqliteStorage, type Storage } from '../../../src/storage/index.js';
import { toArray } from '../../../src/storage/scan.js';

const UUID = '0123456789abcdef0123456789abcdef';
const row = (k: number, v = k) => ({ key: Buffer.from([k]), doc: Buffer.from([v]) });

const engines: [string, () => Promise<Storage>][] = [
  ['memory', async () => openMemoryStorage()],
  ['sqlite', () => openSqliteStorage(':memory:')],
];

for (const [name, open] of engines) {
  test(`${name}: insertDocuments stores rows in order and stops at the first taken key`, async () => {
    const storage = await open();
    try {
      const collection = { db: 'd', name: 'c', uuid: UUID, options: Buffer.from([5, 0, 0, 0, 0]), indexes: [] };
      await storage.write((w) => w.createCollection({ record: collection }));
      // 150 rows: more than one statement's worth; a taken key in the second chunk, and a repeat inside the batch.
      const rows = Array.from({ length: 150 }, (_, i) => row(i + 1));
      assert.equal((await storage.write((w) => w.insertDocuments({ coll: UUID, rows }))).value, 150);
      assert.equal((await storage.write((w) => w.insertDocuments({ coll: UUID, rows: [row(200), row(201), row(100, 9), row(202)] }))).value, 2);
      assert.equal((await storage.write((w) => w.insertDocuments({ coll: UUID, rows: [row(203), row(203, 7), row(204)] }))).value, 1);
      assert.equal((await storage.write((w) => w.insertDocuments({ coll: UUID, rows: [] }))).value, 0);
      const keys = (await storage.read((r) => toArray(r.scanDocuments({ coll: UUID })))).map((d) => d.key[0]);
      assert.deepEqual(keys, [...rows.map((r) => r.key[0]), 200, 201, 203]);
      assert.deepEqual([...(await storage.read((r) => r.getDocument({ coll: UUID, key: Buffer.from([100]) })))!], [100], 'the taken key keeps its document');
      assert.deepEqual([...(await storage.read((r) => r.getDocument({ coll: UUID, key: Buffer.from([203]) })))!], [203]);
      // A rolled-back transaction keeps none of its rows.
      await assert.rejects(storage.write(async (w) => {
        await w.insertDocuments({ coll: UUID, rows: [row(210), row(211)] });
        throw new Error('abort');
      }));
      assert.equal(await storage.read((r) => r.getDocument({ coll: UUID, key: Buffer.from([210]) })), null);
    } finally {
      await storage.close();
    }
  });

  test(`${name}: catalogVersion moves with catalog changes and rollbacks only`, async () => {
    const storage = await open();
    try {
      const version = () => storage.read(async (r) => r.catalogVersion());
      const v0 = await version();
      await storage.write((w) => w.insertDocuments({ coll: UUID, rows: [] }));
      assert.equal(await version(), v0, 'a write that touches no catalog entry leaves it');
      await storage.write((w) => w.createCollection({ record: { db: 'd', name: 'c', uuid: UUID, options: Buffer.from([5, 0, 0, 0, 0]), indexes: [] } }));
      const v1 = await version();
      assert.notEqual(v1, v0);
      await assert.rejects(storage.write(async () => {
        throw new Error('abort');
      }));
      assert.notEqual(await version(), v1, 'a rollback may have undone catalog changes');
    } finally {
      await storage.close();
    }
  });
}
