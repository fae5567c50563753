/**
 * pymongo 3.11 (Debian's python3-pymongo, run with /usr/bin/python3 or $EDDYDB_PYTHON) against an in-process eddydb
 * server. Without pymongo the suite is one skipped test (a failing one under EDDYDB_REQUIRE_ALL=1).
 *
 * Each scenario is a plain Python script in test/integration/pymongo/scripts/ that takes the server URI, does the
 * real work with pymongo, and prints its observations as one JSON line (relaxed Extended JSON) at the end of stdout.
 * The scripts are not compiled by tsc, so they are found from the repository root (process.cwd()), not from dist/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type LogEntry, type RunningServer } from '../../../src/server/index.js';
import { requireOptional } from '../../helpers/optional.js';
import { PYMONGO_HOW_TO_GET, PYTHON, pymongoMissing } from '../../helpers/python.js';

const SUITE = 'pymongo 3.11 against eddydb serve';
const SCRIPTS = join(process.cwd(), 'test', 'integration', 'pymongo', 'scripts');
/** The scripts' own watchdog (_common.py) fires at 12 s with a stack dump; this is the hard stop behind it. */
const SCRIPT_TIMEOUT_MS = 15_000;

interface ScriptRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Children still running; the suite's `after` kills any left (e.g. when a test is cancelled mid-run). */
const running = new Set<ChildProcess>();

