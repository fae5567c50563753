/**
 * Index builds through the official driver: createIndexes on a collection of 50,000 documents indexes them in the
 * background. Other clients' reads, writes and pings are served while it runs (the fail points
 * hangAfterStartingIndexBuild and hangIndexBuildBeforeCommit hold the build at its two ends, so the order is
 * certain), the index is listed as building and used only once complete, and afterwards its entries are exactly
 * those of the documents, read back from storage. A unique build fails on a duplicate inserted during it; killOp,
 * maxTimeMS and dropIndexes abort a build and leave nothing behind; a second createIndexes of the same index waits
 * for the first; a transaction that wrote before the build started conflicts at commit; change streams see one
 * createIndexes event, at completion.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Collection, Document, MongoClient } from 'mongodb';
import type { LogEntry, RunningServer } from '../../../src/server/index.js';
import type { Engine } from '../../../src/engine/engine.js';
import { getCollectionInfo, publicSpec } from '../../../src/engine/catalog.js';
import { decodeStoredDocument } from '../../../src/engine/documents.js';
import { indexKeysFor } from '../../../src/engine/indexes.js';
import { clientFor, eventually, rejectsWith, startInProcess } from './harness.js';
import { toArray } from '../../../src/storage/scan.js';

const DB = 'index_builds';
const DOCS = 50_000;

interface Doc {
  _id: number | string;
  a: number;
  u: number;
  tags?: number[];
}

/** The (key, record key) pairs stored under index `name`, as hex. */
async function storedEntries(engine: Engine, coll: string, name: string): Promise<Set<string>> {
  return engine.read(async (r) => {
    const info = await getCollectionInfo(r, DB, coll);
    assert.ok(info);
    const rows = await toArray(r.scanIndex({ coll: info.uuid, index: name }));
    return new Set(rows.map((e) => `${Buffer.from(e.key).toString('hex')}:${Buffer.from(e.recordKey).toString('hex')}`));
  });
}

/** The pairs index `name` must hold for the collection's documents as they are now. */
async function expectedEntries(engine: Engine, coll: string, name: string): Promise<Set<string>> {
  return engine.read(async (r) => {
    const info = await getCollectionInfo(r, DB, coll);
    assert.ok(info);
    const spec = info.indexes.find((s) => s.name === name);
    assert.ok(spec, `index ${name} missing from the catalog`);
    const out = new Set<string>();
    for (const row of await toArray(r.scanDocuments({ coll: info.uuid }))) {
      for (const { key } of indexKeysFor(publicSpec(spec), decodeStoredDocument(row.doc))) {
        out.add(`${Buffer.from(key).toString('hex')}:${Buffer.from(row.key).toString('hex')}`);
      }
    }
    return out;
  });
}

async function assertExactEntries(engine: Engine, coll: string, name: string): Promise<void> {
  const stored = await storedEntries(engine, coll, name);
  const expected = await expectedEntries(engine, coll, name);
  const missing = [...expected].filter((e) => !stored.has(e));
  const extra = [...stored].filter((e) => !expected.has(e));
  assert.deepEqual({ missing: missing.length, extra: extra.length }, { missing: 0, extra: 0 });
  assert.equal(stored.size, expected.size);
}

/** A command's reply without the fields every reply carries. */
function plain(reply: Document): Document {
  const { operationTime: _t, $clusterTime: _c, ...rest } = reply;
  return rest;
}

/** A promise with a flag saying whether it has settled, so a test can assert what happened before it. */
function tracked<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  const p = promise.finally(() => (done = true));
  // The outcome is asserted by whoever awaits `promise`; this only keeps an early rejection from going unhandled.
  p.catch(() => undefined);
  return { promise: p, settled: () => done };
}

