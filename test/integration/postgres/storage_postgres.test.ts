/**
 * What the PostgreSQL storage engine does beyond the contract every engine passes (test/conformance/storage.test.ts):
 * one server per database and schema, what survives a reopen, the clock's times as the database stores them, and
 * failures PostgreSQL itself reports (a statement it refuses, a connection it ends).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { openPostgresStorage, type PostgresStorage } from '../../../src/storage/postgres/postgres_storage.js';
import { SCHEMA_VERSION_KEY } from '../../../src/storage/postgres/schema.js';
import { toArray } from '../../../src/storage/scan.js';
import { StorageError, type CollectionRecord } from '../../../src/storage/types.js';
import { requireOptional } from '../../helpers/optional.js';
import { createTestDatabase, POSTGRES_HOW_TO_GET, postgresMissing, type TestDatabase } from '../../helpers/postgres.js';

const SUITE = 'the PostgreSQL storage engine';

function b(...bytes: number[]): Buffer {
  return Buffer.from(bytes);
}

const UUID = '0123456789abcdef0123456789abcdef';
const COLLECTION: CollectionRecord = { db: 'db', name: 'c', uuid: UUID, options: b(5, 0, 0, 0, 0), indexes: [b(1), b(2, 3)] };

async function rejectsWithAnyKind(promise: Promise<unknown>): Promise<StorageError> {
  const err = await promise.then(
    () => assert.fail('expected a StorageError, but it resolved'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof StorageError, `expected a StorageError, got ${String(err)}`);
  return err;
}

async function rejectsWithKind(promise: Promise<unknown>, kind: StorageError['kind']): Promise<StorageError> {
  const err = await promise.then(
    () => assert.fail(`expected StorageError(${kind}), but it resolved`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof StorageError, `expected StorageError(${kind}), got ${String(err)}`);
  assert.equal(err.kind, kind);
  return err;
}

if (requireOptional(SUITE, postgresMissing(), POSTGRES_HOW_TO_GET)) describe(SUITE, () => {
  const databases: TestDatabase[] = [];
  const clients: pg.Client[] = [];
  const open: PostgresStorage[] = [];

  after(async () => {
    await Promise.allSettled(open.map((s) => s.close()));
    await Promise.allSettled(clients.map((c) => c.end()));
    for (const db of databases) await db.drop();
  });

  async function database(): Promise<TestDatabase> {
    const db = await createTestDatabase();
    databases.push(db);
    return db;
  }

  async function storageOn(db: TestDatabase, schema?: string): Promise<PostgresStorage> {
    const s = await openPostgresStorage(db.uri, schema === undefined ? {} : { schema });
    open.push(s);
    return s;
  }

  /** A plain connection to look at the tables behind the storage's back. */
  async function sql(db: TestDatabase): Promise<pg.Client> {
    const client = new pg.Client(db.config());
    clients.push(client);
    await client.connect();
    return client;
  }

  test('one server per database and schema: a second open is DBPathInUse until the first closes', async () => {
    const db = await database();
    const first = await storageOn(db);
    await first.write((w) => w.setMeta({ key: 'owner', value: 'first' }));
    const err = await rejectsWithKind(openPostgresStorage(db.uri), 'DBPathInUse');
    assert.match(err.message, new RegExp(`another eddydb server is using the PostgreSQL database ${db.name} \\(schema eddydb\\)`));
    assert.match(err.message, /serving one database from several eddydb servers is not supported yet/);
    // The refused open disturbed nothing.
    assert.equal(await first.read((r) => r.getMeta({ key: 'owner' })), 'first');
    // Another schema of the same database is another store.
    const other = await storageOn(db, 'other_store');
    assert.equal(await other.read((r) => r.getMeta({ key: 'owner' })), null);
    await other.close();
    await first.close();
    const again = await storageOn(db);
    assert.equal(await again.read((r) => r.getMeta({ key: 'owner' })), 'first');
    await again.close();
  });

  test('a killed session releases the server lock; its storage reconnects, and takes the lock back only if it is free', async () => {
    const db = await database();
    const first = await storageOn(db);
    await rejectsWithKind(openPostgresStorage(db.uri), 'DBPathInUse');
    const admin = await sql(db);
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'eddydb'", [db.name]);
    // pg_terminate_backend only signals: wait until the session is gone, so the next statement meets a closed one.
    for (let i = 0; ; i++) {
      const left = await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'eddydb'", [db.name]);
      if (left.rows[0].n === 0) break;
      assert.ok(i < 500, 'the terminated session did not end within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // The lock went with the session: another storage may take it.
    const second = await storageOn(db);
    await second.write((w) => w.setMeta({ key: 'k', value: 'v' }));
    // The first storage's next operation fails without hanging: Unavailable when it only learns of the loss from that
    // operation, and then (or at once, when it had already heard) its reconnect is refused as the lock is taken.
    let failure = await rejectsWithAnyKind(first.read((r) => r.getMeta({ key: 'k' })));
    if (failure.kind === 'Unavailable') failure = await rejectsWithAnyKind(first.read((r) => r.getMeta({ key: 'k' })));
    assert.equal(failure.kind, 'DBPathInUse');
    await second.close();
    // Free again: the first storage's next operation reconnects and sees what the second one wrote.
    assert.equal(await first.read((r) => r.getMeta({ key: 'k' })), 'v');
    await first.close();
  });

  test('a reopen keeps catalog, documents, index entries, change log and meta, and the clock stays above every time given out', async () => {
    const db = await database();
    let s = await storageOn(db);
    const first = await s.write(async (w) => {
      await w.createCollection({ record: COLLECTION });
      await w.insertDocuments({ coll: UUID, rows: [{ key: b(1), doc: b(0xd1) }, { key: b(2), doc: b(0xd2) }] });
      await w.insertIndexEntry({ coll: UUID, index: 'a_1', key: b(5), recordKey: b(1), unique: true });
      await w.setMeta({ key: 'clusterTime', value: 'x' });
      return w.appendChanges({ entries: [b(1), b(2)] });
    });
    const burned = await s.write(async (w) => {
      await w.appendChanges({ entries: [b(3)] });
      // Emptying the log: the next times must still be above the ones given out.
      await w.truncateOplogBefore({ ts: (1n << 64n) - 1n });
    });
    await s.close();
    s = await storageOn(db);
    await s.read(async (r) => {
      const c = await r.getCollection({ db: 'db', name: 'c' });
      assert.deepEqual(c, { ...COLLECTION, options: Buffer.from(COLLECTION.options), indexes: COLLECTION.indexes.map((i) => Buffer.from(i)) });
      assert.deepEqual((await toArray(r.scanNatural({ coll: UUID }))).map((d) => [...d.doc]), [[0xd1], [0xd2]]);
      assert.equal((await toArray(r.scanIndex({ coll: UUID, index: 'a_1' }))).length, 1);
      assert.equal(await r.oplogBounds(), null);
      assert.equal(await r.getMeta({ key: 'clusterTime' }), 'x');
    });
    assert.ok(s.tail.through >= burned.changes!.last);
    await rejectsWithKind(s.write((w) => w.insertIndexEntry({ coll: UUID, index: 'a_1', key: b(5), recordKey: b(2), unique: true })), 'DuplicateKey');
    const third = await s.write((w) => w.appendChanges({ entries: [b(4)] }));
    assert.ok(burned.changes!.first > first.changes!.last);
    assert.ok(third.changes!.first > burned.changes!.last);
    // Planted history far ahead moves the clock past it, and that survives a reopen too.
    const ahead = ((1n << 32n) - 2n) << 32n;
    await s.write((w) => w.appendOplog({ entries: [{ ts: ahead, entry: b(5) }] }));
    await s.close();
    s = await storageOn(db);
    assert.ok(s.tail.through >= ahead);
    const fourth = await s.write((w) => w.appendChanges({ entries: [b(6)] }));
    assert.ok(fourth.changes!.first > ahead);
    await s.close();
  });

  test('append_changes: consecutive times within a write, increasing across writes, stored exactly as the tail delivered them', async () => {
    const db = await database();
    const s = await storageOn(db);
    const delivered: { ts: bigint; entry: number }[] = [];
    const stop = s.tail.listen((batch) => {
      for (const row of batch.entries) delivered.push({ ts: row.ts, entry: Buffer.from(row.entry)[0]! });
    });
    const writes = [];
    for (let i = 0; i < 60; i++) {
      const entries = Array.from({ length: 1 + (i % 4) }, (_, j) => b(i, j));
      // Every fifth write rolls back: its times are never given out again, and nothing of it is stored.
      writes.push(s.write(async (w) => {
        const times = await w.appendChanges({ entries });
        if (i % 5 === 4) throw new Error('roll back');
        return times;
      }).then((r) => ({ i, changes: r.changes }), () => ({ i, changes: null })));
    }
    const results = await Promise.all(writes);
    stop();
    let previous = 0n;
    for (const { i, changes } of results) {
      if (i % 5 === 4) {
        assert.equal(changes, null);
        continue;
      }
      assert.ok(changes!.first > previous, `write ${i} is above the one before it`);
      assert.equal(changes!.last - changes!.first, BigInt(i % 4));
      previous = changes!.last;
    }
    const stored = (await (await sql(db)).query<{ biased: string; entry: Buffer }>('SELECT ts::text AS biased, entry FROM eddydb.changes ORDER BY ts')).rows;
    assert.deepEqual(
      stored.map((row) => ({ ts: BigInt(row.biased) + (1n << 63n), entry: row.entry[0]! })),
      delivered,
    );
    assert.equal(delivered.length, results.filter((r) => r.i % 5 !== 4).reduce((n, r) => n + (r.i % 4) + 1, 0));
    assert.equal(s.tail.through, previous);
    await s.close();
  });

  test('a statement PostgreSQL refuses fails the write, leaves nothing, and the next write works', async () => {
    const db = await database();
    const s = await storageOn(db);
    await s.write((w) => w.createCollection({ record: COLLECTION }));
    let caught: unknown;
    const failed = s.write(async (w) => {
      await w.insertDocument({ coll: UUID, key: b(1), doc: b(1) });
      // Text columns cannot hold a NUL character: PostgreSQL refuses the statement and aborts the transaction.
      caught = await w.getMeta({ key: 'a\u0000b' }).catch((e: unknown) => e);
      // The handle refuses to go on rather than send statements PostgreSQL would refuse too.
      await w.insertDocument({ coll: UUID, key: b(2), doc: b(2) });
    });
    await assert.rejects(failed, /aborted by PostgreSQL after an earlier failure: PostgreSQL: /);
    assert.ok(caught instanceof Error && /^PostgreSQL: /.test(caught.message) && caught.cause instanceof Error);
    // A callback that swallows the failure does not commit the aborted transaction either.
    await assert.rejects(
      s.write(async (w) => {
        await w.insertDocument({ coll: UUID, key: b(3), doc: b(3) });
        await w.getMeta({ key: '\u0000' }).catch(() => undefined);
      }),
      /rolled the transaction back after an earlier failure: PostgreSQL: /,
    );
    // A write that is not waited for (setMeta is posted) fails the statement after it, or the COMMIT.
    await assert.rejects(
      s.write(async (w) => {
        await w.setMeta({ key: 'k', value: 'a\u0000b' });
        await w.insertDocument({ coll: UUID, key: b(5), doc: b(5) });
      }),
      /aborted by PostgreSQL after an earlier failure: PostgreSQL: /,
    );
    await assert.rejects(
      s.write(async (w) => {
        await w.insertDocument({ coll: UUID, key: b(6), doc: b(6) });
        await w.setMeta({ key: 'k', value: 'a\u0000b' });
      }),
      /rolled the transaction back after an earlier failure: PostgreSQL: /,
    );
    // A rolled-back write's posted failure is not the next write's.
    await assert.rejects(
      s.write(async (w) => {
        await w.setMeta({ key: 'k', value: 'a\u0000b' });
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.equal(await s.read((r) => r.countDocuments({ coll: UUID })), 0);
    await s.write((w) => w.insertDocument({ coll: UUID, key: b(4), doc: b(4) }));
    assert.deepEqual(await s.read((r) => r.getDocument({ coll: UUID, key: b(4) })), b(4));
    await s.close();
  });

  test('options: maxSizeBytes and a bad schema name are refused; an unreachable server rejects, it does not hang', async () => {
    const db = await database();
    await assert.rejects(openPostgresStorage(db.uri, { maxSizeBytes: 1 << 20 }), RangeError);
    await assert.rejects(openPostgresStorage(db.uri, { schema: 'Bad-Name' }), RangeError);
    // Nothing listens on port 1: the connection is refused at once.
    const refused = await openPostgresStorage(`postgresql://postgres@127.0.0.1:1/${db.name}`).then(
      () => assert.fail('opened a storage on a closed port'),
      (e: unknown) => e as Error,
    );
    assert.ok(refused instanceof StorageError && refused.kind === 'Unavailable', String(refused));
    assert.match(refused.message, /^PostgreSQL is unreachable: /);
    assert.ok(refused.cause instanceof Error);
  });

  test('a schema written by a newer eddydb is refused', async () => {
    const db = await database();
    const s = await storageOn(db);
    await s.close();
    await (await sql(db)).query(`UPDATE eddydb.meta SET value = '999' WHERE key = $1`, [SCHEMA_VERSION_KEY]);
    await assert.rejects(openPostgresStorage(db.uri), /written by a newer eddydb \(schema 999/);
  });
});
