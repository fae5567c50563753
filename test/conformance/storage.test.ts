/**
 * The storage contract, run against every engine. Engine-specific behaviour (files, locks, pragmas) follows in
 * its own suite at the end.
 */
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LOCK_FILE_NAME,
  MemoryStorage,
  SQLITE_FILE_NAME,
  SqliteStorage,
  StorageError,
  openMemoryStorage,
  openSqliteStorage,
  openStorage,
} from '../../src/storage/index.js';
import type { CollectionRecord, Storage, StorageReader, StorageWriter } from '../../src/storage/index.js';
import type { IndexPosition, KeyRange, ScanOptions } from '../../src/storage/types.js';
import { toArray } from '../../src/storage/scan.js';
import { openPostgresStorage } from '../../src/storage/postgres/postgres_storage.js';
import { requireOptional } from '../helpers/optional.js';
import { createTestDatabase, POSTGRES_HOW_TO_GET, postgresMissing, type TestDatabase } from '../helpers/postgres.js';

// ---------------------------------------------------------------------------------------------------------
// Helpers

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'eddydb-storage-'));
  tempDirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function b(...bytes: number[]): Buffer {
  return Buffer.from(bytes);
}

function uuid(n: number): string {
  return n.toString(16).padStart(32, '0');
}

function record(n: number, db: string, name: string, indexes: Uint8Array[] = [b(0x10, n)]): CollectionRecord {
  return { db, name, uuid: uuid(n), options: b(0xa0, n), indexes };
}

function ts(seconds: bigint, inc: bigint): bigint {
  return (seconds << 32n) | inc;
}

async function rejectsWith(promise: Promise<unknown>, kind: StorageError['kind'], indexName?: string): Promise<StorageError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof StorageError, `expected StorageError(${kind}), got ${String(err)}`);
    assert.equal(err.kind, kind);
    if (indexName !== undefined) assert.equal(err.indexName, indexName);
    return err;
  }
  assert.fail(`expected StorageError(${kind}), but it resolved`);
}

function hex(rows: { key: Uint8Array }[]): string[] {
  return rows.map((r) => Buffer.from(r.key).toString('hex'));
}

/** A range written the short way, its limit (and a natural scan's `after`) beside the bounds. */
type OldRange = KeyRange & { limit?: number; after?: number };

/** The scan options of an `OldRange`. */
function scanArgs(range: OldRange | undefined): ScanOptions {
  if (range === undefined) return {};
  const { limit, after, ...bounds } = range;
  return { range: bounds, ...(limit === undefined ? {} : { limit }), ...(after === undefined ? {} : { after }) };
}

/**
 * A scan's rows read in one chunk and again one row per chunk: they must be the same rows, whatever the chunking.
 * Rejects as the scan does.
 */
