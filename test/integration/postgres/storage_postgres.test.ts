/**
 * What the PostgreSQL storage engine does beyond the contract every engine passes (test/conformance/storage.test.ts):
 * several servers on one database and schema (one order, one writer at a time, the catalog epoch, reconnecting),
 * what survives a reopen, the clock's times as the database stores them, and
 * failures PostgreSQL itself reports (a statement it refuses, a connection it ends).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { openPostgresStorage, type PostgresStorage } from '../../../src/storage/postgres/postgres_storage.js';
import { SCHEMA_VERSION_KEY } from '../../../src/storage/postgres/schema.js';
import { toArray } from '../../../src/storage/scan.js';
import { StorageError, type CollectionRecord } from '../../../src/storage/types.js';
import { OPLOG_TRUNCATED_KEY } from '../../../src/storage/contract.js';
import { requireOptional } from '../../helpers/optional.js';
import { createTestDatabase, POSTGRES_HOW_TO_GET, postgresMissing, type TestDatabase } from '../../helpers/postgres.js';

const SUITE = 'the PostgreSQL storage engine';

function b(...bytes: number[]): Buffer {
  return Buffer.from(bytes);
}

const UUID = '0123456789abcdef0123456789abcdef';
const COLLECTION: CollectionRecord = { db: 'db', name: 'c', uuid: UUID, options: b(5, 0, 0, 0, 0), indexes: [b(1), b(2, 3)] };

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

  /** Resolves once `check` holds, polling; fails after `what` did not happen within 20 s. */
  async function eventually(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
    for (let i = 0; !(await check()); i++) {
      assert.ok(i < 1000, `${what} did not happen within 20 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  test('several servers share one database and schema: writes through either reach both tails, in one order', async () => {
    const db = await database();
    const first = await storageOn(db);
    const second = await storageOn(db);
    assert.equal(first.alone, true);
    assert.equal(second.alone, false);
    const heard: Record<'first' | 'second', bigint[]> = { first: [], second: [] };
    first.tail.listen((batch) => heard.first.push(...batch.entries.map((e) => e.ts)));
    second.tail.listen((batch) => heard.second.push(...batch.entries.map((e) => e.ts)));
    const written: bigint[] = [];
    for (let i = 0; i < 10; i++) {
      const s = i % 2 === 0 ? first : second;
      const result = await s.write((w) => w.appendChanges({ entries: [b(i), b(i, i)] }));
      written.push(result.changes!.first, result.changes!.last);
    }
    // Each server hears its own commits at once and the other's when it reads next (or the poll or a notification
    // wakes it): in the end both heard every entry once, in the order the writes committed.
    await first.read(async () => undefined);
    await second.read(async () => undefined);
    assert.deepEqual(heard.first, written);
    assert.deepEqual(heard.second, written);
    assert.deepEqual([...written].sort((x, y) => (x < y ? -1 : 1)), written, 'times follow commit order');
    assert.equal(first.tail.through, written.at(-1));
    assert.equal(second.tail.through, written.at(-1));
    // Another schema of the same database is another store.
    const other = await storageOn(db, 'other_store');
    assert.equal(other.alone, true);
    assert.deepEqual(await other.read((r) => r.readOplog({ after: 0n, limit: 100 })), []);
  });

  test('an idle server hears another server\'s commit without doing anything: a notification or the poll wakes it', async () => {
    const db = await database();
    const first = await storageOn(db);
    const second = await storageOn(db);
    const heard: bigint[] = [];
    second.tail.listen((batch) => heard.push(...batch.entries.map((e) => e.ts)));
    const { changes } = await first.write((w) => w.appendChanges({ entries: [b(1)] }));
    await eventually('the idle server hearing the commit', () => heard.length === 1);
    assert.deepEqual(heard, [changes!.first]);
  });

  test('one writer at a time across servers: a write waits for another server\'s write to end', async () => {
    const db = await database();
    const first = await storageOn(db);
    const second = await storageOn(db);
    const steps: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const a = first.write(async (w) => {
      steps.push('first begins');
      started();
      await held;
      await w.setMeta({ key: 'k', value: 'first' });
      steps.push('first ends');
    });
    await running;
    const b2 = second.write(async (w) => {
      steps.push('second begins');
      // It began after the first committed, so it reads the first's write.
      steps.push(`second reads ${await w.getMeta({ key: 'k' })}`);
      await w.setMeta({ key: 'k', value: 'second' });
    });
    // The second write is queued on the lock, not running: a read on the second server would wait behind it too,
    // so look from a plain connection that the first write is still open.
    const admin = await sql(db);
    await eventually('the second write waiting for the lock', async () =>
      (await admin.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).rows[0].n === 1);
    assert.deepEqual(steps, ['first begins']);
    release();
    await a;
    await b2;
    assert.deepEqual(steps, ['first begins', 'first ends', 'second begins', 'second reads first']);
  });

  test('a catalog change through one server makes the other\'s cached catalog stale', async () => {
    const db = await database();
    const first = await storageOn(db);
    const second = await storageOn(db);
    const version = () => second.read(async (r) => r.catalogVersion());
    const before = await version();
    assert.equal(await version(), before, 'nothing changed: the version stays');
    await first.write((w) => w.createCollection({ record: COLLECTION }));
    assert.notEqual(await version(), before);
    assert.equal((await second.read((r) => r.getCollection({ db: 'db', name: 'c' })))?.uuid, UUID);
  });

  test('a server whose tail another server trimmed past is told what may be gone', async () => {
    const db = await database();
    const first = await storageOn(db);
    const second = await storageOn(db);
    const batches: { ts: bigint[]; truncatedThrough?: bigint }[] = [];
    second.tail.listen((batch) => batches.push({ ts: batch.entries.map((e) => e.ts), ...(batch.truncatedThrough !== undefined ? { truncatedThrough: batch.truncatedThrough } : {}) }));
    const written = async (n: number) => (await first.write((w) => w.appendChanges({ entries: Array.from({ length: n }, (_, i) => b(i)) }))).changes!;
    const seen = await written(2);
    await second.read(async () => undefined);
    assert.deepEqual(batches, [{ ts: [seen.first, seen.last] }], 'caught up, nothing trimmed past it');
    // The second server is busy (its queue held by a long read) while the first writes and trims past it.
    let release!: () => void;
    let begun!: () => void;
    const running = new Promise<void>((resolve) => (begun = resolve));
    const busy = second.read(() => {
      begun();
      return new Promise<void>((resolve) => (release = resolve));
    });
    // Its read has begun (and drained): what the first server writes from now on waits for its next turn.
    await running;
    const lost = await written(3);
    const kept = await written(1);
    await first.write(async (w) => {
      await w.truncateOplogBefore({ ts: lost.last + 1n });
      await w.setMeta({ key: OPLOG_TRUNCATED_KEY, value: lost.last.toString() });
    });
    release();
    await busy;
    await second.read(async () => undefined);
    assert.deepEqual(batches.at(-1), { ts: [kept.first], truncatedThrough: lost.last });
    // A trim of entries it already had is no news.
    await first.write(async (w) => {
      await w.truncateOplogBefore({ ts: kept.first });
      await w.setMeta({ key: OPLOG_TRUNCATED_KEY, value: (kept.first - 1n).toString() });
    });
    const next = await written(1);
    await second.read(async () => undefined);
    assert.deepEqual(batches.at(-1), { ts: [next.first] });
  });

  test('background jobs run on one server at a time, and move when it goes', async () => {
    const db = await database();
    const first = await storageOn(db);
    const second = await storageOn(db);
    assert.equal(await first.lead('ttlMonitor'), true);
    assert.equal(await first.lead('ttlMonitor'), true, 'held until its session ends');
    assert.equal(await second.lead('ttlMonitor'), false);
    assert.equal(await second.lead('oplogTrimmer'), true, 'each job is led on its own');
    assert.equal(await first.lead('oplogTrimmer'), false);
    await first.close();
    // The second server asks again at most once a second: it takes over then.
    await eventually('the second server taking the job over', () => second.lead('ttlMonitor'));
  });

  test('a killed session: its storage reconnects at its next operation and sees what others wrote meanwhile', async () => {
    const db = await database();
    const first = await storageOn(db);
    const heard: bigint[] = [];
    first.tail.listen((batch) => heard.push(...batch.entries.map((e) => e.ts)));
    const admin = await sql(db);
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'eddydb'", [db.name]);
    // pg_terminate_backend only signals: wait until the session is gone, so the next statement meets a closed one.
    await eventually('the terminated session ending', async () =>
      (await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'eddydb'", [db.name])).rows[0].n === 0);
    const second = await storageOn(db);
    const { changes } = await second.write(async (w) => {
      await w.setMeta({ key: 'k', value: 'v' });
      return w.appendChanges({ entries: [b(7)] });
    });
    // The first storage's next operation fails without hanging (Unavailable) when only it tells of the loss; the one
    // after reconnects, and its tail hears the other server's entry.
    const outcome = await first.read((r) => r.getMeta({ key: 'k' })).catch((err: unknown) => err);
    if (outcome !== 'v') {
      assert.ok(outcome instanceof StorageError && outcome.kind === 'Unavailable', `expected Unavailable, got ${String(outcome)}`);
      assert.equal(await first.read((r) => r.getMeta({ key: 'k' })), 'v');
    }
    await eventually('the reconnected server hearing the entry', () => heard.includes(changes!.first));
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
