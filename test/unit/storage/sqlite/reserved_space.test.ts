// The reserved disk space of a data folder: made at open, given up at the first write that finds no room (so that a
// delete or a drop can still run), made again after a checkpoint or at the next open. A full disk is simulated with
// the database's size limit (maxSizeBytes, SQLite's max_page_count), which fails writes with SQLITE_FULL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../../../src/engine/engine.js';
import { dropCollection } from '../../../../src/engine/ddl.js';
import { deleteDocuments, insertDocuments } from '../../../../src/engine/write_ops.js';
import { MongoServerError } from '../../../../src/errors/index.js';
import { RESERVED_SPACE_BYTES, RESERVED_SPACE_FILE_NAME } from '../../../../src/storage/sqlite/reserved_space.js';
import { openSqliteStorage } from '../../../../src/storage/sqlite/sqlite_storage.js';
import { removeDir, tempDir } from '../../../helpers/embedded.js';

test('a full disk gives up the reserved space, deletes and drops still run, and the space is reserved again', async () => {
  const dir = tempDir('eddydb-full-');
  const reserved = join(dir, RESERVED_SPACE_FILE_NAME);
  const events: Record<string, unknown>[] = [];
  try {
    const storage = await openSqliteStorage(dir, { maxSizeBytes: 1024 * 1024, log: (e) => events.push(e) });
    assert.equal(statSync(reserved).size, RESERVED_SPACE_BYTES);
    assert.equal(storage.reservedSpaceHeld, true);
    const engine = await Engine.open(storage);
    const pad = 'p'.repeat(10_000);
    await insertDocuments(engine, 'a', 'keep', [{ _id: 'k' }]);

    let stored = 0;
    let failure: unknown;
    for (; stored < 1000; stored++) {
      try {
        await insertDocuments(engine, 'a', 'c', [{ _id: stored, pad }]);
      } catch (err) {
        failure = err;
        break;
      }
    }
    assert.ok(failure instanceof MongoServerError, `a write must fail once the database is full (${stored} stored): ${String(failure)}`);
    assert.deepEqual([failure.code, failure.codeName], [14031, 'OutOfDiskSpace']);
    assert.ok(stored > 10, `${stored} documents stored before the database was full`);
    assert.equal(existsSync(reserved), false);
    assert.equal(storage.reservedSpaceHeld, false);
    assert.deepEqual(events.map((e) => e.msg), [
      'Reserved disk space for deletes and drops',
      'The disk is full: released the reserved disk space so that deletes and drops can run',
    ]);

    // The failed write left nothing behind; deletes and a drop run.
    assert.equal((await deleteDocuments(engine, 'a', 'c', [{ q: { _id: 0 }, limit: 1 }])).n, 1);
    assert.equal((await deleteDocuments(engine, 'a', 'c', [{ q: {}, limit: 0 }])).n, stored - 1);
    assert.equal(await engine.write((ctx) => dropCollection(ctx, 'a', 'c')), true);
    assert.equal(await engine.read((r) => r.getCollection({ db: 'a', name: 'c' })), null);

    // A checkpoint that succeeds reserves the space again.
    await storage.checkpoint();
    assert.equal(statSync(reserved).size, RESERVED_SPACE_BYTES);
    assert.equal(storage.reservedSpaceHeld, true);
    assert.equal(events.at(-1)?.msg, 'Reserved disk space for deletes and drops');
    await engine.close();

    // A folder without the file gets it back at open.
    unlinkSync(reserved);
    const again = await openSqliteStorage(dir);
    assert.equal(statSync(reserved).size, RESERVED_SPACE_BYTES);
    assert.deepEqual((await again.read((r) => r.listCollections({ db: 'a' }))).map((c) => c.name), ['keep']);
    await again.close();
  } finally {
    removeDir(dir);
  }
});

test('an in-memory database has no reserved space, and its size limit fails writes as OutOfDiskSpace', async () => {
  const storage = await openSqliteStorage(':memory:', { maxSizeBytes: 256 * 1024 });
  assert.equal(storage.reservedSpaceHeld, null);
  const engine = await Engine.open(storage);
  try {
    const big = Array.from({ length: 100 }, (_, i) => ({ _id: i, pad: 'q'.repeat(10_000) }));
    await assert.rejects(insertDocuments(engine, 'a', 'c', big), (err: unknown) => err instanceof MongoServerError && err.code === 14031);
    assert.equal(await engine.read((r) => r.getCollection({ db: 'a', name: 'c' })), null);
  } finally {
    await engine.close();
  }
});