async function chunkedBoth<T>(scan: (chunkRows: { chunkRows?: number }) => AsyncIterable<T>): Promise<T[]> {
  const whole = await toArray(scan({}));
  assert.deepEqual(await toArray(scan({ chunkRows: 1 })), whole);
  assert.deepEqual(await toArray(scan({ chunkRows: 2 })), whole);
  return whole;
}

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Everything a test may have written, for before/after comparison. */
async function snapshot(storage: Storage, uuids: string[], indexNames: string[], metaKeys: string[]): Promise<unknown> {
  return storage.read(async (r) => {
    const colls = await r.listCollections();
    const perColl: unknown[] = [];
    for (const u of uuids) {
      const docs = await toArray(r.scanDocuments({ coll: u }));
      const indexes: unknown[] = [];
      for (const name of indexNames) indexes.push(await toArray(r.scanIndex({ coll: u, index: name })));
      perColl.push({ docs, count: await r.countDocuments({ coll: u }), size: await r.dataSize({ coll: u }), indexes });
    }
    const meta: unknown[] = [];
    for (const k of metaKeys) meta.push(await r.getMeta({ key: k }));
    return {
      colls,
      perColl,
      oplog: await r.readOplog({ after: -1n, limit: 1000 }),
      bounds: await r.oplogBounds(),
      oplogBytes: await r.oplogSizeBytes(),
      meta,
    };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Engines

interface EngineCase {
  name: string;
  open(): Promise<Storage>;
  engine: string;
  persistent: boolean;
  /** For an engine that needs something the machine may lack: one line saying what is missing, or undefined. */
  missing?: () => string | undefined;
}

/** The PostgreSQL databases the open storages use, dropped once their storage is closed. */
const pgDatabases: TestDatabase[] = [];

const engines: EngineCase[] = [
  { name: 'memory', open: async () => openMemoryStorage(), engine: 'memory', persistent: false },
  { name: 'sqlite :memory:', open: () => openSqliteStorage(':memory:'), engine: 'sqlite', persistent: false },
  { name: 'sqlite file', open: () => openSqliteStorage(tempDir()), engine: 'sqlite', persistent: true },
  {
    name: 'postgres',
    open: async () => {
      const db = await createTestDatabase('storage_conformance');
      pgDatabases.push(db);
      return openPostgresStorage(db.uri);
    },
    engine: 'postgres',
    persistent: true,
    missing: postgresMissing,
  },
];

for (const engine of engines) {
  const suite = `storage conformance: ${engine.name}`;
  if (engine.missing && !requireOptional(suite, engine.missing(), POSTGRES_HOW_TO_GET)) continue;
  describe(suite, () => {
    let storage: Storage;
    beforeEach(async () => {
      storage = await engine.open();
    });
    afterEach(async () => {
      await storage.close();
      for (const db of pgDatabases.splice(0)) await db.drop();
    });

    test('reports its engine and persistence', () => {
      assert.equal(storage.engine, engine.engine);
      assert.equal(storage.persistent, engine.persistent);
    });

    test('the tail hears a commit before the next queued work, and never a rollback', async () => {
      const events: string[] = [];
      const stop = storage.tail.listen((batch) => events.push(`tail ${batch.entries.length} through ${batch.through === storage.tail.through}`));
      try {
        const first = storage.write(async (w) => {
          await w.appendChanges({ entries: [b(1), b(2)] });
          events.push('first body');
          return 1;
        });
        const second = storage.write(async (w) => {
          await w.appendChanges({ entries: [b(3)] });
          events.push('second body');
          throw new Error('roll back');
        });
        const third = storage.read(async () => {
          events.push('read');
        });
        const { value, changes } = await first;
        assert.equal(value, 1);
        assert.equal(changes!.last - changes!.first, 1n);
        await assert.rejects(second, /roll back/);
        await third;
        assert.deepEqual(events, ['first body', 'tail 2 through true', 'second body', 'read']);
      } finally {
        stop();
      }
    });

    test('appendChanges: times strictly increase in commit order, a write that appends none has no changes, a rolled-back time is never reused', async () => {
      const start = storage.tail.through;
      const a = await storage.write((w) => w.appendChanges({ entries: [b(1)] }));
      assert.deepEqual(a.changes, a.value);
      assert.ok(a.changes!.first > start);
      assert.equal(storage.tail.through, a.changes!.last);
      const none = await storage.write((w) => w.setMeta({ key: 'k', value: 'v' }));
      assert.equal(none.changes, null);
      assert.equal(storage.tail.through, a.changes!.last);
      let burned = 0n;
      await assert.rejects(storage.write(async (w) => {
        burned = (await w.appendChanges({ entries: [b(2)] }))!.last;
        throw new Error('roll back');
      }), /roll back/);
      assert.equal(storage.tail.through, a.changes!.last);
      const c = await storage.write(async (w) => {
        await w.appendChanges({ entries: [b(3)] });
        return w.appendChanges({ entries: [b(4), b(5)] });
      });
      assert.ok(c.changes!.first > burned);
      assert.equal(c.changes!.last, c.value!.last);
      assert.equal(c.changes!.last - c.changes!.first, 2n);
      const stored = await storage.read((r) => r.readOplog({ after: start, limit: 10 }));
      assert.deepEqual(stored.map((row) => Buffer.from(row.entry)[0]), [1, 3, 4, 5]);
      assert.deepEqual(stored.map((row) => row.ts), [a.changes!.first, c.changes!.first, c.changes!.first + 1n, c.changes!.last]);
    });

    test('tail.from(t) yields what committed after t, then each commit, once, in order, with through never going back', async () => {
      const start = storage.tail.through;
      const before = await storage.write((w) => w.appendChanges({ entries: [b(1), b(2)] }));
      const stream = storage.tail.from(start)[Symbol.asyncIterator]();
      const seen: number[] = [];
      let through = 0n;
      const take = async (n: number) => {
        while (seen.length < n) {
          const { value } = await stream.next();
          assert.ok(value.through >= through);
          through = value.through;
          for (const row of value.entries) seen.push(Buffer.from(row.entry)[0]!);
        }
      };
      await take(2);
      await storage.write((w) => w.appendChanges({ entries: [b(3)] }));
      await storage.write((w) => w.appendChanges({ entries: [b(4), b(5)] }));
      await take(5);
      await stream.return!();
      assert.deepEqual(seen, [1, 2, 3, 4, 5]);
      assert.equal(through, storage.tail.through);
      assert.ok(through > before.changes!.last);
      // reach() resolves at once for a time already committed.
      await storage.tail.reach(through, Date.now());
    });

    describe('catalog', () => {
      test('create, get and list, ordered by db then name', async () => {
        await storage.write(async (w) => {
          await w.createCollection({ record: record(3, 'b', 'x') });
          await w.createCollection({ record: record(1, 'a', 'z', []) });
          await w.createCollection({ record: record(2, 'a', 'y', [b(1, 2, 3), b(), b(4)]) });
        });
        await storage.read(async (r) => {
          const all = await r.listCollections();
          assert.deepEqual(
            all.map((c) => `${c.db}.${c.name}`),
            ['a.y', 'a.z', 'b.x'],
          );
          assert.deepEqual(
            (await r.listCollections({ db: 'a' })).map((c) => c.name),
            ['y', 'z'],
          );
          assert.deepEqual(await r.listCollections({ db: 'nope' }), []);
          const y = await r.getCollection({ db: 'a', name: 'y' });
          assert.ok(y);
          assert.equal(y.uuid, uuid(2));
          assert.deepEqual(Buffer.from(y.options), b(0xa0, 2));
          assert.deepEqual(y.indexes.map((i) => Buffer.from(i)), [b(1, 2, 3), b(), b(4)]);
          const z = await r.getCollection({ db: 'a', name: 'z' });
          assert.deepEqual(z?.indexes, []);
          assert.equal(await r.getCollection({ db: 'a', name: 'x' }), null);
          assert.equal(await r.getCollection({ db: 'b', name: 'y' }), null);
        });
      });

      test('a duplicate name or uuid is NamespaceExists; a malformed uuid is refused', async () => {
        await storage.write((w) => w.createCollection({ record: record(1, 'a', 'x') }));
        await rejectsWith(storage.write((w) => w.createCollection({ record: record(2, 'a', 'x') })), 'NamespaceExists');
        await rejectsWith(storage.write((w) => w.createCollection({ record: record(1, 'a', 'other') })), 'NamespaceExists');
        await assert.rejects(
          storage.write((w) => w.createCollection({ record: { ...record(3, 'a', 'bad'), uuid: 'ABC' } })),
          RangeError,
        );
        const names = await storage.read(async (r) => (await r.listCollections()).map((c) => c.name));
        assert.deepEqual(names, ['x']);
      });

      test('updateCollection replaces options and indexes only', async () => {
        await storage.write((w) => w.createCollection({ record: record(1, 'a', 'x') }));
        await storage.write((w) =>
          w.updateCollection({ record: { db: 'ignored', name: 'ignored', uuid: uuid(1), options: b(9), indexes: [b(7), b(8)] } }),
        );
        const x = await storage.read((r) => r.getCollection({ db: 'a', name: 'x' }));
        assert.ok(x);
        assert.deepEqual(Buffer.from(x.options), b(9));
        assert.deepEqual(x.indexes.map((i) => Buffer.from(i)), [b(7), b(8)]);
        await rejectsWith(storage.write((w) => w.updateCollection({ record: record(2, 'a', 'y') })), 'NamespaceNotFound');
      });

      test('renameCollection keeps uuid, documents and index entries', async () => {
        await storage.write(async (w) => {
          await w.createCollection({ record: record(1, 'a', 'x') });
          await w.createCollection({ record: record(2, 'a', 'taken') });
          await w.insertDocument({ coll: uuid(1), key: b(1), doc: b(0xd1) });
          await w.insertIndexEntry({ coll: uuid(1), index: 'f_1', key: b(5), recordKey: b(1), unique: false });
        });
        await storage.write((w) => w.renameCollection({ coll: uuid(1), toDb: 'c', toName: 'moved' }));
        await storage.read(async (r) => {
          assert.equal(await r.getCollection({ db: 'a', name: 'x' }), null);
          const moved = await r.getCollection({ db: 'c', name: 'moved' });
          assert.equal(moved?.uuid, uuid(1));
          assert.deepEqual(await r.getDocument({ coll: uuid(1), key: b(1) }), b(0xd1));
          assert.equal((await toArray(r.scanIndex({ coll: uuid(1), index: 'f_1' }))).length, 1);
        });
        await rejectsWith(storage.write((w) => w.renameCollection({ coll: uuid(1), toDb: 'a', toName: 'taken' })), 'NamespaceExists');
        await storage.write((w) => w.renameCollection({ coll: uuid(1), toDb: 'c', toName: 'moved' })); // onto itself: no-op
        await rejectsWith(storage.write((w) => w.renameCollection({ coll: uuid(9), toDb: 'a', toName: 'free' })), 'NamespaceNotFound');
        assert.equal((await storage.read((r) => r.getCollection({ db: 'c', name: 'moved' })))?.uuid, uuid(1));
      });

      test('dropCollection removes the record, its documents and its index entries, nothing else', async () => {
        await storage.write(async (w) => {
          await w.createCollection({ record: record(1, 'a', 'x') });
          await w.createCollection({ record: record(2, 'a', 'y') });
          for (const u of [uuid(1), uuid(2)]) {
            await w.insertDocument({ coll: u, key: b(1), doc: b(0xd1) });
            await w.insertDocument({ coll: u, key: b(2), doc: b(0xd2) });
            await w.insertIndexEntry({ coll: u, index: 'f_1', key: b(5), recordKey: b(1), unique: true });
          }
        });
        await storage.write((w) => w.dropCollection({ coll: uuid(1) }));
        await storage.read(async (r) => {
          assert.equal(await r.getCollection({ db: 'a', name: 'x' }), null);
          assert.deepEqual(await toArray(r.scanDocuments({ coll: uuid(1) })), []);
          assert.equal(await r.countDocuments({ coll: uuid(1) }), 0);
          assert.deepEqual(await toArray(r.scanIndex({ coll: uuid(1), index: 'f_1' })), []);
          assert.equal(await r.countDocuments({ coll: uuid(2) }), 2);
          assert.equal((await toArray(r.scanIndex({ coll: uuid(2), index: 'f_1' }))).length, 1);
        });
        await rejectsWith(storage.write((w) => w.dropCollection({ coll: uuid(1) })), 'NamespaceNotFound');
        // The name and the uuid are free again, and the old entries do not come back.
        await storage.write(async (w) => {
          await w.createCollection({ record: record(1, 'a', 'x') });
          await w.insertIndexEntry({ coll: uuid(1), index: 'f_1', key: b(5), recordKey: b(9), unique: true });
        });
        assert.equal(await storage.read((r) => r.countDocuments({ coll: uuid(1) })), 0);
      });
    });

    describe('documents', () => {
      const U = uuid(1);
      const OTHER = uuid(2);

      test('insertDocuments stores rows in order and stops at the first taken key', async () => {
        const row = (k: number, v = k) => ({ key: Buffer.from([k >> 8, k & 0xff]), doc: Buffer.from([v & 0xff]) });
        // More rows than one statement of either SQL engine takes; then a taken key after others, a repeat inside the
        // batch, and nothing at all.
        const rows = Array.from({ length: 1100 }, (_, i) => row(i + 1));
        assert.equal((await storage.write((w) => w.insertDocuments({ coll: U, rows }))).value, 1100);
        assert.equal((await storage.write((w) => w.insertDocuments({ coll: U, rows: [row(2000), row(2001), row(100, 9), row(2002)] }))).value, 2);
        assert.equal((await storage.write((w) => w.insertDocuments({ coll: U, rows: [row(2003), row(2003, 7), row(2004)] }))).value, 1);
        assert.equal((await storage.write((w) => w.insertDocuments({ coll: U, rows: [] }))).value, 0);
        await storage.read(async (r) => {
          const keys = (await toArray(r.scanDocuments({ coll: U }))).map((d) => Buffer.from(d.key).readUInt16BE(0));
          assert.deepEqual(keys, [...rows.map((_, i) => i + 1), 2000, 2001, 2003]);
          const natural = (await toArray(r.scanNatural({ coll: U }))).map((d) => Buffer.from(d.key).readUInt16BE(0));
          assert.deepEqual(natural, keys, 'natural order is the order of the rows');
          assert.deepEqual(await r.getDocument({ coll: U, key: row(100).key }), b(100), 'the taken key keeps its document');
          assert.deepEqual(await r.getDocument({ coll: U, key: row(2003).key }), b(2003 & 0xff));
        });
        // A rolled-back transaction keeps none of its rows.
        await assert.rejects(storage.write(async (w) => {
          await w.insertDocuments({ coll: U, rows: [row(2010), row(2011)] });
          throw new Error('abort');
        }));
        assert.equal(await storage.read((r) => r.getDocument({ coll: U, key: row(2010).key })), null);
      });

      test('catalogVersion moves with catalog changes and rollbacks only', async () => {
        const version = () => storage.read(async (r) => r.catalogVersion());
        const v0 = await version();
        await storage.write((w) => w.insertDocuments({ coll: U, rows: [] }));
        assert.equal(await version(), v0, 'a write that touches no catalog entry leaves it');
        await storage.write((w) => w.createCollection({ record: record(1, 'd', 'c') }));
        const v1 = await version();
        assert.notEqual(v1, v0);
        await assert.rejects(storage.write(async () => {
          throw new Error('abort');
        }));
        assert.notEqual(await version(), v1, 'a rollback may have undone catalog changes');
      });

      test('insert, get, update, delete, count and dataSize', async () => {
        await storage.write(async (w) => {
          await w.insertDocument({ coll: U, key: b(1), doc: b(1, 2, 3) });
          await w.insertDocument({ coll: U, key: b(2), doc: b(4, 5) });
          await w.insertDocument({ coll: OTHER, key: b(1), doc: b(9, 9, 9, 9, 9) });
        });
        await storage.read(async (r) => {
          const doc = await r.getDocument({ coll: U, key: b(1) });
          assert.ok(Buffer.isBuffer(doc));
          assert.deepEqual(doc, b(1, 2, 3));
          assert.equal(await r.getDocument({ coll: U, key: b(3) }), null);
          assert.equal(await r.countDocuments({ coll: U }), 2);
          assert.equal(await r.dataSize({ coll: U }), 5);
          assert.equal(await r.countDocuments({ coll: uuid(7) }), 0);
          assert.equal(await r.dataSize({ coll: uuid(7) }), 0);
        });
        await storage.write(async (w) => {
          await w.updateDocument({ coll: U, key: b(1), doc: b(7) });
          await w.deleteDocument({ coll: U, key: b(2) });
          await w.deleteDocument({ coll: U, key: b(42) }); // absent: no-op
        });
        await storage.read(async (r) => {
          assert.deepEqual(await r.getDocument({ coll: U, key: b(1) }), b(7));
          assert.equal(await r.getDocument({ coll: U, key: b(2) }), null);
          assert.equal(await r.countDocuments({ coll: U }), 1);
          assert.equal(await r.dataSize({ coll: U }), 1);
          assert.deepEqual(await r.getDocument({ coll: OTHER, key: b(1) }), b(9, 9, 9, 9, 9));
        });
      });

      test('a duplicate key is DuplicateKey and leaves the stored document alone', async () => {
        await storage.write((w) => w.insertDocument({ coll: U, key: b(1), doc: b(0xaa) }));
        const err = await rejectsWith(storage.write((w) => w.insertDocument({ coll: U, key: b(1), doc: b(0xbb) })), 'DuplicateKey');
        assert.equal(err.indexName, undefined);
        assert.deepEqual(await storage.read((r) => r.getDocument({ coll: U, key: b(1) })), b(0xaa));
        // The same key in another collection is fine.
        await storage.write((w) => w.insertDocument({ coll: OTHER, key: b(1), doc: b(0xcc) }));
      });

      test('updating a missing document is a caller error, not a StorageError', async () => {
        await assert.rejects(
          storage.write((w) => w.updateDocument({ coll: U, key: b(1), doc: b(2) })),
          (err: unknown) => err instanceof Error && !(err instanceof StorageError),
        );
        assert.equal(await storage.read((r) => r.getDocument({ coll: U, key: b(1) })), null);
      });

      test('stored bytes are copies: the caller may reuse its arrays', async () => {
        const key = new Uint8Array([5]);
        const doc = new Uint8Array([1, 2, 3]);
        await storage.write((w) => w.insertDocument({ coll: U, key, doc }));
        doc[0] = 99;
        key[0] = 6;
        const got = await storage.read((r) => r.getDocument({ coll: U, key: b(5) }));
        assert.deepEqual(got, b(1, 2, 3));
        got![1] = 77;
        assert.deepEqual(await storage.read((r) => r.getDocument({ coll: U, key: b(5) })), b(1, 2, 3));
      });

      describe('scanDocuments', () => {
        // Bytewise order: a proper prefix first, 0xff last.
        const ordered = ['', '00', '01', '0100', '0101', '02', 'ff', 'ff00'];
        beforeEach(async () => {
          const shuffled = ['02', 'ff00', '01', '', 'ff', '0101', '00', '0100'];
          await storage.write(async (w) => {
            for (const k of shuffled) await w.insertDocument({ coll: U, key: Buffer.from(k, 'hex'), doc: Buffer.from(`d${k}`) });
            await w.insertDocument({ coll: OTHER, key: b(0x01, 0x80), doc: b(0) });
          });
        });
        const scan = (range?: OldRange) => storage.read((r) => chunkedBoth((chunkRows) => r.scanDocuments({ coll: U, ...scanArgs(range), ...chunkRows })));
        const h = (s: string) => Buffer.from(s, 'hex');

        test('everything, in byte order, with documents', async () => {
          const rows = await scan();
          assert.deepEqual(hex(rows), ordered);
          assert.deepEqual(rows.map((r) => Buffer.from(r.doc).toString()), ordered.map((k) => `d${k}`));
          assert.ok(rows.every((r) => Buffer.isBuffer(r.key) && Buffer.isBuffer(r.doc)));
        });

        test('each bound alone', async () => {
          assert.deepEqual(hex(await scan({ gte: h('01') })), ['01', '0100', '0101', '02', 'ff', 'ff00']);
          assert.deepEqual(hex(await scan({ gt: h('01') })), ['0100', '0101', '02', 'ff', 'ff00']);
          assert.deepEqual(hex(await scan({ lte: h('01') })), ['', '00', '01']);
          assert.deepEqual(hex(await scan({ lt: h('01') })), ['', '00']);
          assert.deepEqual(hex(await scan({ gte: h('0180') })), ['02', 'ff', 'ff00']);
          assert.deepEqual(hex(await scan({ lt: h('') })), []);
          assert.deepEqual(hex(await scan({ gte: h('') })), ordered);
        });

        test('two bounds, and both lower or both upper bounds together', async () => {
          assert.deepEqual(hex(await scan({ gt: h('01'), lt: h('02') })), ['0100', '0101']);
          assert.deepEqual(hex(await scan({ gte: h('01'), lte: h('02') })), ['01', '0100', '0101', '02']);
          assert.deepEqual(hex(await scan({ gte: h('00'), gt: h('01') })), ['0100', '0101', '02', 'ff', 'ff00']);
          assert.deepEqual(hex(await scan({ lte: h('ff'), lt: h('02') })), ['', '00', '01', '0100', '0101']);
          assert.deepEqual(hex(await scan({ gt: h('02'), lt: h('01') })), []);
          assert.deepEqual(hex(await scan({ gte: h('0101'), lte: h('0101') })), ['0101']);
        });

        test('inspectDocuments: the same rows as scanDocuments, each intact', async () => {
          for (const range of [undefined, { gt: h('01'), limit: 3 }, { lte: h('02'), reverse: true }]) {
            const inspected = await storage.read((r) => chunkedBoth((chunkRows) => r.inspectDocuments({ coll: U, ...scanArgs(range), ...chunkRows })));
            const scanned = await scan(range);
            assert.deepEqual(inspected.map((d) => ({ key: d.key, doc: d.doc })), scanned);
            assert.ok(inspected.every((d) => d.intact === true));
          }
        });

        test('reverse and limit', async () => {
          assert.deepEqual(hex(await scan({ reverse: true })), [...ordered].reverse());
          assert.deepEqual(hex(await scan({ limit: 3 })), ['', '00', '01']);
          assert.deepEqual(hex(await scan({ reverse: true, limit: 2 })), ['ff00', 'ff']);
          assert.deepEqual(hex(await scan({ gte: h('01'), lt: h('ff'), reverse: true, limit: 2 })), ['02', '0101']);
          assert.deepEqual(hex(await scan({ gt: h('00'), lte: h('0100'), reverse: true })), ['0100', '01']);
          assert.deepEqual(hex(await scan({ limit: 0 })), []);
          assert.deepEqual(hex(await scan({ limit: 100 })), ordered);
          await assert.rejects(scan({ limit: -1 }), RangeError);
          await assert.rejects(scan({ limit: 1.5 }), RangeError);
        });
      });
      describe('scanNatural', () => {
        // Inserted out of key order, interleaved with another collection's documents.
        const inserted = ['05', '01', '09', '03', '07'];
        beforeEach(async () => {
          await storage.write(async (w) => {
            for (const k of inserted) {
              await w.insertDocument({ coll: U, key: Buffer.from(k, 'hex'), doc: Buffer.from(`d${k}`) });
              await w.insertDocument({ coll: OTHER, key: Buffer.from(k, 'hex'), doc: b(0) });
            }
          });
        });
        const natural = (range?: OldRange & { after?: number }) => storage.read((r) => chunkedBoth((chunkRows) => r.scanNatural({ coll: U, ...scanArgs(range), ...chunkRows })));

        test('insertion order forward and backward, with documents and increasing positions', async () => {
          const rows = await natural();
          assert.deepEqual(hex(rows), inserted);
          assert.deepEqual(rows.map((r) => Buffer.from(r.doc).toString()), inserted.map((k) => `d${k}`));
          for (let i = 1; i < rows.length; i++) assert.ok(rows[i]!.position > rows[i - 1]!.position);
          assert.deepEqual(hex(await natural({ reverse: true })), [...inserted].reverse());
          assert.deepEqual(await storage.read((r) => toArray(r.scanNatural({ coll: uuid(7) }))), []);
        });

        test('resumes after a position in either direction, limited', async () => {
          const rows = await natural();
          const third = rows[2]!.position;
          assert.deepEqual(hex(await natural({ after: third })), ['03', '07']);
          assert.deepEqual(hex(await natural({ after: third, limit: 1 })), ['03']);
          assert.deepEqual(hex(await natural({ after: third, reverse: true })), ['01', '05']);
          assert.deepEqual(hex(await natural({ reverse: true, limit: 2 })), ['07', '03']);
          assert.deepEqual(hex(await natural({ after: rows[4]!.position })), []);
          assert.deepEqual(hex(await natural({ limit: 0 })), []);
          await assert.rejects(natural({ limit: -1 }), RangeError);
          await assert.rejects(natural({ after: 1.5 }), RangeError);
        });

        test('an update keeps the position; a delete leaves a gap; a later insert goes last', async () => {
          const before = await natural();
          await storage.write(async (w) => {
            await w.updateDocument({ coll: U, key: b(0x05), doc: Buffer.from('grown to a much longer document') });
            await w.deleteDocument({ coll: U, key: b(0x09) });
            await w.insertDocument({ coll: U, key: b(0x00), doc: b(1) });
          });
          const after = await natural();
          assert.deepEqual(hex(after), ['05', '01', '03', '07', '00']);
          assert.equal(after[0]!.position, before[0]!.position);
          assert.equal(Buffer.from(after[0]!.doc).toString(), 'grown to a much longer document');
          assert.ok(after[4]!.position > before[4]!.position);
          // Resuming after the deleted document's position continues with the ones inserted after it.
          assert.deepEqual(hex(await natural({ after: before[2]!.position })), ['03', '07', '00']);
        });

        test('a rolled-back insert leaves the order as it was', async () => {
          await assert.rejects(storage.write(async (w) => {
            await w.insertDocument({ coll: U, key: b(0x0a), doc: b(1) });
            throw new Error('roll back');
          }));
          await storage.write((w) => w.insertDocument({ coll: U, key: b(0x0b), doc: b(1) }));
          assert.deepEqual(hex(await natural()), [...inserted, '0b']);
        });
      });
    });

    describe('index entries', () => {
      const U = uuid(1);
      const scan = (name: string, range?: OldRange, after?: IndexPosition) =>
        storage.read(async (r) =>
          (await chunkedBoth((chunkRows) => r.scanIndex({ coll: U, index: name, ...scanArgs(range), ...(after ? { after } : {}), ...chunkRows }))).map(
            (e) => `${Buffer.from(e.key).toString('hex')}:${Buffer.from(e.recordKey).toString('hex')}`,
          ),
        );

      test('non-unique: duplicates kept, ordered by key then record key', async () => {
        await storage.write(async (w) => {
          await w.insertIndexEntry({ coll: U, index: 'a_1', key: b(2), recordKey: b(0x0b), unique: false });
          await w.insertIndexEntry({ coll: U, index: 'a_1', key: b(1), recordKey: b(0x0c), unique: false });
          await w.insertIndexEntry({ coll: U, index: 'a_1', key: b(2), recordKey: b(0x0a), unique: false });
          await w.insertIndexEntry({ coll: U, index: 'a_1', key: b(1, 0), recordKey: b(0x0a), unique: false });
          await w.insertIndexEntry({ coll: U, index: 'a_1', key: b(2), recordKey: b(0x0a), unique: false }); // the same pair again: no-op
          await w.insertIndexEntry({ coll: U, index: 'b_1', key: b(1), recordKey: b(0x0a), unique: false });
          await w.insertIndexEntry({ coll: uuid(2), index: 'a_1', key: b(1), recordKey: b(0x0d), unique: false });
        });
        assert.deepEqual(await scan('a_1'), ['01:0c', '0100:0a', '02:0a', '02:0b']);
        assert.deepEqual(await scan('a_1', { reverse: true }), ['02:0b', '02:0a', '0100:0a', '01:0c']);
        assert.deepEqual(await scan('b_1'), ['01:0a']);
        assert.deepEqual(await scan('none'), []);
        const rows = await storage.read((r) => toArray(r.scanIndex({ coll: U, index: 'a_1', limit: 1 })));
        assert.ok(Buffer.isBuffer(rows[0]?.key) && Buffer.isBuffer(rows[0]?.recordKey));
      });

      test('scanIndex ranges apply to the index key', async () => {
        await storage.write(async (w) => {
          for (const [k, r] of [[1, 1], [2, 1], [2, 2], [3, 1], [4, 1]] as const) {
            await w.insertIndexEntry({ coll: U, index: 'a_1', key: b(k), recordKey: b(r), unique: false });
          }
        });
        assert.deepEqual(await scan('a_1', { gte: b(2), lt: b(3) }), ['02:01', '02:02']);
        assert.deepEqual(await scan('a_1', { gt: b(2) }), ['03:01', '04:01']);
        assert.deepEqual(await scan('a_1', { lte: b(2), reverse: true }), ['02:02', '02:01', '01:01']);
        assert.deepEqual(await scan('a_1', { gte: b(2), limit: 2 }), ['02:01', '02:02']);
        assert.deepEqual(await scan('a_1', { reverse: true, limit: 1 }), ['04:01']);
        assert.deepEqual(await scan('a_1', { gt: b(4) }), []);
      });

      test('countIndex counts the entries of a key range, whatever its limit and direction', async () => {
        await storage.write(async (w) => {
          for (const [k, r] of [[1, 1], [2, 1], [2, 2], [2, 3], [3, 1]] as const) await w.insertIndexEntry({ coll: U, index: 'a_1', key: b(k), recordKey: b(r), unique: false });
          await w.insertIndexEntry({ coll: U, index: 'b_1', key: b(2), recordKey: b(1), unique: false });
        });
        await storage.read(async (r) => {
          assert.equal(await r.countIndex({ coll: U, index: 'a_1' }), 5);
          assert.equal(await r.countIndex({ coll: U, index: 'a_1', range: { gte: b(2), lt: b(3) } }), 3);
          assert.equal(await r.countIndex({ coll: U, index: 'a_1', range: { gt: b(1), lte: b(3), reverse: true } }), 4);
          assert.equal(await r.countIndex({ coll: U, index: 'a_1', range: { gt: b(3) } }), 0);
          assert.equal(await r.countIndex({ coll: U, index: 'none' }), 0);
        });
      });

      test('scanIndex resumes after a (key, record key) position, within one key and across keys, both ways', async () => {
        await storage.write(async (w) => {
          for (const [k, r] of [[1, 1], [2, 1], [2, 2], [2, 3], [3, 1]] as const) await w.insertIndexEntry({ coll: U, index: 'a_1', key: b(k), recordKey: b(r), unique: false });
        });
        assert.deepEqual(await scan('a_1', { limit: 2 }, { key: b(2), recordKey: b(1) }), ['02:02', '02:03']);
        assert.deepEqual(await scan('a_1', { gte: b(2), lte: b(2) }, { key: b(2), recordKey: b(2) }), ['02:03']);
        assert.deepEqual(await scan('a_1', undefined, { key: b(2), recordKey: b(3) }), ['03:01']);
        assert.deepEqual(await scan('a_1', { reverse: true }, { key: b(2), recordKey: b(2) }), ['02:01', '01:01']);
        assert.deepEqual(await scan('a_1', { reverse: true, gte: b(2), limit: 5 }, { key: b(3), recordKey: b(1) }), ['02:03', '02:02', '02:01']);
        assert.deepEqual(await scan('a_1', undefined, { key: b(9), recordKey: b(0) }), []);
      });

      test('unique: another record with the key is DuplicateKey naming the index; the same record is fine', async () => {
        await storage.write(async (w) => {
          await w.insertIndexEntry({ coll: U, index: 'email_1', key: b(1), recordKey: b(0x0a), unique: true });
          await w.insertIndexEntry({ coll: U, index: 'email_1', key: b(1), recordKey: b(0x0a), unique: true }); // repeated value in one record
          await w.insertIndexEntry({ coll: U, index: 'email_1', key: b(1, 0), recordKey: b(0x0b), unique: true }); // prefix-related keys differ
          await w.insertIndexEntry({ coll: U, index: 'other_1', key: b(1), recordKey: b(0x0b), unique: true }); // uniqueness is per index
          await w.insertIndexEntry({ coll: uuid(2), index: 'email_1', key: b(1), recordKey: b(0x0b), unique: true }); // and per collection
        });
        const err = await rejectsWith(
          storage.write((w) => w.insertIndexEntry({ coll: U, index: 'email_1', key: b(1), recordKey: b(0x0c), unique: true })),
          'DuplicateKey',
          'email_1',
        );
        assert.match(err.message, /email_1/);
        assert.deepEqual(await scan('email_1'), ['01:0a', '0100:0b']);
        // A non-unique insert is not checked (the caller decides per index).
        await storage.write((w) => w.insertIndexEntry({ coll: U, index: 'email_1', key: b(1), recordKey: b(0x0c), unique: false }));
        assert.deepEqual(await scan('email_1'), ['01:0a', '01:0c', '0100:0b']);
      });

      test('deleteIndexEntry and dropIndexEntries', async () => {
        await storage.write(async (w) => {
          await w.insertIndexEntry({ coll: U, index: 'a_1', key: b(1), recordKey: b(1), unique: true });
          await w.insertIndexEntry({ coll: U, index: 'a_1', key: b(2), recordKey: b(2), unique: true });
          await w.insertIndexEntry({ coll: U, index: 'b_1', key: b(1), recordKey: b(1), unique: false });
        });
        await storage.write(async (w) => {
          await w.deleteIndexEntry({ coll: U, index: 'a_1', key: b(1), recordKey: b(1) });
          await w.deleteIndexEntry({ coll: U, index: 'a_1', key: b(2), recordKey: b(9) }); // wrong record: no-op
          await w.deleteIndexEntry({ coll: U, index: 'zzz', key: b(2), recordKey: b(2) }); // no such index: no-op
        });
        assert.deepEqual(await scan('a_1'), ['02:02']);
        // The freed unique key can be taken by another record.
        await storage.write((w) => w.insertIndexEntry({ coll: U, index: 'a_1', key: b(1), recordKey: b(3), unique: true }));
        await storage.write(async (w) => {
          await w.dropIndexEntries({ coll: U, index: 'a_1' });
          await w.dropIndexEntries({ coll: U, index: 'never' });
        });
        assert.deepEqual(await scan('a_1'), []);
        assert.deepEqual(await scan('b_1'), ['01:01']);
      });
    });

    describe('scans: chunks, laziness and resumption', () => {
      const U = uuid(1);
      const keysOf = (rows: { key: Uint8Array }[]) => rows.map((r) => Buffer.from(r.key)[0]!);
      const entriesOf = (rows: { key: Uint8Array; recordKey: Uint8Array }[]) => rows.map((e) => `${Buffer.from(e.key)[0]}:${Buffer.from(e.recordKey)[0]}`);
      beforeEach(async () => {
        // Documents 2, 4, 6, 8 and 10, each indexed under a_1 by half its key.
        await storage.write(async (w) => {
          for (const k of [2, 4, 6, 8, 10]) {
            await w.insertDocument({ coll: U, key: b(k), doc: b(k, k) });
            await w.insertIndexEntry({ coll: U, index: 'a_1', key: b(k / 2), recordKey: b(k), unique: false });
          }
        });
      });

      test('a document scan reads its next chunk only once the current one is consumed: a write in between is seen', async () => {
        const seen = await storage.write(async (w) => {
          const rows = w.scanDocuments({ coll: U, chunkRows: 2 })[Symbol.asyncIterator]();
          const out: number[] = [];
          for (let i = 0; i < 2; i++) out.push(Buffer.from((await rows.next()).value!.key)[0]!);
          // Past the first chunk: a new document ahead is read, a deleted one is not, one behind stays behind.
          await w.insertDocument({ coll: U, key: b(5), doc: b(5) });
          await w.deleteDocument({ coll: U, key: b(6) });
          await w.insertDocument({ coll: U, key: b(1), doc: b(1) });
          for (let r = await rows.next(); !r.done; r = await rows.next()) out.push(Buffer.from(r.value.key)[0]!);
          return out;
        });
        assert.deepEqual(seen.value, [2, 4, 5, 8, 10]);
      });

      test('index, joined and natural scans are lazy the same way', async () => {
        await storage.write(async (w) => {
          const index = w.scanIndex({ coll: U, index: 'a_1', chunkRows: 2 })[Symbol.asyncIterator]();
          const joined = w.scanIndexDocuments({ coll: U, index: 'a_1', chunkRows: 2 })[Symbol.asyncIterator]();
          const natural = w.scanNatural({ coll: U, chunkRows: 2 })[Symbol.asyncIterator]();
          for (let i = 0; i < 2; i++) {
            await index.next();
            await joined.next();
            await natural.next();
          }
          await w.insertIndexEntry({ coll: U, index: 'a_1', key: b(3), recordKey: b(7), unique: false });
          await w.insertDocument({ coll: U, key: b(7), doc: b(7) });
          await w.deleteIndexEntry({ coll: U, index: 'a_1', key: b(4), recordKey: b(8) });
          await w.deleteDocument({ coll: U, key: b(8) });
          const rest = async <T>(it: AsyncIterator<T>) => {
            const out: T[] = [];
            for (let r = await it.next(); !r.done; r = await it.next()) out.push(r.value);
            return out;
          };
          assert.deepEqual(entriesOf(await rest(index)), ['3:6', '3:7', '5:10']);
          const joinedRest = await rest(joined);
          assert.deepEqual(entriesOf(joinedRest), ['3:6', '3:7', '5:10']);
          assert.deepEqual(joinedRest.map((e) => [...e.doc]), [[6, 6], [7], [10, 10]]);
          assert.deepEqual(keysOf(await rest(natural)), [6, 10, 7]);
        });
      });

      test('a scan stopped early leaves the handle usable, and no scan outlives its callback', async () => {
        const scan = await storage.read(async (r) => {
          for await (const row of r.scanDocuments({ coll: U, chunkRows: 1 })) {
            assert.equal(Buffer.from(row.key)[0], 2);
            break;
          }
          assert.equal(await r.countDocuments({ coll: U }), 5);
          return r.scanDocuments({ coll: U });
        });
        await assert.rejects(toArray(scan));
      });

      test('after: resumes past a document key in either direction, stored or not, within the range', async () => {
        const scan = (options: Omit<Parameters<StorageReader['scanDocuments']>[0], 'coll'>) => storage.read((r) => chunkedBoth((c) => r.scanDocuments({ coll: U, ...options, ...c })));
        assert.deepEqual(keysOf(await scan({ after: b(4) })), [6, 8, 10]);
        assert.deepEqual(keysOf(await scan({ after: b(5) })), [6, 8, 10]);
        assert.deepEqual(keysOf(await scan({ after: b(6), range: { reverse: true } })), [4, 2]);
        assert.deepEqual(keysOf(await scan({ after: b(2), range: { gte: b(6) } })), [6, 8, 10]);
        assert.deepEqual(keysOf(await scan({ after: b(8), range: { gt: b(3) } })), [10]);
        assert.deepEqual(keysOf(await scan({ after: b(8), range: { gte: b(4), lt: b(10), reverse: true } })), [6, 4]);
        assert.deepEqual(keysOf(await scan({ after: b(1), limit: 2 })), [2, 4]);
        assert.deepEqual(keysOf(await scan({ after: b(10) })), []);
      });

      test('a scan resumed in a later transaction after its last row goes on where it stopped, whatever changed', async () => {
        const first = await storage.read((r) => toArray(r.scanDocuments({ coll: U, limit: 2 })));
        const index = await storage.read((r) => toArray(r.scanIndex({ coll: U, index: 'a_1', limit: 3 })));
        const natural = await storage.read((r) => toArray(r.scanNatural({ coll: U, limit: 2 })));
        await storage.write(async (w) => {
          await w.deleteDocument({ coll: U, key: b(4) });
          await w.insertDocument({ coll: U, key: b(3), doc: b(3) });
          await w.insertDocument({ coll: U, key: b(9), doc: b(9) });
        });
        const rest = await storage.read((r) => toArray(r.scanDocuments({ coll: U, after: first[first.length - 1]!.key })));
        assert.deepEqual([...keysOf(first), ...keysOf(rest)], [2, 4, 6, 8, 9, 10]);
        const indexRest = await storage.read((r) => toArray(r.scanIndexDocuments({ coll: U, index: 'a_1', after: index[2]! })));
        assert.deepEqual(entriesOf(indexRest), ['4:8', '5:10']);
        const naturalRest = await storage.read((r) => toArray(r.scanNatural({ coll: U, after: natural[1]!.position })));
        assert.deepEqual(keysOf(naturalRest), [6, 8, 10, 3, 9]);
      });

      test('scanIndexDocuments joins entries to their documents and skips an entry whose document is gone', async () => {
        await storage.write(async (w) => {
          await w.deleteDocument({ coll: U, key: b(4) });
          await w.deleteDocument({ coll: U, key: b(6) });
        });
        const scan = (options: Omit<Parameters<StorageReader['scanIndexDocuments']>[0], 'coll' | 'index'>) =>
          storage.read((r) => chunkedBoth((c) => r.scanIndexDocuments({ coll: U, index: 'a_1', ...options, ...c })));
        const all = await scan({});
        assert.deepEqual(entriesOf(all), ['1:2', '4:8', '5:10']);
        assert.deepEqual(all.map((e) => [...e.doc]), [[2, 2], [8, 8], [10, 10]]);
        // The limit counts rows handed out, so skipped entries do not use it up.
        assert.deepEqual(entriesOf(await scan({ limit: 2 })), ['1:2', '4:8']);
        assert.deepEqual(entriesOf(await scan({ range: { reverse: true }, limit: 2 })), ['5:10', '4:8']);
        assert.deepEqual(entriesOf(await scan({ range: { gte: b(2), lt: b(5) } })), ['4:8']);
        assert.deepEqual(entriesOf(await scan({ after: { key: b(1), recordKey: b(2) } })), ['4:8', '5:10']);
        assert.deepEqual(await scan({ limit: 0 }), []);
      });

      test('getDocuments: the documents of many keys in their order, null where there is none', async () => {
        const docs = await storage.read((r) => r.getDocuments({ coll: U, keys: [b(8), b(3), b(2), b(8)] }));
        assert.deepEqual(docs.map((d) => (d === null ? null : [...d])), [[8, 8], null, [2, 2], [8, 8]]);
        assert.deepEqual(await storage.read((r) => r.getDocuments({ coll: uuid(9), keys: [b(2)] })), [null]);
        assert.deepEqual(await storage.read((r) => r.getDocuments({ coll: U, keys: [] })), []);
      });

      test('bad scan options are a RangeError', async () => {
        await storage.read(async (r) => {
          await assert.rejects(toArray(r.scanDocuments({ coll: U, chunkRows: 0 })), RangeError);
          await assert.rejects(toArray(r.scanDocuments({ coll: U, after: 3 })), RangeError);
          await assert.rejects(toArray(r.scanIndex({ coll: U, index: 'a_1', after: b(1) })), RangeError);
          await assert.rejects(toArray(r.scanNatural({ coll: U, after: b(1) })), RangeError);
        });
      });
    });

    describe('oplog', () => {
      // Real cluster times sit above 2^32; seconds from 2^31 (year 2038) set the top bit of the 64-bit value.
      const t1 = 5n;
      const t2 = ts(1n, 1n);
      const t3 = ts(1_700_000_000n, 1n);
      const t4 = ts(1_700_000_000n, 2n);
      const t5 = ts(1n << 31n, 0n);
      const t6 = ts((1n << 32n) - 1n, 7n);
      const all = [t1, t2, t3, t4, t5, t6];
      const entryOf = (t: bigint) => Buffer.from(`e${t}`);
      const append = (times: bigint[]) =>
        storage.write((w) => w.appendOplog({ entries: times.map((t) => ({ ts: t, entry: entryOf(t) })) }));

      test('readOplogBefore: newest first, below a time, limited', async () => {
        await append(all);
        const before = (t: bigint, limit: number) => storage.read((r) => r.readOplogBefore({ before: t, limit }));
        assert.deepEqual((await before(t5, 10)).map((e) => e.ts), [t4, t3, t2, t1]);
        assert.deepEqual((await before(t4 + 1n, 2)).map((e) => e.ts), [t4, t3]);
        assert.deepEqual((await before(t6 + 1n, 1)).map((e) => [e.ts, Buffer.from(e.entry).toString()]), [[t6, `e${t6}`]]);
        assert.deepEqual(await before(t1, 10), []);
        assert.deepEqual(await before(t6 + 1n, 0), []);
      });

      test('empty', async () => {
        await storage.read(async (r) => {
          assert.deepEqual(await r.readOplog({ after: 0n, limit: 10 }), []);
          assert.equal(await r.oplogBounds(), null);
          assert.equal(await r.oplogSizeBytes(), 0);
          assert.equal(await r.getOplogEntry({ ts: t1 }), null);
        });
      });

      test('append and read back exact bigint times in order', async () => {
        await append([t1, t2, t3]);
        await append([t4, t5, t6]);
        await storage.read(async (r) => {
          const every = await r.readOplog({ after: -1n, limit: 100 });
          assert.deepEqual(every.map((e) => e.ts), all);
          assert.deepEqual(every.map((e) => Buffer.from(e.entry)), all.map(entryOf));
          assert.ok(every.every((e) => typeof e.ts === 'bigint' && Buffer.isBuffer(e.entry)));
          assert.deepEqual((await r.readOplog({ after: 0n, limit: 100 })).map((e) => e.ts), all);
          assert.deepEqual((await r.readOplog({ after: t1, limit: 100 })).map((e) => e.ts), [t2, t3, t4, t5, t6]);
          assert.deepEqual((await r.readOplog({ after: t3, limit: 2 })).map((e) => e.ts), [t4, t5]);
          assert.deepEqual((await r.readOplog({ after: t4 - 1n, limit: 10 })).map((e) => e.ts), [t4, t5, t6]);
          assert.deepEqual((await r.readOplog({ after: t4 + 1n, limit: 10 })).map((e) => e.ts), [t5, t6]);
          assert.deepEqual((await r.readOplog({ after: t6, limit: 10 })).map((e) => e.ts), []);
          assert.deepEqual((await r.readOplog({ after: (1n << 64n) - 1n, limit: 10 })).map((e) => e.ts), []);
          assert.deepEqual(await r.readOplog({ after: 0n, limit: 0 }), []);
          assert.deepEqual(await r.oplogEntrySizes({ after: -1n, limit: 100 }), every.map((e) => ({ ts: e.ts, bytes: e.entry.byteLength })));
          assert.deepEqual((await r.oplogEntrySizes({ after: t3, limit: 2 })).map((e) => e.ts), [t4, t5]);
          assert.deepEqual(await r.oplogEntrySizes({ after: t6, limit: 10 }), []);
          assert.deepEqual(await r.oplogEntrySizes({ after: 0n, limit: 0 }), []);
          await assert.rejects(r.readOplog({ after: 0n, limit: -1 }), RangeError);

          assert.deepEqual(await r.getOplogEntry({ ts: t5 }), entryOf(t5));
          assert.deepEqual(await r.getOplogEntry({ ts: t1 }), entryOf(t1));
          assert.equal(await r.getOplogEntry({ ts: t4 + 1n }), null);
          assert.equal(await r.getOplogEntry({ ts: -1n }), null);
          assert.equal(await r.getOplogEntry({ ts: 1n << 64n }), null);

          assert.deepEqual(await r.oplogBounds(), { first: t1, last: t6 });
          const bytes = all.reduce((sum, t) => sum + entryOf(t).length, 0);
          assert.equal(await r.oplogSizeBytes(), bytes);
        });
      });

      test('out-of-order or out-of-range times are refused and store nothing', async () => {
        await append([t3]);
        await assert.rejects(append([t4, t4]), RangeError);
        await assert.rejects(append([t5, t4]), RangeError);
        await assert.rejects(append([t2]), RangeError); // below the newest stored
        await assert.rejects(append([t3]), RangeError); // equal to it
        await assert.rejects(append([t4, 1n << 64n]), RangeError);
        await assert.rejects(append([-1n]), RangeError);
        await storage.read(async (r) => {
          assert.deepEqual((await r.readOplog({ after: -1n, limit: 10 })).map((e) => e.ts), [t3]);
          assert.equal(await r.oplogSizeBytes(), entryOf(t3).length);
        });
        await append([]);
        await append([t4]);
      });

      test('truncateOplogBefore removes strictly older entries', async () => {
        await append(all);
        await storage.write((w) => w.truncateOplogBefore({ ts: 0n }));
        assert.equal((await storage.read((r) => r.readOplog({ after: -1n, limit: 10 }))).length, 6);
        await storage.write((w) => w.truncateOplogBefore({ ts: t3 }));
        await storage.read(async (r) => {
          assert.deepEqual((await r.readOplog({ after: -1n, limit: 10 })).map((e) => e.ts), [t3, t4, t5, t6]);
          assert.deepEqual(await r.oplogBounds(), { first: t3, last: t6 });
          assert.equal(await r.oplogSizeBytes(), [t3, t4, t5, t6].reduce((s, t) => s + entryOf(t).length, 0));
          assert.equal(await r.getOplogEntry({ ts: t2 }), null);
        });
        await storage.write((w) => w.truncateOplogBefore({ ts: t5 + 1n }));
        assert.deepEqual(await storage.read((r) => r.oplogBounds()), { first: t6, last: t6 });
        await storage.write((w) => w.truncateOplogBefore({ ts: 1n << 64n }));
        await storage.read(async (r) => {
          assert.equal(await r.oplogBounds(), null);
          assert.equal(await r.oplogSizeBytes(), 0);
        });
        // Only retained entries bound the next append (the cluster clock, not storage, keeps time moving forward).
        await append([t1]);
        assert.deepEqual(await storage.read((r) => r.oplogBounds()), { first: t1, last: t1 });
      });
    });

    describe('meta', () => {
      test('get, set and overwrite', async () => {
        assert.equal(await storage.read((r) => r.getMeta({ key: 'clusterTime' })), null);
        await storage.write(async (w) => {
          await w.setMeta({ key: 'clusterTime', value: '123' });
          await w.setMeta({ key: 'other', value: '' });
          assert.equal(await w.getMeta({ key: 'clusterTime' }), '123'); // a writer reads its own writes
        });
        await storage.write((w) => w.setMeta({ key: 'clusterTime', value: '124' }));
        await storage.read(async (r) => {
          assert.equal(await r.getMeta({ key: 'clusterTime' }), '124');
          assert.equal(await r.getMeta({ key: 'other' }), '');
          assert.equal(await r.getMeta({ key: 'missing' }), null);
        });
      });
    });

    describe('transactions', () => {
      const A = uuid(1);
      const B = uuid(2);
      const C = uuid(3);
      const INDEXES = ['a_1', 'b_1'];
      const META = ['k1', 'k2'];

      async function seed(): Promise<void> {
        await storage.write(async (w) => {
          await w.createCollection({ record: record(1, 'db', 'a') });
          await w.createCollection({ record: record(2, 'db', 'b') });
          await w.insertDocument({ coll: A, key: b(1), doc: b(0xa1) });
          await w.insertDocument({ coll: A, key: b(2), doc: b(0xa2) });
          await w.insertDocument({ coll: B, key: b(1), doc: b(0xb1) });
          await w.insertIndexEntry({ coll: A, index: 'a_1', key: b(1), recordKey: b(1), unique: true });
          await w.insertIndexEntry({ coll: A, index: 'b_1', key: b(7), recordKey: b(2), unique: false });
          await w.insertIndexEntry({ coll: B, index: 'a_1', key: b(1), recordKey: b(1), unique: false });
          await w.appendOplog({ entries: [
            { ts: ts(100n, 1n), entry: b(1) },
            { ts: ts(100n, 2n), entry: b(2, 2) },
          ] });
          await w.setMeta({ key: 'k1', value: 'v1' });
        });
      }

      test('a thrown error rolls back every kind of write', async () => {
        await seed();
        const before = await snapshot(storage, [A, B, C], INDEXES, META);
        const boom = new Error('boom');
        // The oplog size is read first so that any cache of it is warm when the rollback happens.
        assert.equal(await storage.read((r) => r.oplogSizeBytes()), 3);
        const thrown = await storage
          .write(async (w) => {
            await w.createCollection({ record: record(3, 'db', 'c') });
            await w.insertDocument({ coll: C, key: b(1), doc: b(0xc1) });
            await w.insertIndexEntry({ coll: C, index: 'a_1', key: b(1), recordKey: b(1), unique: true });
            await w.insertDocument({ coll: A, key: b(3), doc: b(0xa3) });
            await w.updateDocument({ coll: A, key: b(1), doc: b(0xff) });
            await w.deleteDocument({ coll: A, key: b(2) });
            await w.insertIndexEntry({ coll: A, index: 'a_1', key: b(3), recordKey: b(3), unique: true });
            await w.deleteIndexEntry({ coll: A, index: 'a_1', key: b(1), recordKey: b(1) });
            await w.dropIndexEntries({ coll: A, index: 'b_1' });
            await w.updateCollection({ record: { ...record(1, 'db', 'a'), options: b(0), indexes: [] } });
            await w.renameCollection({ coll: A, toDb: 'db2', toName: 'a2' });
            await w.dropCollection({ coll: B });
            await w.createCollection({ record: record(2, 'db', 'b') }); // same name and uuid again, now empty
            await w.appendOplog({ entries: [{ ts: ts(200n, 1n), entry: b(9, 9, 9, 9) }] });
            assert.equal(await w.oplogSizeBytes(), 7);
            await w.truncateOplogBefore({ ts: ts(150n, 0n) });
            assert.equal(await w.oplogSizeBytes(), 4);
            await w.setMeta({ key: 'k1', value: 'changed' });
            await w.setMeta({ key: 'k2', value: 'new' });
            throw boom;
          })
          .catch((err: unknown) => err);
        assert.equal(thrown, boom, 'write() rejects with the callback error itself');
        assert.deepEqual(await snapshot(storage, [A, B, C], INDEXES, META), before);
        // Everything still works after a rollback.
        await storage.write((w) => w.insertDocument({ coll: A, key: b(3), doc: b(0xa3) }));
        assert.equal(await storage.read((r) => r.countDocuments({ coll: A })), 3);
      });

      test('a caught StorageError leaves no trace, and the rest of the transaction commits', async () => {
        await seed();
        await storage.write(async (w) => {
          await rejectsWith(w.insertDocument({ coll: A, key: b(1), doc: b(0) }), 'DuplicateKey');
          await rejectsWith(w.insertIndexEntry({ coll: A, index: 'a_1', key: b(1), recordKey: b(9), unique: true }), 'DuplicateKey', 'a_1');
          await rejectsWith(w.createCollection({ record: record(5, 'db', 'a') }), 'NamespaceExists');
          await assert.rejects(w.appendOplog({ entries: [{ ts: ts(300n, 1n), entry: b(1) }, { ts: ts(300n, 1n), entry: b(1) }] }), RangeError);
          await w.insertDocument({ coll: A, key: b(9), doc: b(0xa9) });
        });
        await storage.read(async (r) => {
          assert.deepEqual(await r.getDocument({ coll: A, key: b(1) }), b(0xa1));
          assert.deepEqual(await r.getDocument({ coll: A, key: b(9) }), b(0xa9));
          assert.equal((await toArray(r.scanIndex({ coll: A, index: 'a_1' }))).length, 1);
          assert.equal(await r.getCollection({ db: 'db', name: 'a' }).then((c) => c?.uuid), A);
          assert.deepEqual((await r.oplogBounds())?.last, ts(100n, 2n));
        });
      });

      test('a read handle cannot write, and no handle works after its callback', async () => {
        await assert.rejects(
          storage.read((r) => (r as StorageWriter).setMeta({ key: 'k1', value: 'x' })),
          /inside read/,
        );
        assert.equal(await storage.read((r) => r.getMeta({ key: 'k1' })), null);
        let leaked: StorageWriter | undefined;
        await storage.write(async (w) => {
          leaked = w;
        });
        await assert.rejects(leaked!.setMeta({ key: 'k1', value: 'late' }), /after its read\(\)\/write\(\) callback/);
        await assert.rejects(leaked!.getMeta({ key: 'k1' }), /after its read\(\)\/write\(\) callback/);
        let leakedReader: StorageReader | undefined;
        await storage.read(async (r) => {
          leakedReader = r;
        });
        await assert.rejects(leakedReader!.getMeta({ key: 'k1' }), /after/);
        assert.equal(await storage.read((r) => r.getMeta({ key: 'k1' })), null);
      });
    });

    describe('serialisation', () => {
      test('concurrent write() calls never interleave, and reads see only committed state', async () => {
        const log: string[] = [];
        const writer = (name: string) =>
          storage.write(async (w) => {
            log.push(`${name} start`);
            await w.setMeta({ key: 'owner', value: name });
            await tick();
            await new Promise((resolve) => setTimeout(resolve, 5));
            assert.equal(await w.getMeta({ key: 'owner' }), name, `${name} saw another writer's value`);
            await w.setMeta({ key: `done-${name}`, value: 'yes' });
            await tick();
            log.push(`${name} end`);
            return name;
          });
        const reader = storage.read(async (r) => {
          log.push('read');
          return [await r.getMeta({ key: 'owner' }), await r.getMeta({ key: 'done-A' }), await r.getMeta({ key: 'done-B' })];
        });
        const a = writer('A');
        const failing = storage.write(async (w) => {
          log.push('F start');
          await w.setMeta({ key: 'owner', value: 'F' });
          await tick();
          log.push('F end');
          throw new Error('fail');
        });
        const b2 = writer('B');
        const readerAfter = storage.read(async (r) => r.getMeta({ key: 'owner' }));
        const results = await Promise.allSettled([reader, a, failing, b2, readerAfter]);
        assert.deepEqual(
          results.map((r) => r.status),
          ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
        );
        // Everything runs in call order, each callback from start to end before the next begins.
        assert.deepEqual(log, ['read', 'A start', 'A end', 'F start', 'F end', 'B start', 'B end']);
        assert.deepEqual((results[0] as PromiseFulfilledResult<unknown>).value, [null, null, null]);
        assert.equal((results[4] as PromiseFulfilledResult<unknown>).value, 'B');
      });

      test('a read issued while a write awaits waits for its commit', async () => {
        let release!: () => void;
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        const w = storage.write(async (wr) => {
          await wr.setMeta({ key: 'x', value: 'uncommitted?' });
          await gate;
          await wr.setMeta({ key: 'x', value: 'final' });
        });
        await tick();
        let readDone = false;
        const r = storage.read((rd) => rd.getMeta({ key: 'x' })).then((v) => {
          readDone = true;
          return v;
        });
        await tick();
        await tick();
        assert.equal(readDone, false, 'the read ran while a write transaction was open');
        release();
        await w;
        assert.equal(await r, 'final');
      });
    });

    describe('close', () => {
      test('waits for queued work, then refuses everything with Closed; closing twice is harmless', async () => {
        const order: string[] = [];
        const pending = storage.write(async (w) => {
          await tick();
          await w.setMeta({ key: 'k', value: 'v' });
          order.push('write');
        });
        const queuedRead = storage.read((r) => r.getMeta({ key: 'k' }));
        const closing = storage.close().then(() => order.push('closed'));
        await rejectsWith(storage.read((r) => r.getMeta({ key: 'k' })), 'Closed');
        await pending;
        assert.equal(await queuedRead, 'v');
        await closing;
        assert.deepEqual(order, ['write', 'closed']);
        await rejectsWith(storage.read((r) => r.getMeta({ key: 'k' })), 'Closed');
        await rejectsWith(storage.write((w) => w.setMeta({ key: 'k', value: 'x' })), 'Closed');
        await rejectsWith(storage.checkpoint(), 'Closed');
        await storage.close();
      });

      test('checkpoint resolves', async () => {
        await storage.write((w) => w.setMeta({ key: 'k', value: 'v' }));
        await storage.checkpoint();
        assert.equal(await storage.read((r) => r.getMeta({ key: 'k' })), 'v');
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// SQLite files, locks and settings

const distIndex = new URL('../../src/storage/index.js', import.meta.url).pathname;

/** Starts a node child; resolves once it printed `ready` (or rejects with its output if it exits first). */
function startChild(script: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready')) resolve(child);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('exit', (code) => reject(new Error(`child exited (${code}) before ready: ${out}`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function inUseMessage(dir: string): string {
  return (
    `Unable to lock the lock file: ${join(dir, 'mongod.lock')} (Resource temporarily unavailable). ` +
    `Another mongod instance is already running on the ${dir} directory`
  );
}

describe('sqlite storage: files, locks and settings', () => {
  const children: ChildProcess[] = [];
  after(async () => {
    for (const child of children) await stopChild(child);
  });

  test('data survives close and reopen of a folder', async () => {
    const dir = tempDir();
    const big = ts((1n << 32n) - 1n, 0xffff_fffen);
    let s = await openSqliteStorage(dir);
    await s.write(async (w) => {
      await w.createCollection({ record: record(1, 'db', 'c', [b(1), b(2, 3)]) });
      await w.insertDocument({ coll: uuid(1), key: b(1), doc: b(0xd1) });
      await w.insertIndexEntry({ coll: uuid(1), index: 'a_1', key: b(5), recordKey: b(1), unique: true });
      await w.appendOplog({ entries: [{ ts: ts(1_700_000_000n, 3n), entry: b(1) }, { ts: big, entry: b(2) }] });
      await w.setMeta({ key: 'clusterTime', value: 'x' });
    });
    await s.close();
    assert.equal(existsSync(join(dir, LOCK_FILE_NAME)), false, 'close removes the lock file');
    s = await openSqliteStorage(dir);
    await s.read(async (r) => {
      const c = await r.getCollection({ db: 'db', name: 'c' });
      assert.deepEqual(c?.indexes.map((i) => Buffer.from(i)), [b(1), b(2, 3)]);
      assert.deepEqual(await r.getDocument({ coll: uuid(1), key: b(1) }), b(0xd1));
      assert.equal((await toArray(r.scanIndex({ coll: uuid(1), index: 'a_1' }))).length, 1);
      assert.deepEqual(await r.oplogBounds(), { first: ts(1_700_000_000n, 3n), last: big });
      assert.equal(await r.getMeta({ key: 'clusterTime' }), 'x');
    });
    await rejectsWith(s.write((w) => w.insertIndexEntry({ coll: uuid(1), index: 'a_1', key: b(5), recordKey: b(2), unique: true })), 'DuplicateKey', 'a_1');
    await s.close();
  });

  test('change times survive a reopen: the clock resumes above every time given out, even once the log is emptied', async () => {
    const dir = tempDir();
    let s = await openSqliteStorage(dir);
    const first = await s.write((w) => w.appendChanges({ entries: [b(1), b(2)] }));
    const second = await s.write(async (w) => {
      await w.appendChanges({ entries: [b(3)] });
      await w.truncateOplogBefore({ ts: ts((1n << 32n) - 1n, 0xffff_ffffn) });
    });
    await s.close();
    s = await openSqliteStorage(dir);
    try {
      assert.equal(await s.read((r) => r.oplogBounds()), null);
      assert.ok(s.tail.through >= second.changes!.last);
      const third = await s.write((w) => w.appendChanges({ entries: [b(4)] }));
      assert.ok(third.changes!.first > second.changes!.last);
      assert.ok(second.changes!.first > first.changes!.last);
    } finally {
      await s.close();
    }
  });

  test('a second open of the same folder in this process fails with DBPathInUse', async () => {
    const dir = tempDir();
    const first = await openSqliteStorage(dir);
    assert.equal(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8').trim(), String(process.pid));
    const err = await rejectsWith(openSqliteStorage(dir), 'DBPathInUse');
    assert.equal(err.message, inUseMessage(dir));
    await rejectsWith(openSqliteStorage(join(dir, '.', '')), 'DBPathInUse');
    await rejectsWith(openStorage(dir, {}), 'DBPathInUse');
    // The failed attempts did not disturb the holder.
    assert.equal(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8').trim(), String(process.pid));
    await first.write((w) => w.setMeta({ key: 'k', value: 'v' }));
    await first.close();
    const again = await openSqliteStorage(dir);
    assert.equal(await again.read((r) => r.getMeta({ key: 'k' })), 'v');
    await again.close();
  });

  test('a stale lock file (dead pid, empty, garbage) does not block', async () => {
    const dead = spawn(process.execPath, ['-e', '0']);
    const deadPid = dead.pid!;
    await new Promise((resolve) => dead.once('exit', resolve));
    for (const content of [`${deadPid}\n`, '', 'not a pid']) {
      const dir = tempDir();
      writeFileSync(join(dir, LOCK_FILE_NAME), content);
      const s = await openSqliteStorage(dir);
      assert.equal(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8').trim(), String(process.pid));
      await s.close();
    }
  });

  test('a live process named in the lock file blocks the folder', async () => {
    const dir = tempDir();
    const other = await startChild(`process.stdout.write('ready\\n'); setInterval(() => {}, 1000);`);
    children.push(other);
    writeFileSync(join(dir, LOCK_FILE_NAME), `${other.pid}\n`);
    const err = await rejectsWith(openSqliteStorage(dir), 'DBPathInUse');
    assert.equal(err.message, inUseMessage(dir));
    assert.equal(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8').trim(), String(other.pid));
    await stopChild(other);
    const s = await openSqliteStorage(dir);
    await s.close();
  });

  test('a storage open in a live child process blocks the folder until the child dies', async () => {
    const dir = tempDir();
    const child = await startChild(
      `import { openSqliteStorage } from ${JSON.stringify(distIndex)};\n` +
        `const s = await openSqliteStorage(${JSON.stringify(dir)});\n` +
        `await s.write((w) => w.setMeta({ key: 'owner', value: 'child' }));\n` +
        `process.stdout.write('ready\\n');\n` +
        `setInterval(() => {}, 1000);\n`,
    );
    children.push(child);
    assert.equal(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8').trim(), String(child.pid));
    const err = await rejectsWith(openSqliteStorage(dir), 'DBPathInUse');
    assert.equal(err.message, inUseMessage(dir));
    // Even with the pid file gone, SQLite's own exclusive lock keeps the folder taken.
    rmSync(join(dir, LOCK_FILE_NAME));
    await rejectsWith(openSqliteStorage(dir), 'DBPathInUse');
    // A killed server leaves its lock file behind; the next open takes it over and sees the data.
    writeFileSync(join(dir, LOCK_FILE_NAME), `${child.pid}\n`);
    await stopChild(child);
    const s = await openSqliteStorage(dir);
    assert.equal(await s.read((r) => r.getMeta({ key: 'owner' })), 'child');
    await s.close();
  });

  test('synchronous NORMAL by default, FULL on request; WAL with an exclusive lock', async () => {
    const dir = tempDir();
    let s = await openSqliteStorage(dir, { synchronous: 'full' });
    assert.equal(s.pragma('synchronous'), 2);
    assert.equal(s.pragma('journal_mode'), 'wal');
    assert.equal(s.pragma('locking_mode'), 'exclusive');
    await s.close();
    assert.throws(() => s.pragma('synchronous'), StorageError);
    s = await openSqliteStorage(dir);
    assert.equal(s.pragma('synchronous'), 1);
    await s.close();
    const mem = await openSqliteStorage(':memory:', { synchronous: 'full' });
    assert.equal(mem.pragma('synchronous'), 2);
    assert.equal(mem.path, null);
    await mem.close();
    await assert.rejects(openSqliteStorage(dir, { synchronous: 'off' as 'full' }), RangeError);
  });

  test('checkpoint empties the write-ahead log into the database file', async () => {
    const dir = tempDir();
    const s = await openSqliteStorage(dir);
    await s.write(async (w) => {
      for (let i = 0; i < 50; i++) await w.insertDocument({ coll: uuid(1), key: b(i), doc: Buffer.alloc(1000, i) });
    });
    const wal = join(dir, `${SQLITE_FILE_NAME}-wal`);
    assert.ok(statSync(wal).size > 0, 'the write went to the WAL');
    await s.checkpoint();
    assert.equal(statSync(wal).size, 0);
    assert.equal(await s.read((r) => r.countDocuments({ coll: uuid(1) })), 50);
    await s.close();
  });

  test('openStorage picks the engine', async () => {
    const dir = tempDir();
    const file = await openStorage(dir, {});
    assert.ok(file instanceof SqliteStorage);
    assert.equal(file.persistent, true);
    assert.ok(existsSync(join(dir, SQLITE_FILE_NAME)));
    await file.close();
    for (const where of [undefined, ':memory:']) {
      const mem = await openStorage(where, {});
      assert.ok(mem instanceof SqliteStorage);
      assert.equal(mem.persistent, false);
      await mem.close();
    }
    const ref = await openStorage(undefined, { engine: 'memory' });
    assert.ok(ref instanceof MemoryStorage);
    await ref.close();
    await assert.rejects(openStorage(undefined, { engine: 'rocks' as 'memory' }), RangeError);
  });
});
