/**
 * The driver's automatic resume against the real server: after killCursors from another client, a closed
 * connection, a labelled getMore error and a cursor killed under a waiting getMore; and no resume when the error
 * carries no ResumableChangeStreamError label. Every case checks that no change is lost or repeated.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MongoNetworkError, MongoServerError, type Collection, type Document, type Long, type MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { asLong, clientFor, CommandLog, disableFailPoints, rejectsWith, sleep, started, startInProcess, type Stream } from './harness.js';

type Doc = { _id?: number | string; [key: string]: unknown };

const APP = 'resume-suite';

describe('automatic resume through the official driver', () => {
  let server: RunningServer;
  /** Runs the streams (its connections are the ones fail points target by appName). */
  let client: MongoClient;
  /** Writes, kills cursors and configures fail points. */
  let other: MongoClient;
  let log: CommandLog;

  before(async () => {
    server = await startInProcess();
    client = clientFor(server.address, { appName: APP });
    other = clientFor(server.address);
    log = new CommandLog(client);
    await client.connect();
    await other.connect();
  });

  after(async () => {
    await client?.close();
    await other?.close();
    await server?.close();
  });

  beforeEach(async () => {
    await disableFailPoints(other);
  });

  /** A stream on `name` (run by `client`) that has already seen one insert, and the id of its server cursor. */
  async function streamWithOneEvent(name: string, options: Document = {}): Promise<{ stream: Stream; writer: Collection<Doc>; id: Long }> {
    const writer = other.db('resume').collection<Doc>(name);
    log.clear();
    const stream = await started(client.db('resume').collection(name).watch([], options));
    const id = asLong(log.replies('aggregate').at(-1)!.cursor.id);
    await writer.insertOne({ _id: 1 });
    assert.deepEqual((await stream.next()).documentKey, { _id: 1 });
    return { stream, writer, id };
  }

  /** Reads `n` events and then checks that nothing else is pending. */
  async function expectExactly(stream: Stream, ids: unknown[]): Promise<void> {
    const seen: unknown[] = [];
    for (let i = 0; i < ids.length; i++) seen.push((await stream.next()).documentKey._id);
    assert.deepEqual(seen, ids, 'every change once, in order');
    assert.equal(await stream.tryNext(), null, 'and nothing repeated after');
  }

  /** The aggregates the stream client sent after the first: the resumes, with their $changeStream options. */
  function resumes(): Document[] {
    return log.started('aggregate').slice(1).map((a) => a.command.pipeline[0].$changeStream as Document);
  }

  test('(a) killCursors from another client: the next getMore gets 43 and the driver resumes with resumeAfter', async () => {
    const { stream, writer, id } = await streamWithOneEvent('killed', { maxAwaitTimeMS: 50 });
    try {
      const tokenBefore = stream.resumeToken;
      const killed = await other.db('resume').command({ killCursors: 'killed', cursors: [id] });
      assert.deepEqual(killed.cursorsKilled.map(String), [id.toString()]);
      assert.deepEqual(killed.cursorsNotFound, []);
      assert.equal(server.engine.cursors.has(id.toBigInt()), false, 'the cursor is really freed');
      await writer.insertMany([{ _id: 2 }, { _id: 3 }]);
      await expectExactly(stream, [2, 3]);
      const failures = log.failures('getMore');
      assert.equal(failures.length, 1);
      assert.equal(failures[0]!.code, 43);
      assert.deepEqual(resumes(), [{ resumeAfter: tokenBefore }], 'one resume, after the last token seen');
    } finally {
      await stream.close();
    }
  });

  test('(b) failCommand closeConnection on getMore: a network error, then a resume', async () => {
    const { stream, writer } = await streamWithOneEvent('closed', { maxAwaitTimeMS: 50 });
    try {
      await other.db('admin').command({
        configureFailPoint: 'failCommand', mode: { times: 1 }, data: { failCommands: ['getMore'], closeConnection: true, appName: APP },
      });
      await writer.insertMany([{ _id: 2 }, { _id: 3 }]);
      await expectExactly(stream, [2, 3]);
      const failures = log.failures('getMore');
      assert.equal(failures.length, 1);
      assert.ok(failures[0] instanceof MongoNetworkError, `a network error, got ${String(failures[0])}`);
      assert.equal(resumes().length, 1);
      assert.ok(resumes()[0]!.resumeAfter, 'resumed with resumeAfter');
    } finally {
      await stream.close();
    }
  });

  test('consecutive resumes: two closed connections with batchSize 1, each followed by a resume', async () => {
    const { stream, writer } = await streamWithOneEvent('consecutive', { batchSize: 1, maxAwaitTimeMS: 50 });
    try {
      await writer.insertMany([{ _id: 2 }, { _id: 3 }, { _id: 4 }]);
      await other.db('admin').command({
        configureFailPoint: 'failCommand', mode: { times: 2 }, data: { failCommands: ['getMore'], closeConnection: true, appName: APP },
      });
      // The first resume's aggregate returns _id 2 in its first batch; the next getMore fails again.
      await expectExactly(stream, [2, 3, 4]);
      assert.equal(resumes().length, 2);
      assert.ok(resumes().every((r) => r.resumeAfter), 'each resume uses resumeAfter');
    } finally {
      await stream.close();
    }
  });

  test('(c) failGetMoreAfterCursorCheckout errorCode 6: the server adds ResumableChangeStreamError and the driver resumes', async () => {
    const { stream, writer } = await streamWithOneEvent('hostunreachable', { maxAwaitTimeMS: 50 });
    try {
      await other.db('admin').command({ configureFailPoint: 'failGetMoreAfterCursorCheckout', mode: { times: 1 }, data: { errorCode: 6 } });
      await writer.insertMany([{ _id: 2 }, { _id: 3 }]);
      await expectExactly(stream, [2, 3]);
      const failures = log.failures('getMore');
      assert.equal(failures.length, 1);
      assert.equal(failures[0]!.code, 6);
      assert.ok(failures[0] instanceof MongoServerError && failures[0].hasErrorLabel('ResumableChangeStreamError'), 'labelled by the server');
      assert.equal(resumes().length, 1);
    } finally {
      await stream.close();
    }
  });

  test('failCommand with an explicit ResumableChangeStreamError label resumes, whatever the code', async () => {
    const { stream, writer } = await streamWithOneEvent('labelled', { maxAwaitTimeMS: 50 });
    try {
      await other.db('admin').command({
        configureFailPoint: 'failCommand', mode: { times: 1 },
        data: { failCommands: ['getMore'], errorCode: 50, errorLabels: ['ResumableChangeStreamError'], appName: APP },
      });
      await writer.insertOne({ _id: 2 });
      await expectExactly(stream, [2]);
      assert.equal(log.failures('getMore')[0]!.code, 50);
      assert.equal(resumes().length, 1);
    } finally {
      await stream.close();
    }
  });

  test('(d) failCommand getMore errorCode 6 without labels: no resume, the error reaches the user', async () => {
    const { stream, writer } = await streamWithOneEvent('unlabelled', { maxAwaitTimeMS: 50 });
    await other.db('admin').command({
      configureFailPoint: 'failCommand', mode: { times: 1 }, data: { failCommands: ['getMore'], errorCode: 6, appName: APP },
    });
    await writer.insertOne({ _id: 2 });
    const err = await rejectsWith(() => stream.next(), 6, { notLabels: ['ResumableChangeStreamError'] });
    assert.deepEqual(err.errorLabels, []);
    assert.equal(resumes().length, 0, 'no second aggregate');
    assert.equal(stream.closed, true);
  });

  test('ElectionInProgress (216) from failCommand is not resumed', async () => {
    const { stream } = await streamWithOneEvent('election', { maxAwaitTimeMS: 50 });
    await other.db('admin').command({
      configureFailPoint: 'failCommand', mode: { times: 1 }, data: { failCommands: ['getMore'], errorCode: 216, appName: APP },
    });
    await rejectsWith(() => stream.next(), 216);
    assert.equal(resumes().length, 0);
  });

  test('(e) killing a cursor under a waiting getMore: the server answers 237 CursorKilled', async () => {
    const { stream, writer, id } = await streamWithOneEvent('waiting', { maxAwaitTimeMS: 5000 });
    try {
      const getMoreSent = log.next((e) => e.kind === 'started' && e.commandName === 'getMore');
      const pending = stream.next().then((change) => ({ change }), (error: unknown) => ({ error }));
      await getMoreSent;
      await sleep(100); // let the server take the getMore and start waiting for changes
      const t0 = Date.now();
      const killed = await other.db('resume').command({ killCursors: 'waiting', cursors: [id] });
      assert.deepEqual(killed.cursorsKilled.map(String), [id.toString()]);
      await writer.insertOne({ _id: 2 });
      const outcome = await pending;
      assert.ok(Date.now() - t0 < 3000, 'the waiting getMore ended at once, not after its 5 s maxTimeMS');
      const failure = log.failures('getMore')[0];
      assert.equal(failure?.code, 237, `the server answered the waiting getMore with CursorKilled, got ${String(failure)}`);
      if ('error' in outcome) {
        assert.ok(outcome.error instanceof MongoServerError);
        assert.equal(outcome.error.code, 237);
        assert.equal(outcome.error.codeName, 'CursorKilled');
      } else {
        // A driver that resumes must deliver the next change, once.
        assert.deepEqual(outcome.change.documentKey, { _id: 2 });
      }
    } finally {
      await stream.close();
    }
  });

  test('an idle change-stream cursor reaped by the server is resumed transparently', async () => {
    const { stream, writer, id } = await streamWithOneEvent('reaped', { maxAwaitTimeMS: 50 });
    try {
      assert.ok(server.engine.cursors.reap(Date.now() + 11 * 60 * 1000) >= 1);
      assert.equal(server.engine.cursors.has(id.toBigInt()), false);
      await writer.insertOne({ _id: 2 });
      await expectExactly(stream, [2]);
      assert.equal(log.failures('getMore')[0]?.code, 43);
      assert.equal(resumes().length, 1);
    } finally {
      await stream.close();
    }
  });
});