describe('index builds in the background', () => {
  let server: RunningServer;
  let client: MongoClient;
  let other: MongoClient;

  const admin = (cmd: Document): Promise<Document> => client.db('admin').command(cmd);

  /** Sets fail point `name`; returns how many times it was entered so far, for reached(). */
  async function hang(name: string): Promise<number> {
    await admin({ configureFailPoint: name, mode: 'alwaysOn' });
    return server.context.failPoints.timesEntered(name);
  }
  /** Waits until a build pauses at fail point `name`, entered `before` times until then. */
  async function reached(name: string, before: number): Promise<void> {
    await admin({ waitForFailPoint: name, timesEntered: before + 1, maxTimeMS: 60_000 });
  }
  async function release(name: string): Promise<void> {
    await admin({ configureFailPoint: name, mode: 'off' });
  }

  async function fill(name: string): Promise<Collection<Doc>> {
    const coll = client.db(DB).collection<Doc>(name);
    const batch = 10_000;
    for (let i = 0; i < DOCS; i += batch) {
      await coll.insertMany(Array.from({ length: batch }, (_, k) => ({ _id: i + k, a: (i + k) % 997, u: i + k, tags: [(i + k) % 7, (i + k) % 11] })));
    }
    return coll;
  }

  const indexNames = async (coll: Collection<Doc>): Promise<string[]> => (await coll.listIndexes().toArray()).map((s) => s.name as string).sort();

  const logged: LogEntry[] = [];

  before(async () => {
    server = await startInProcess({ log: (entry) => logged.push(entry) });
    client = clientFor(server.address);
    other = clientFor(server.address);
  });
  after(async () => {
    await client.close();
    await other.close();
    await server.close();
  });
  // A test that failed midway leaves no build behind to pass the next test's fail points.
  afterEach(async () => {
    for (const name of ['hangAfterStartingIndexBuild', 'hangIndexBuildBeforeCommit']) await release(name);
    await eventually(() => server.engine.indexBuilds.size === 0, 'the builds to end', 60_000);
  });

  it('logs its start, the end of its collection scan and its completion, as mongod does', async () => {
    const coll = await fill('logged');
    await coll.createIndex({ a: 1 });
    const messages = logged.filter((e) => (e.attr as Document | undefined)?.namespace === `${DB}.logged`).map((e) => e.msg);
    assert.deepEqual(messages.filter((m) => m !== 'Index build: collection scan progress'), ['Index build: starting', 'Index build: collection scan done', 'Index build: done building']);
    const done = logged.find((e) => e.msg === 'Index build: collection scan done' && (e.attr as Document).namespace === `${DB}.logged`);
    assert.equal((done?.attr as Document).totalRecords, DOCS);
  });

  it('serves other clients while it runs, lists the index as building, and ends with exactly the right entries', async () => {
    const coll = await fill('served');
    const theirs = other.db(DB).collection<Doc>('served');
    const stream = client.db(DB).collection('served').watch([], { showExpandedEvents: true });
    await stream.tryNext();

    const started = await hang('hangAfterStartingIndexBuild');
    const scanned = await hang('hangIndexBuildBeforeCommit');
    const build = tracked(coll.createIndex({ a: 1, tags: 1 }, { name: 'a_tags' }));
    await reached('hangAfterStartingIndexBuild', started);

    // Registered, nothing scanned yet: writes anywhere in the collection maintain the new index from now on.
    await theirs.insertOne({ _id: 'new-1', a: 5, u: -1, tags: [1, 2, 3] });
    await theirs.updateOne({ _id: 10 }, { $set: { a: 1234, tags: [99] } });
    await theirs.deleteOne({ _id: 20 });
    await theirs.updateMany({ _id: { $gte: 40_000, $lt: 40_010 } }, { $push: { tags: 500 } });
    assert.deepEqual(plain(await other.db(DB).command({ ping: 1 })), { ok: 1 });
    assert.equal(await theirs.countDocuments({ a: 1234 }), 1);
    // Listed while it builds, as mongod lists it: plain, or beside its build UUID on request.
    assert.deepEqual(await indexNames(coll), ['_id_', 'a_tags']);
    const listed = await client.db(DB).command({ listIndexes: 'served', includeBuildUUIDs: true });
    const building = (listed.cursor.firstBatch as Document[]).find((s) => s.spec?.name === 'a_tags');
    assert.ok(building?.buildUUID, JSON.stringify(listed.cursor.firstBatch));
    assert.equal(building.spec.buildUUID, undefined);
    assert.deepEqual((await client.db(DB).command({ collStats: 'served' })).indexBuilds, ['a_tags']);
    assert.equal(build.settled(), false);

    await release('hangAfterStartingIndexBuild');
    await reached('hangIndexBuildBeforeCommit', scanned);
    // Everything scanned, not yet ready: writes are still served and still maintain it.
    await theirs.insertOne({ _id: 'new-2', a: 6, u: -2, tags: [4] });
    await theirs.updateOne({ _id: 30_000 }, { $set: { a: 4321 } });
    await theirs.deleteMany({ _id: { $gte: 49_990 } });
    await theirs.replaceOne({ _id: 5 }, { a: 7, u: 5 });
    assert.deepEqual(plain(await other.db(DB).command({ ping: 1 })), { ok: 1 });
    assert.equal(build.settled(), false);

    await release('hangIndexBuildBeforeCommit');
    assert.equal(await build.promise, 'a_tags');
    await assertExactEntries(server.engine, 'served', 'a_tags');
    assert.deepEqual((await client.db(DB).command({ collStats: 'served' })).indexBuilds, []);

    // One createIndexes event, after the events of the writes made while it was being built.
    const kinds: string[] = [];
    for (let event = await stream.tryNext(); event; event = await stream.tryNext()) kinds.push(event.operationType);
    assert.equal(kinds.filter((k) => k === 'createIndexes').length, 1);
    assert.equal(kinds[kinds.length - 1], 'createIndexes');
    await stream.close();
  });

  it('serves other clients during the scan itself', async () => {
    const coll = await fill('scan');
    const theirs = other.db(DB).collection<Doc>('scan');
    const before = await hang('hangIndexBuildBeforeCommit');
    const build = tracked(coll.createIndex({ u: 1 }));
    const scanned = tracked(reached('hangIndexBuildBeforeCommit', before));
    // Writes and pings until the scan is over; each one's reply arrives while the build still runs.
    let served = 0;
    for (let i = 0; !scanned.settled(); i++) {
      await theirs.insertOne({ _id: `during-${i}`, a: i, u: DOCS + i });
      await theirs.updateOne({ _id: i * 7 }, { $inc: { u: DOCS * 10 } });
      await other.db(DB).command({ ping: 1 });
      assert.equal(build.settled(), false);
      served++;
    }
    await scanned.promise;
    assert.ok(served > 0);
    await release('hangIndexBuildBeforeCommit');
    await build.promise;
    await assertExactEntries(server.engine, 'scan', 'u_1');
  });

  it('fails a unique build on a duplicate inserted during it, leaving no index', async () => {
    const coll = await fill('unique');
    const entered = await hang('hangAfterStartingIndexBuild');
    const build = tracked(coll.createIndex({ u: 1 }, { unique: true }));
    await reached('hangAfterStartingIndexBuild', entered);
    // Accepted: the document it duplicates has no entry yet.
    await other.db(DB).collection<Doc>('unique').insertOne({ _id: 'dup', a: 0, u: 25_000 });
    await release('hangAfterStartingIndexBuild');
    const err = await rejectsWith(build.promise, 11000, { codeName: 'DuplicateKey', message: `E11000 duplicate key error collection: ${DB}.unique index: u_1 dup key: { u: 25000 }` });
    assert.deepEqual(err.errorResponse.keyPattern, { u: 1 });
    assert.deepEqual(err.errorResponse.keyValue, { u: 25000 });
    assert.deepEqual(await indexNames(coll), ['_id_']);
    assert.equal((await storedEntries(server.engine, 'unique', 'u_1')).size, 0);
    assert.equal(await coll.countDocuments(), DOCS + 1);
  });

  it('refuses a write that would violate a unique index being built, as if it were complete', async () => {
    const coll = await fill('unique_refused');
    const entered = await hang('hangIndexBuildBeforeCommit');
    const build = tracked(coll.createIndex({ u: 1 }, { unique: true }));
    await reached('hangIndexBuildBeforeCommit', entered);
    await rejectsWith(other.db(DB).collection<Doc>('unique_refused').insertOne({ _id: 'dup', a: 0, u: 123 }), 11000, {
      message: `E11000 duplicate key error collection: ${DB}.unique_refused index: u_1 dup key: { u: 123 }`,
    });
    await release('hangIndexBuildBeforeCommit');
    await build.promise;
    await assertExactEntries(server.engine, 'unique_refused', 'u_1');
    assert.equal(await coll.countDocuments(), DOCS);
  });

  it('is aborted by killOp, by maxTimeMS and by dropIndexes, leaving no index and no entries', async () => {
    const coll = await fill('aborted');
    const assertGone = async (): Promise<void> => {
      assert.deepEqual(await indexNames(coll), ['_id_']);
      assert.equal((await storedEntries(server.engine, 'aborted', 'a_1')).size, 0);
      assert.equal(await coll.countDocuments(), DOCS);
    };

    const fp = 'hangIndexBuildBeforeCommit';
    await hang(fp);
    const paused = async <T>(action: () => Promise<T>): Promise<{ promise: Promise<T>; settled: () => boolean }> => {
      const before = server.context.failPoints.timesEntered(fp);
      const running = tracked(action());
      await reached(fp, before);
      return running;
    };

    const killed = await paused(() => coll.createIndex({ a: 1 }));
    const op = server.context.operations.list().find((o) => o.info.command.createIndexes === 'aborted');
    assert.ok(op);
    await admin({ killOp: 1, op: op.opid });
    await rejectsWith(killed.promise, 11601, { codeName: 'Interrupted' });
    await assertGone();

    // The deadline passes while the build scans or waits at the fail point: either way it is checked.
    await rejectsWith(client.db(DB).command({ createIndexes: 'aborted', indexes: [{ key: { a: 1 }, name: 'a_1' }], maxTimeMS: 50 }), 50, { codeName: 'MaxTimeMSExpired' });
    await assertGone();

    // Naming only some of a build's indexes cannot drop them; naming all of them aborts the build.
    const dropped = await paused(() => client.db(DB).command({ createIndexes: 'aborted', indexes: [{ key: { a: 1 }, name: 'a_1' }, { key: { u: 1 }, name: 'u_1' }] }));
    await rejectsWith(coll.dropIndex('a_1'), 27, { codeName: 'IndexNotFound', message: "can't drop unfinished index with name: a_1" });
    assert.deepEqual(plain(await client.db(DB).command({ dropIndexes: 'aborted', index: ['u_1', 'a_1'] })), { nIndexesWas: 3, ok: 1 });
    await rejectsWith(dropped.promise, 276, { codeName: 'IndexBuildAborted', message: /^Index build aborted: [0-9a-f-]{36}: dropIndexes command$/ });
    await assertGone();
    assert.equal((await storedEntries(server.engine, 'aborted', 'u_1')).size, 0);

    // So does naming its one index by key pattern.
    const byKey = await paused(() => coll.createIndex({ a: 1 }));
    assert.deepEqual(plain(await client.db(DB).command({ dropIndexes: 'aborted', index: { a: 1 } })), { nIndexesWas: 2, ok: 1 });
    await rejectsWith(byKey.promise, 276, { codeName: 'IndexBuildAborted' });
    await assertGone();

    // '*' aborts every build, then drops the ready indexes.
    await release(fp);
    await coll.createIndex({ u: -1 });
    await hang(fp);
    const all = await paused(() => coll.createIndex({ a: 1 }));
    await coll.dropIndexes();
    await rejectsWith(all.promise, 276, { codeName: 'IndexBuildAborted' });
    await assertGone();
  });

  it('refuses to rename a collection while one of its indexes builds', async () => {
    const coll = await fill('renamed');
    const entered = await hang('hangAfterStartingIndexBuild');
    const build = tracked(coll.createIndex({ a: 1 }));
    await reached('hangAfterStartingIndexBuild', entered);
    await rejectsWith(coll.rename('renamed_to'), 12587, { codeName: 'BackgroundOperationInProgressForNamespace' });
    await release('hangAfterStartingIndexBuild');
    await build.promise;
    await assertExactEntries(server.engine, 'renamed', 'a_1');
  });

  it('makes a second createIndexes of the same index wait for the first', async () => {
    const coll = await fill('twice');
    const entered = await hang('hangIndexBuildBeforeCommit');
    const first = tracked(client.db(DB).command({ createIndexes: 'twice', indexes: [{ key: { a: 1 }, name: 'a_1' }] }));
    await reached('hangIndexBuildBeforeCommit', entered);
    const second = tracked(other.db(DB).command({ createIndexes: 'twice', indexes: [{ key: { a: 1 }, name: 'a_1' }] }));
    // A conflicting spec under the same name is refused at once, building or not.
    await rejectsWith(other.db(DB).command({ createIndexes: 'twice', indexes: [{ key: { a: -1 }, name: 'a_1' }] }), 86, { codeName: 'IndexKeySpecsConflict' });
    assert.equal(first.settled(), false);
    assert.equal(second.settled(), false);
    await release('hangIndexBuildBeforeCommit');
    assert.deepEqual(plain(await first.promise), { numIndexesBefore: 1, numIndexesAfter: 2, createdCollectionAutomatically: false, ok: 1 });
    const again = await second.promise;
    assert.equal(again.note, 'all indexes already exist');
    assert.equal(again.numIndexesAfter, 2);
    await assertExactEntries(server.engine, 'twice', 'a_1');
    assert.deepEqual(await indexNames(coll), ['_id_', 'a_1']);
  });

  it('keeps transactions consistent: one that wrote before the build conflicts at commit, one that wrote after maintains the index', async () => {
    const coll = await fill('txn');
    const early = other.startSession();
    const late = other.startSession();
    try {
      early.startTransaction();
      await other.db(DB).collection<Doc>('txn').insertOne({ _id: 'early', a: 1, u: -1 }, { session: early });

      const entered = await hang('hangIndexBuildBeforeCommit');
      const build = tracked(coll.createIndex({ a: 1 }));
      await reached('hangIndexBuildBeforeCommit', entered);

      late.startTransaction();
      await other.db(DB).collection<Doc>('txn').insertOne({ _id: 'late', a: 2, u: -2 }, { session: late });
      await other.db(DB).collection<Doc>('txn').updateOne({ _id: 3 }, { $set: { a: 3333 } }, { session: late });
      await late.commitTransaction();
      // Its statement computed no entry for the new index: committing it now would leave the index without it.
      await rejectsWith(early.commitTransaction(), 112, { codeName: 'WriteConflict', labels: ['TransientTransactionError'] });

      await release('hangIndexBuildBeforeCommit');
      await build.promise;
      assert.equal(await coll.countDocuments({ _id: 'early' }), 0);
      assert.equal(await coll.countDocuments({ _id: 'late' }), 1);
      await assertExactEntries(server.engine, 'txn', 'a_1');
    } finally {
      await early.endSession();
      await late.endSession();
    }
  });

  it('builds on a small collection in one step, with the same replies and events', async () => {
    const coll = client.db(DB).collection<Doc>('small');
    await coll.insertMany([{ _id: 1, a: 1, u: 1 }, { _id: 2, a: 1, u: 2 }]);
    assert.deepEqual(plain(await client.db(DB).command({ createIndexes: 'small', indexes: [{ key: { a: 1 }, name: 'a_1' }] })), {
      numIndexesBefore: 1, numIndexesAfter: 2, createdCollectionAutomatically: false, ok: 1,
    });
    await assertExactEntries(server.engine, 'small', 'a_1');
    await rejectsWith(coll.createIndex({ a: 1 }, { unique: true, name: 'a_unique' }), 11000, { message: `E11000 duplicate key error collection: ${DB}.small index: a_unique dup key: { a: 1 }` });
    await rejectsWith(client.db(DB).command({ createIndexes: 'small', indexes: [{ key: { b: 1 }, name: 'b_1', buildUUID: 1 }] }), 197, { codeName: 'InvalidIndexSpecificationOption' });
    assert.deepEqual(await indexNames(coll), ['_id_', 'a_1']);
    await client.db(DB).createCollection('small_view', { viewOn: 'small', pipeline: [] });
    await rejectsWith(client.db(DB).collection('small_view').createIndex({ a: 1 }), 166, { codeName: 'CommandNotSupportedOnView' });
  });
});