/** Runs one script with the URI; the child is killed on timeout, and by `after` if it outlives its test. */
function runPython(script: string, uri: string): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [join(SCRIPTS, script), uri], {
      cwd: SCRIPTS,
      // No __pycache__ in the source tree, and output that is not stuck in a buffer when the child is killed.
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, SCRIPT_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      running.delete(child);
      child.kill('SIGKILL');
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** JSON value as the scripts print it (relaxed Extended JSON). */
type Json = any;

if (requireOptional(SUITE, pymongoMissing(), PYMONGO_HOW_TO_GET)) describe(SUITE, () => {
  let server: RunningServer | undefined;
  let uri = '';
  const logs: LogEntry[] = [];

  before(async () => {
    server = await startServer({
      port: 0, bindIp: '127.0.0.1', dbpath: ':memory:', replSet: 'rs0', enableTestCommands: true,
      argv: ['eddydb', 'serve', '--setParameter', 'enableTestCommands=1'],
      log: (entry) => logs.push(entry),
    });
    uri = `mongodb://${server.address}/?replicaSet=rs0`;
  });

  after(async () => {
    for (const child of running) child.kill('SIGKILL');
    await server?.close();
  });

  /** Runs a script and returns its JSON line; fails with pymongo's traceback and the server's warnings otherwise. */
  async function run(script: string): Promise<Json> {
    if (!existsSync(join(SCRIPTS, script))) {
      assert.fail(`${join(SCRIPTS, script)} not found: run the tests from the repository root (scripts are not in dist/)`);
    }
    const logStart = logs.length;
    const result = await runPython(script, uri);
    const lines = result.stdout.split('\n').filter((line) => line.trim() !== '');
    const last = lines.at(-1) ?? '';
    if (result.code !== 0 || result.timedOut || !last.startsWith('{')) {
      const serverNotes = logs
        .slice(logStart)
        .filter((e) => e.s !== 'I')
        .slice(-10)
        .map((e) => JSON.stringify(e))
        .join('\n');
      assert.fail(
        `${script} ${result.timedOut ? `timed out after ${SCRIPT_TIMEOUT_MS} ms` : `exited with ${result.code ?? result.signal}`}\n` +
          `--- stderr (pymongo traceback) ---\n${result.stderr.trim()}\n` +
          `--- stdout (last 20 lines) ---\n${lines.slice(-20).join('\n')}\n` +
          `--- server warnings/errors during the run ---\n${serverNotes || '(none)'}`,
      );
    }
    try {
      return JSON.parse(last);
    } catch (err) {
      assert.fail(`${script}: the last stdout line is not JSON (${String(err)}):\n${last}`);
    }
  }

  const oid = (v: Json): string => {
    assert.equal(typeof v?.$oid, 'string', `expected an ObjectId, got ${JSON.stringify(v)}`);
    return v.$oid;
  };
  const tokenData = (token: Json): string => {
    assert.equal(typeof token?._data, 'string', `expected a resume token {_data: <string>}, got ${JSON.stringify(token)}`);
    return token._data;
  };
  /** An OperationFailure the script recorded (see _common.error_info); the message shows all of it. */
  const assertFailure = (info: Json, code: number, codeName: string, labels?: string[]): void => {
    const text = JSON.stringify(info);
    assert.equal(info?.type, 'OperationFailure', `expected OperationFailure ${code}, got ${text}`);
    assert.equal(info.code, code, text);
    assert.equal(info.codeName, codeName, text);
    if (labels) assert.deepEqual(info.errorLabels, labels, text);
  };
  /** Common shape of every event: token document, Timestamp clusterTime, wallTime. */
  const assertEventBasics = (change: Json): void => {
    assert.equal(change.tokenIsDocument, true, JSON.stringify(change));
    assert.equal(change.clusterTimeType, 'Timestamp', JSON.stringify(change));
    assert.ok(change.keys.includes('wallTime'), `no wallTime in ${JSON.stringify(change.keys)}`);
  };

  test(`${PYTHON} can import pymongo`, () => {
    const probe = spawnSync(PYTHON, ['-c', 'import pymongo, sys; sys.stdout.write(pymongo.version)'], { encoding: 'utf8' });
    assert.match(probe.stdout, /^\d+\.\d+/);
  });

  test('handshake: a replica-set primary to pymongo; getCmdLineOpts, getParameter and failCommand as its harness reads them', async () => {
    const out = await run('handshake.py');
    const address = server!.address;
    const [host, port] = [server!.host, server!.port];
    assert.equal(out.ping, 1);
    assert.equal(out.topologyType, 'ReplicaSetWithPrimary');
    assert.equal(out.replicaSetName, 'rs0');
    assert.deepEqual(out.primary, [host, port]);
    assert.deepEqual(out.address, [host, port]);
    assert.equal(out.isPrimary, true);
    assert.deepEqual(out.isMaster, {
      ismaster: true, secondary: false, setName: 'rs0', hosts: [address], primary: address, me: address,
      minWireVersion: 0, maxWireVersion: 25, logicalSessionTimeoutMinutes: 30,
      maxBsonObjectSize: 16777216, maxMessageSizeBytes: 48000000, maxWriteBatchSize: 100000,
    });
    assert.equal(out.isMasterHasTopologyVersion, false, 'no topologyVersion: pymongo would switch to streaming hello');
    assert.deepEqual(out.isMasterTypes, { localTime: 'datetime', connectionId: 'int', electionId: 'ObjectId', operationTime: 'Timestamp' });
    assert.match(out.version, /^\d+\.\d+\.\d+/);
    assert.equal(out.versionArray.length, 4);
    assert.equal(out.cmdLineTestCommands, true);
    assert.deepEqual(out.parsedSetParameter, { enableTestCommands: '1' });
    assert.equal(out.hasSecurity, false);
    assert.notEqual(out.storageEngine, 'mmapv1');
    assert.equal(out.getParameterTestCommands, true);
    assertFailure(out.failPoint, 2, 'BadValue');
    assert.deepEqual(out.afterFailPoint, { _id: 1 }, 'the fail point fired only once');
  });

  test('geospatial: GEOSPHERE and GEO2D indexes, $near, $geoWithin, $geoNear and their errors', async () => {
    const out = await run('geo.py');
    assert.equal(out.indexName, 'location_2dsphere');
    assert.deepEqual(out.indexInfo, { v: 2, key: [['location', '2dsphere']], '2dsphereIndexVersion': 3 });
    assert.deepEqual(out.near, ['Central Park']);
    assert.deepEqual(out.nearSphere, ['Central Park', 'Polo Grounds', 'Sara D. Roosevelt Park']);
    assert.deepEqual(out.within, [1, 2]);
    assert.deepEqual(out.geoNear.map((p: [string, number]) => p[0]), ['Central Park', 'Sara D. Roosevelt Park']);
    assert.equal(out.badInsert, 16755);
    assert.equal(out.flatIndex, 'p_2d');
    assert.deepEqual(out.flatNear, [4, 5, 3]);
    assert.deepEqual(out.box, [2, 3, 4, 5]);
    assert.deepEqual(out.noIndex, { code: 291, codeName: 'NoQueryExecutionPlans' });
  });

  test('transactions: start_transaction, with_transaction and abort_transaction', async () => {
    const out = await run('transactions.py');
    assert.deepEqual(out.insideOwn, [70, 30], 'the transaction reads its own writes');
    assert.deepEqual(out.insideOther, [100, 0], 'nobody else sees them before the commit');
    assert.deepEqual(out.afterCommit, [70, 30]);
    assert.deepEqual(out.afterWithTransaction, [60, 40]);
    assert.deepEqual(out.afterAbort, ['a', 'b'], 'the aborted insert left nothing');
    assert.deepEqual(out.countInTransaction, { code: 263, codeName: 'OperationNotSupportedInTransaction' });
  });

  test('cursors: no read-ahead close, and an exhaust cursor refused as mongod 8.0 refuses its OP_QUERY find', async () => {
    const out = await run('cursors.py');
    const ids = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    assert.deepEqual(out.batched, ids);
    assert.deepEqual(out.batchedGetMores, [[5, true], [0, false]], 'the batch ending on the last document leaves the cursor open');
    assert.deepEqual(out.limited, ids);
    assert.deepEqual(out.limitedGetMores, [[5, false]], 'the batch that reaches the limit closes the cursor');
    assert.equal(out.exhaust.type, 'OperationFailure');
    assert.equal(out.exhaust.code, 5739101);
    assert.match(out.exhaust.errmsg, /OP_QUERY is no longer supported/);
    assert.equal(out.afterExhaust, 10);
  });

  test('CRUD: insert, find, update, delete, count, unique index and DuplicateKeyError', async () => {
    const out = await run('crud.py');
    assert.deepEqual(out.insertOne, { acknowledged: true, idType: 'ObjectId' });
    assert.deepEqual(out.insertMany, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(out.findOne, { name: 'ada', age: 36, tags: ['math'] });
    assert.deepEqual(out.findSorted, [{ _id: 7, age: 27 }, { _id: 4, age: 24 }, { _id: 1, age: 21 }]);
    assert.deepEqual(out.findSkipLimit, [2, 3, 4]);
    assert.deepEqual(out.findBatched, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(out.findBatchedGetMores, 3, 'batch_size=3 over 10 documents: find + 3 getMores');
    assert.deepEqual(out.updateOne, { matched: 1, modified: 1, upsertedId: null });
    assert.deepEqual(out.afterUpdate, { _id: 4, name: 'four', age: 25, group: 1, tags: ['x'] });
    assert.deepEqual(out.upsert, { matched: 0, modified: 0, upsertedId: 'new' });
    assert.deepEqual(out.noopUpdate, { matched: 1, modified: 0 });
    assert.equal(out.countAll, 12);
    assert.equal(out.countGroup0, 4);
    assert.equal(out.deleteMany, 4);
    assert.equal(out.countAfterDelete, 8);
    assert.deepEqual(out.distinctGroups, [1, 2]);
    assert.deepEqual(out.aggregate, [{ _id: 1, n: 3, maxAge: 27 }, { _id: 2, n: 3, maxAge: 28 }]);
    assert.equal(out.createIndex, 'name_1');
    assert.deepEqual(out.indexes, [['_id_', false], ['name_1', true]]);
    assert.equal(out.duplicate?.type, 'DuplicateKeyError', JSON.stringify(out.duplicate));
    assert.equal(out.duplicate.code, 11000);
    assert.match(out.duplicate.errmsg, /^E11000 duplicate key error collection: pymongo_crud\.people index: name_1 dup key: \{ name: "ada" \}/);
    assert.deepEqual(out.duplicateMany, { type: 'BulkWriteError', nInserted: 1, writeErrors: [{ index: 1, code: 11000 }] });
    assert.equal(out.countAfterDuplicates, 1, 'an ordered insert_many stops at the first duplicate');
    assert.deepEqual(out.collections, ['people']);
  });

  test('aggregation: $lookup (both forms), $facet, $unionWith, $bucket, $bucketAuto, $setWindowFields, $densify, $fill, $graphLookup and newer operators', async () => {
    const out = await run('aggregation_stages.py');
    assert.deepEqual(out.lookup, [[1, [1]], [2, [4]], [3, [5, 6]]], 'a missing localField matches null and missing foreignFields');
    assert.deepEqual(out.lookupPipeline, [[1, [1]], [2, [1, 2, 3, 4]], [3, []]]);
    assert.deepEqual(out.facet, [{ byStock: [{ n: 3 }], skus: [{ sku: 'pecans' }, { sku: 'cashews' }] }]);
    assert.deepEqual(out.unionWith, [{ item: 'almonds' }, { item: 'pecans' }, {}, { item: 'cashews' }, { item: 'pecans' }]);
    assert.deepEqual(out.bucket, [{ _id: 0, count: 2 }, { _id: 75, count: 1 }, { _id: 100, count: 1 }, { _id: 'none', count: 2 }]);
    assert.deepEqual(out.bucketAuto, [{ _id: { min: 1, max: 6 }, count: 5 }, { _id: { min: 6, max: 10 }, count: 5 }]);
    assert.deepEqual(out.setWindowFields, [[1, 1], [2, 3], [3, 5], [4, 6]]);
    assert.deepEqual(out.densify, [1, 2, 3, 4]);
    assert.deepEqual(out.fill, [[1, 1, 1], [2, 3, 1], [3, 5, 5], [4, null, 5]]);
    assert.deepEqual(out.graphLookup, [['Dev', []], ['Eliot', ['Dev']], ['Ron', ['Dev', 'Eliot']], ['Andrew', ['Dev', 'Eliot']]]);
    assert.deepEqual(out.operators, {
      week: '2021-03-15T00:00:00',
      nextMonth: '2021-02-28T00:00:00',
      days: [78, 'Int64'],
      byAge: ['charlie', 'dallas', 'pat'],
      bits: [8, 'Int64'],
      sine: '0.8414709848078965066525023216302990',
    });
    assertFailure(out.badUnit, 5439014, 'Location5439014');
  });

  test('query plans: explain(), hint by name and key list, min/max, count_documents with a hint to a sparse index', async () => {
    const out = await run('query_plans.py');
    assert.deepEqual(out.findStages, ['FETCH', 'IXSCAN']);
    assert.equal(out.indexName, 'sku_1');
    assert.deepEqual(out.examined, [1, 1]);
    assert.deepEqual(out.hintByName, [195, 196, 197, 198, 199]);
    assert.deepEqual(out.hintByKeys, ['FETCH', 'IXSCAN']);
    assert.deepEqual(out.minMax, [10, 11]);
    assert.equal(out.countHintSparse, 200, 'a hinted sparse index counts what it holds, as on mongod');
    assert.equal(out.countAll, 205);
    assert.deepEqual(out.badHint, { code: 2, codeName: 'BadValue' });
  });

  test('text search: create_index with TEXT, $text terms, phrase and exclusion, textScore projection and sort', async () => {
    const out = await run('text_search.py');
    assert.equal(out.indexName, 'name_text_description_text');
    assert.deepEqual(out.indexInfo, {
      key: [['_fts', 'text'], ['_ftsx', 1]],
      weights: { description: 1, name: 1 },
      default_language: 'english',
      language_override: 'language',
      textIndexVersion: 3,
    });
    assert.deepEqual(out.any, [1, 3, 5]);
    assert.deepEqual(out.phrase, [3]);
    assert.deepEqual(out.excluded, [5]);
    assert.deepEqual(out.scored, [[3, 2.25], [1, 1.5], [5, 1.5]]);
    assert.equal(out.count, 2);
    assert.equal(out.noIndex.code, 27);
    assert.equal(out.noIndex.codeName, 'IndexNotFound');
  });

  test('with coll.watch() as stream: for change in stream — N inserts from another client', async () => {
    const out = await run('watch_for_loop.py');
    assert.deepEqual(out.writerErrors, []);
    assert.equal(out.inserted.length, 10);
    assert.equal(out.changes.length, 10);
    out.changes.forEach((change: Json, i: number) => {
      const doc = out.inserted[i];
      assert.equal(change.operationType, 'insert');
      assertEventBasics(change);
      assert.deepEqual(change.keys, ['_id', 'clusterTime', 'documentKey', 'fullDocument', 'ns', 'operationType', 'wallTime']);
      assert.deepEqual(change.ns, { db: 'pymongo_for_loop', coll: 'items' });
      assert.equal(oid(change.documentKey._id), oid(doc._id));
      assert.deepEqual(change.documentKey, { _id: doc._id });
      assert.deepEqual(change.fullDocument, doc);
      assert.equal(Object.keys(change.fullDocument)[0], '_id', 'fullDocument keeps _id first');
    });
    assert.equal(out.aliveBeforeClose, true, 'the stream is alive inside the with block');
    assert.equal(out.aliveAfterWith, false, 'leaving the with block closes the stream');
  });

  test('while stream.alive: try_next() / resume_token, ending by itself after invalidate', async () => {
    const out = await run('try_next_loop.py');
    assert.deepEqual(out.writerErrors, []);
    const opening = tokenData(out.tokenAtOpen); // set from the aggregate's postBatchResumeToken, before any change

    const types = out.changes.map((c: Json) => c.summary.operationType);
    assert.deepEqual(types, ['insert', 'insert', 'insert', 'update', 'delete', 'drop', 'invalidate']);
    assert.deepEqual(out.changes.slice(0, 3).map((c: Json) => c.summary.fullDocument), [
      { _id: 1, v: 'one' }, { _id: 2, v: 'two' }, { _id: 3, v: 'three' },
    ]);
    assert.deepEqual(out.changes[3].summary.documentKey, { _id: 2 });
    assert.deepEqual(out.changes[3].summary.updateDescription, { updatedFields: { v: 'TWO' }, removedFields: [], truncatedArrays: [] });
    assert.deepEqual(out.changes[4].summary.documentKey, { _id: 3 });
    for (const change of out.changes.slice(0, 6)) {
      assertEventBasics(change.summary);
      assert.deepEqual(change.summary.ns, { db: 'pymongo_try_next', coll: 'events' });
    }
    const invalidate = out.changes[6].summary;
    assertEventBasics(invalidate);
    assert.deepEqual(invalidate.keys, ['_id', 'clusterTime', 'operationType', 'wallTime'], 'invalidate has no ns');

    // Every pass printed a token; none is missing, and they never go backwards.
    assert.ok(out.passes.length >= 4 + 7, `expected ≥4 empty passes and 7 changes, got ${out.passes.length} passes`);
    let previous = opening;
    for (const pass of out.passes) {
      const data = tokenData(pass.token);
      assert.ok(data >= previous, `resume token went backwards: ${data} after ${previous}`);
      previous = data;
    }
    // Empty passes before any change already have a token, and a write to another collection advances it.
    const empty = out.passes.filter((p: Json) => !p.change);
    assert.ok(empty.length >= 4);
    const beforeUnrelated = tokenData(out.passes[out.marks.unrelatedWriteAfterPass - 1].token);
    const afterUnrelated = tokenData(out.passes[out.marks.unrelatedWriteDoneAtPass + 1].token);
    assert.ok(afterUnrelated > beforeUnrelated, `the token did not advance past an unrelated write (${beforeUnrelated})`);
    // Change tokens strictly increase, and the cached token after a change is at least that change's _id.
    let last = '';
    for (const change of out.changes) {
      const id = tokenData(change.token);
      assert.ok(id > last, `event tokens out of order: ${id} after ${last}`);
      assert.ok(tokenData(change.tokenAfter) >= id);
      last = id;
    }
    assert.equal(out.loopEndedByItself, true, 'stream.alive must turn False after invalidate');
    assert.equal(out.passes.at(-1).change, true, 'the last pass is the invalidate');
  });

  test('start_after an invalidate works; resume_after it is 260; resume_after a token resumes exactly after it', async () => {
    const out = await run('resume_options.py');
    assert.deepEqual(out.first.map((c: Json) => c.operationType), ['insert', 'drop', 'invalidate']);
    tokenData(out.invalidateToken);

    assert.deepEqual(out.startAfter.map((c: Json) => [c.operationType, c.documentKey]), [
      ['insert', { _id: 'after-drop-1' }],
      ['insert', { _id: 'after-drop-2' }],
    ]);
    assert.deepEqual(out.startAfter[0].ns, { db: 'pymongo_resume', coll: 'things' });
    assert.equal(out.startAfterAlive, true);

    assertFailure(out.resumeAfterInvalidate, 260, 'InvalidResumeToken');

    assert.deepEqual(out.r1.documentKey, { _id: 'r1' });
    assert.deepEqual(out.resumeAfter.map((c: Json) => c && [c.operationType, c.documentKey]), [
      ['insert', { _id: 'r2' }],
      ['insert', { _id: 'r3' }],
      ['insert', { _id: 'r4' }],
    ]);
  });

  test("update events: updateDescription, no fullDocument by default, full_document='updateLookup'", async () => {
    const out = await run('update_events.py');
    const [set, truncate, replace, ...rest] = out.default;
    assert.deepEqual(rest, []);
    assert.equal(set?.operationType, 'update');
    assertEventBasics(set);
    assert.deepEqual(set.keys, ['_id', 'clusterTime', 'documentKey', 'ns', 'operationType', 'updateDescription', 'wallTime'],
      'a default update event has no fullDocument key');
    assert.deepEqual(set.ns, { db: 'pymongo_updates', coll: 'docs' });
    assert.deepEqual(set.documentKey, { _id: 1 });
    assert.deepEqual(set.updateDescription, {
      updatedFields: { a: 10, 'nested.y': 2, 'arr.0': 7 },
      removedFields: ['b'],
      truncatedArrays: [],
    });
    assert.equal(truncate?.operationType, 'update');
    assert.ok(!truncate.keys.includes('fullDocument'));
    assert.deepEqual(truncate.updateDescription, {
      updatedFields: {},
      removedFields: [],
      truncatedArrays: [{ field: 'arr', newSize: 2 }],
    });
    assert.equal(replace?.operationType, 'replace');
    assert.deepEqual(replace.fullDocument, { _id: 1, a: 'replaced' });
    assert.deepEqual(replace.documentKey, { _id: 1 });

    const [first, second, third, deleted, ...more] = out.updateLookup;
    assert.deepEqual(more, []);
    // Looked up when returned (after both updates), not a post-image of each update.
    assert.deepEqual(first?.fullDocument, { _id: 1, counter: 2, last: true });
    assert.deepEqual(first.updateDescription, { updatedFields: { counter: 1 }, removedFields: [], truncatedArrays: [] });
    assert.deepEqual(second?.fullDocument, { _id: 1, counter: 2, last: true });
    assert.deepEqual(second.updateDescription, { updatedFields: { counter: 2, last: true }, removedFields: [], truncatedArrays: [] });
    assert.equal(third?.operationType, 'update');
    assert.ok(third.keys.includes('fullDocument'), 'updateLookup of a deleted document gives fullDocument: null');
    assert.equal(third.fullDocument, null);
    assert.equal(deleted?.operationType, 'delete');
    assert.deepEqual(deleted.keys, ['_id', 'clusterTime', 'documentKey', 'ns', 'operationType', 'wallTime']);
  });

  test('db.watch() and client.watch(): several collections and databases, never admin', async () => {
    const out = await run('db_client_watch.py');
    assert.deepEqual(out.database.map((c: Json) => [c.operationType, c.ns, c.documentKey]), [
      ['insert', { db: 'pymongo_watch_a', coll: 'c1' }, { _id: 'a1' }],
      ['insert', { db: 'pymongo_watch_a', coll: 'c2' }, { _id: 'a2' }],
      ['insert', { db: 'pymongo_watch_a', coll: 'c3' }, { _id: 'a-end' }],
    ]);
    assert.deepEqual(out.cluster.map((c: Json) => [c.operationType, c.ns, c.documentKey]), [
      ['insert', { db: 'pymongo_watch_a', coll: 'c1' }, { _id: 'ca1' }],
      ['insert', { db: 'pymongo_watch_b', coll: 'c2' }, { _id: 'cb2' }],
      ['update', { db: 'pymongo_watch_a', coll: 'c1' }, { _id: 'ca1' }],
      ['insert', { db: 'pymongo_watch_b', coll: 'c2' }, { _id: 'c-end' }],
    ]);
    assert.deepEqual(out.cluster[2].updateDescription, { updatedFields: { touched: true }, removedFields: [], truncatedArrays: [] });
    for (const change of [...out.database, ...out.cluster]) assertEventBasics(change);
  });

  test('automatic resume after killCursors from another client', async () => {
    const out = await run('auto_resume.py');
    // Phase 1: killed between getMores -> 43 -> resume with the cached token -> the next change, no repeat.
    assert.deepEqual(out.a.documentKey, { _id: 'a' });
    assert.deepEqual(out.phase1Kill, { cursorsKilled: [out.phase1Cursor], cursorsNotFound: [], cursorsAlive: [] });
    assert.deepEqual(out.b.documentKey, { _id: 'b' }, 'the change after the kill arrives, and a is not repeated');
    assert.equal(out.phase1Aggregates, 2, 'pymongo resumed with a second aggregate');
    const resumeAt = tokenData(out.phase1ResumeOptions.resumeAfter);
    assert.deepEqual(Object.keys(out.phase1ResumeOptions), ['resumeAfter']);
    assert.ok(resumeAt >= tokenData(out.aToken) && resumeAt < tokenData(out.bToken), 'resumed from a, before b');
    assert.deepEqual(out.failedGetMores[0], { code: 43, codeName: 'CursorNotFound', errorLabels: [] });

    // Phase 2: killed under a waiting getMore -> 237 CursorKilled, not resumable (as on mongod), raised to the app;
    // re-watching with resume_after=stream.resume_token then delivers c with nothing lost.
    assert.notEqual(out.phase2Cursor, out.phase1Cursor);
    assert.equal(out.phase2.error, undefined);
    assert.deepEqual(out.phase2.kill, { cursorsKilled: [out.phase2Cursor], cursorsNotFound: [], cursorsAlive: [] });
    assert.deepEqual(out.failedGetMores[1], { code: 237, codeName: 'CursorKilled', errorLabels: [] },
      `failed getMores: ${JSON.stringify(out.failedGetMores)}`);
    assertFailure(out.phase2Error, 237, 'CursorKilled', []);
    assert.equal(out.aggregates.length, 3);
    assert.ok(tokenData(out.tokenAfterB) >= tokenData(out.bToken));
    assert.deepEqual(out.afterB.map((c: Json) => c.documentKey), [{ _id: 'c' }]);
  });

  test('start_at_operation_time = ping operationTime + 1 gives exactly the 3 later inserts', async () => {
    const out = await run('start_at_operation_time.py');
    assert.deepEqual(out.changes.map((c: Json) => c && [c.operationType, c.documentKey]), [
      ['insert', { _id: 0 }],
      ['insert', { _id: 1 }],
      ['insert', { _id: 2 }],
    ], 'the insert before the ping must not be seen; the three after it must');
    const start = out.start.$timestamp;
    for (const ts of out.clusterTimes) {
      const t = ts.$timestamp;
      assert.ok(t.t > start.t || (t.t === start.t && t.i >= start.i), `event clusterTime ${JSON.stringify(t)} < start ${JSON.stringify(start)}`);
    }
  });

  test("users and roles: db.command('createUser', ...), usersInfo forms, an inherited role; the password never shown", async () => {
    const out = await run('user_management.py');
    assert.equal(out.created, 1);
    assert.deepEqual(out.listed, [['app', 'pymongo_users', ['SCRAM-SHA-1', 'SCRAM-SHA-256']], ['ops', 'pymongo_users', ['SCRAM-SHA-256']]]);
    assert.deepEqual(out.oneKeys, ['_id', 'userId', 'user', 'db', 'customData', 'roles', 'mechanisms']);
    assert.equal(out.oneUserIdType, 'UUID', 'a BinData subtype 4, which pymongo decodes as uuid.UUID');
    assert.deepEqual(out.oneRoles, [{ role: 'readWrite', db: 'pymongo_users' }, { role: 'read', db: 'reports' }]);
    assert.deepEqual(out.oneCustomData, { owner: 'team-a' });
    assert.deepEqual(out.credentialKeys, ['SCRAM-SHA-1', 'SCRAM-SHA-256']);
    assert.deepEqual(out.sha256Fields, ['iterationCount', 'salt', 'storedKey', 'serverKey']);
    assert.equal(out.passwordShown, false);
    assert.deepEqual(out.inheritedRoles, [{ role: 'auditor', db: 'pymongo_users' }, { role: 'read', db: 'pymongo_users' }]);
    const resources = out.inheritedPrivileges.map((p: Json) => p.resource);
    assert.deepEqual(resources[0], { db: 'pymongo_users', collection: 'logs' }, "the role's own privilege first");
    assert.ok(resources.some((r: Json) => r.db === 'pymongo_users' && r.collection === ''), `read's privileges inherited: ${JSON.stringify(resources)}`);
    assertFailure(out.duplicate, 51003, 'Location51003');
    assert.equal(out.duplicate.errmsg, 'User "app@pymongo_users" already exists');
    assertFailure(out.unknownRole, 31, 'RoleNotFound');
    assert.equal(out.unknownRole.errmsg, 'Could not find role: nope@pymongo_users');
    assert.equal(out.dropped, 2);
  });

  test('errors: $project {_id: 0} fails iteration with 280; an unknown stage fails watch() with 40324', async () => {
    const out = await run('errors.py');
    assert.equal(out.projectAtWatch, null, `watch() failed: ${JSON.stringify(out.projectAtWatch)}`);
    assertFailure(out.projectAtIteration, 280, 'ChangeStreamFatalError', ['NonResumableChangeStreamError']);
    assertFailure(out.unknownStage, 40324, 'Location40324', []);
    assert.equal(out.unknownStage.errmsg, "Unrecognized pipeline stage name: '$unknownStage'");
    assertFailure(out.resumeAfterAndStartAtOperationTime, 40674, 'Location40674', []);
  });

  test('access control with --auth: the localhost exception, SCRAM-SHA-1 and -256, 13 for a write and a stream without privileges, 18 for a wrong password, a revoked role ending a stream', async () => {
    const secured = await startServer({ port: 0, bindIp: '127.0.0.1', dbpath: ':memory:', replSet: 'rs0', enableTestCommands: false, auth: true });
    try {
      const result = await runPython('access_control.py', `mongodb://${secured.address}/?replicaSet=rs0`);
      const last = result.stdout.trim().split('\n').at(-1) ?? '';
      assert.ok(result.code === 0 && last.startsWith('{'), `access_control.py failed:\n${result.stderr}\n${result.stdout}`);
      const out = JSON.parse(last);
      assertFailure(out.anonymousFind, 13, 'Unauthorized');
      assert.equal(out.anonymousFind.errmsg, 'Command find requires authentication');
      assertFailure(out.secondByException, 13, 'Unauthorized');
      assert.deepEqual(out.adminStatus, [{ user: 'admin', db: 'admin' }]);
      assert.deepEqual(out['readerSCRAM-SHA-1'], { _id: 1 });
      assert.deepEqual(out['readerSCRAM-SHA-256'], { _id: 1 });
      assertFailure(out.readerInsert, 13, 'Unauthorized');
      assert.deepEqual(out.finderFind, { _id: 1 });
      assertFailure(out.finderWatch, 13, 'Unauthorized');
      assertFailure(out.wrongPassword, 18, 'AuthenticationFailed');
      assert.deepEqual(out.seen, { _id: 2 });
      assertFailure(out.afterRevoke, 13, 'Unauthorized');
      assert.equal(out.streamAlive, false);
    } finally {
      await secured.close();
    }
  });
});
