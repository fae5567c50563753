/**
 * The change-streams prose tests a server can influence (1, 2, 3, 4, 7, 8, 11, 13, 14, 17, 18, 19 of
 * source/change-streams/tests/README.md in mongodb/specifications), run with the official driver against the wire
 * server. Each checks the driver-visible outcome and, through command monitoring, what was sent and answered.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BSON, Timestamp, type Collection, type Document, type MongoClient, type ResumeToken } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { asLong, clientFor, CommandLog, disableFailPoints, rejectsWith, started, startInProcess, type Stream } from './harness.js';

type Doc = { _id?: number | string; [key: string]: unknown };

const APP = 'prose-suite';
const DB = 'prose';

/** The `$changeStream` stage options of an aggregate command. */
function stageOf(aggregate: Document): Document {
  return (aggregate.pipeline as Document[])[0]!.$changeStream as Document;
}

/** The `_data` string of a token (mongod's shape, and ours). */
function dataOf(token: unknown): string {
  const data = (token as Document | null | undefined)?._data;
  assert.equal(typeof data, 'string', `a resume token is {_data: string}, got ${JSON.stringify(token)}`);
  return data as string;
}

describe('change-streams prose tests (specifications tests/README.md)', () => {
  let server: RunningServer;
  /** Runs the streams. retryReads is off so an aggregate retry can never pass for a resume (prose 4). */
  let client: MongoClient;
  /** Writes and configures fail points. */
  let other: MongoClient;
  let log: CommandLog;

  before(async () => {
    server = await startInProcess();
    client = clientFor(server.address, { appName: APP, retryReads: false });
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
    log.clear();
  });

  function writer(name: string): Collection<Doc> {
    return other.db(DB).collection<Doc>(name);
  }

  function watched(name: string): Collection<Doc> {
    return client.db(DB).collection<Doc>(name);
  }

  /** The postBatchResumeToken of the last aggregate or getMore reply the stream client received. */
  function lastPbrt(): ResumeToken {
    const reply = log.replies().filter((r) => r.cursor !== undefined).at(-1);
    assert.ok(reply, 'a cursor reply was received');
    const pbrt = reply.cursor.postBatchResumeToken;
    dataOf(pbrt);
    return pbrt;
  }

  /** The batch of the last aggregate or getMore reply. */
  function lastBatch(): Document[] {
    const reply = log.replies().filter((r) => r.cursor !== undefined).at(-1)!;
    return (reply.cursor.firstBatch ?? reply.cursor.nextBatch) as Document[];
  }

  /** The token of a fresh insert into `name`, read through a throwaway stream. */
  async function tokenOfInsert(name: string, doc: Doc): Promise<{ token: ResumeToken; clusterTime: Timestamp }> {
    const stream = await started(other.db(DB).collection(name).watch([], { maxAwaitTimeMS: 50 }));
    try {
      await writer(name).insertOne(doc);
      const change = await stream.next();
      assert.ok(change.clusterTime instanceof Timestamp);
      return { token: change._id, clusterTime: change.clusterTime };
    } finally {
      await stream.close();
    }
  }

  it('1: the stream keeps the resume token of the last change it returned', async () => {
    const stream = await started(watched('track').watch([], { batchSize: 2, maxAwaitTimeMS: 50 }));
    try {
      // Empty first batch: the cached token is the aggregate's postBatchResumeToken.
      assert.equal(lastBatch().length, 0);
      assert.deepEqual(stream.resumeToken, lastPbrt());
      const seen: string[] = [dataOf(stream.resumeToken)];
      /** Next change; checks the driver's caching rule, and returns the change. */
      const step = async (id: number): Promise<Document> => {
        const change = await stream.next();
        assert.deepEqual(change.documentKey, { _id: id });
        if (stream.bufferedCount() > 0) assert.deepEqual(stream.resumeToken, change._id, `_id ${id}, more buffered: the change's _id`);
        else assert.deepEqual(stream.resumeToken, lastPbrt(), `_id ${id}, last of its batch: the batch's postBatchResumeToken`);
        seen.push(dataOf(stream.resumeToken));
        return change;
      };

      await writer('track').insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
      const first = await step(1);
      const second = await step(2);
      assert.equal(lastBatch().length, 2, 'a batch filled up to batchSize');
      const third = await step(3);
      assert.equal(lastBatch().length, 1, 'a batch that reached the newest oplog entry, which is its own change');
      await writer('track').insertOne({ _id: 4 });
      await writer('track_elsewhere').insertOne({ _id: 1 });
      const fourth = await step(4);
      assert.ok(dataOf(stream.resumeToken) > dataOf(fourth._id), 'a later unrelated write moves the token past the last change');
      assert.deepEqual([...seen].sort(), seen, 'the tracked token only moves forward');
      assert.equal(new Set(seen).size, seen.length, 'and moves with every change');

      // mongod: a batch ends on its last change's own token unless the scan went past it (the driver's own prose 1
      // test, and jstests change_stream_shell_helper_resume_token.js, assert resumeToken == change._id here).
      assert.deepEqual(seen.slice(1, 4), [first, second, third].map((c) => dataOf(c._id)),
        'after each of the first three changes the token is that change\'s _id (full batch; batch ending at the newest entry)');

      // The tracked token is what the driver resumes from: kill the cursor under it.
      const id = asLong(log.replies('aggregate')[0]!.cursor.id);
      const tracked = stream.resumeToken;
      await other.db(DB).command({ killCursors: 'track', cursors: [id] });
      await writer('track').insertOne({ _id: 5 });
      const change = await stream.next();
      assert.deepEqual(change.documentKey, { _id: 5 }, 'the change after the tracked token, nothing repeated');
      const aggregates = log.started('aggregate');
      assert.equal(aggregates.length, 2, 'one resume');
      assert.deepEqual(stageOf(aggregates[1]!.command), { resumeAfter: tracked });
    } finally {
      await stream.close();
    }
  });

  it('2: a change without its resume token ends the stream with an error (the server raises 280 first)', async () => {
    const stream = await started(watched('notoken').watch([{ $project: { _id: 0 } }], { maxAwaitTimeMS: 50 }));
    await writer('notoken').insertOne({ _id: 1 });
    // Wire version >= 8: the server refuses to return the event, so the driver's own missing-_id check
    // ("A change stream document has been received that lacks a resume token") is never reached.
    const err = await rejectsWith(() => stream.next(), 280, { codeName: 'ChangeStreamFatalError', labels: ['NonResumableChangeStreamError'] });
    assert.match(err.message, /_id field.*resume token.*modified by the pipeline/);
    assert.equal(log.failures('getMore')[0]?.code, 280, 'the getMore that would carry the event fails');
    assert.equal(log.started('aggregate').length, 1, 'no resume');
    assert.equal(stream.closed, true);
  });

  it('3: one resumable error leads to one resume, with the initial pipeline and options plus the token', async () => {
    const pipeline = [{ $match: { operationType: 'insert' } }, { $addFields: { seen: true } }];
    const options = { fullDocument: 'updateLookup', batchSize: 5, maxAwaitTimeMS: 50, comment: 'prose 3' } as const;
    const stream = await started(watched('once').watch(pipeline, options));
    try {
      await writer('once').insertOne({ _id: 1 });
      assert.deepEqual((await stream.next()).documentKey, { _id: 1 });
      const token = stream.resumeToken;
      await other.db('admin').command({
        configureFailPoint: 'failCommand', mode: { times: 1 },
        data: { failCommands: ['getMore'], errorCode: 6, errorLabels: ['ResumableChangeStreamError'], appName: APP },
      });
      await writer('once').insertOne({ _id: 2 });
      const change = await stream.next();
      assert.deepEqual(change.documentKey, { _id: 2 });
      assert.equal(change.seen, true, 'the user pipeline still applies after the resume');
      assert.deepEqual(change.fullDocument, { _id: 2 });
      assert.equal(log.failures('getMore').length, 1);

      const aggregates = log.started('aggregate').map((e) => e.command);
      assert.equal(aggregates.length, 2, 'exactly one resume');
      const [initial, resume] = aggregates as [Document, Document];
      assert.deepEqual(stageOf(initial), { fullDocument: 'updateLookup' });
      assert.deepEqual(stageOf(resume), { fullDocument: 'updateLookup', resumeAfter: token }, 'only the token is added');
      assert.deepEqual(resume.pipeline.slice(1), initial.pipeline.slice(1), 'the same user stages');
      const rest = (cmd: Document): Document => {
        const { pipeline: _p, $clusterTime: _c, lsid: _l, ...others } = cmd;
        return others;
      };
      assert.deepEqual(rest(resume), rest(initial), 'the same target, cursor options and comment');

      // One attempt per error: when the resume's own aggregate fails, the driver does not try again.
      log.clear();
      await other.db('admin').command({
        configureFailPoint: 'failCommand', mode: { times: 2 },
        data: { failCommands: ['getMore', 'aggregate'], errorCode: 6, errorLabels: ['ResumableChangeStreamError'], appName: APP },
      });
      await rejectsWith(() => stream.next(), 6, { labels: ['ResumableChangeStreamError'] });
      assert.equal(log.failures('getMore').length, 1);
      assert.equal(log.started('aggregate').length, 1, 'a single resume attempt');
      assert.equal(log.failures('aggregate').length, 1);
      assert.equal(stream.closed, true);
    } finally {
      await stream.close();
    }
  });

  it('4: an error from the aggregate is never resumed, even with a resumable label', async () => {
    await other.db('admin').command({
      configureFailPoint: 'failCommand', mode: { times: 1 },
      data: { failCommands: ['aggregate'], errorCode: 6, errorLabels: ['ResumableChangeStreamError'], appName: APP },
    });
    const stream = watched('noresume').watch([], { maxAwaitTimeMS: 50 });
    // next() sends the aggregate itself, so the change stream's error handling sees the failure.
    await rejectsWith(() => stream.next(), 6, { labels: ['ResumableChangeStreamError'] });
    assert.equal(log.started('aggregate').length, 1, 'no second aggregate');
    assert.equal(log.started('getMore').length, 0);
    assert.equal(stream.closed, true);
  });

  it('7: a cursor id with an empty first batch keeps the stream open', async () => {
    const stream = await started(watched('emptyfirst').watch([], { maxAwaitTimeMS: 50 }));
    try {
      const reply = log.replies('aggregate')[0]!;
      assert.deepEqual(reply.cursor.firstBatch, []);
      const id = asLong(reply.cursor.id);
      assert.ok(!id.isZero(), 'the server returns a live cursor id');
      assert.equal(stream.closed, false);
      assert.equal(await stream.tryNext(), null);
      assert.equal(stream.closed, false);
      await writer('emptyfirst').insertOne({ _id: 1 });
      assert.deepEqual((await stream.next()).documentKey, { _id: 1 });
      const getMores = log.started('getMore');
      assert.ok(getMores.length >= 2);
      assert.ok(getMores.every((g) => asLong(g.command.getMore).equals(id)), 'every getMore uses the first cursor');
      assert.equal(log.started('aggregate').length, 1);
      assert.equal(log.started('killCursors').length, 0);
    } finally {
      await stream.close();
    }
  });

  it('8: a failing killCursors during the resume does not reach the user', async () => {
    const stream = await started(watched('killfail').watch([], { maxAwaitTimeMS: 50 }));
    try {
      await writer('killfail').insertOne({ _id: 1 });
      assert.deepEqual((await stream.next()).documentKey, { _id: 1 });
      const id = asLong(log.replies('aggregate')[0]!.cursor.id);
      // The getMore error leaves the server cursor alive, so the driver sends killCursors before resuming.
      await other.db('admin').command({ configureFailPoint: 'failGetMoreAfterCursorCheckout', mode: { times: 1 }, data: { errorCode: 6 } });
      await other.db('admin').command({
        configureFailPoint: 'failCommand', mode: { times: 1 }, data: { failCommands: ['killCursors'], errorCode: 11601, appName: APP },
      });
      await writer('killfail').insertOne({ _id: 2 });
      assert.deepEqual((await stream.next()).documentKey, { _id: 2 });
      assert.equal(log.failures('getMore')[0]?.code, 6);
      const kills = log.started('killCursors');
      assert.equal(kills.length, 1, 'the driver tried to kill the old cursor');
      assert.deepEqual(kills[0]!.command.cursors.map((c: unknown) => asLong(c).toString()), [id.toString()]);
      assert.equal(log.failures('killCursors')[0]?.code, 11601, 'and it failed');
      assert.equal(log.started('aggregate').length, 2, 'the resume went ahead');
      assert.equal(stream.closed, false);
    } finally {
      await stream.close();
    }
  });

  it('11: with an empty or fully iterated batch, the token is the postBatchResumeToken of the last reply', async () => {
    const stream = await started(watched('pbrt').watch([], { maxAwaitTimeMS: 50 }));
    try {
      assert.equal(lastBatch().length, 0);
      const fromAggregate = lastPbrt();
      assert.deepEqual(stream.resumeToken, fromAggregate, 'empty aggregate batch');

      // A write elsewhere moves the high-water mark of this stream's empty getMore.
      await writer('pbrt_elsewhere').insertOne({ _id: 1 });
      assert.equal(await stream.tryNext(), null);
      assert.equal(log.replies('getMore').length, 1);
      assert.equal(lastBatch().length, 0);
      assert.deepEqual(stream.resumeToken, lastPbrt(), 'empty getMore batch');
      assert.ok(dataOf(lastPbrt()) > dataOf(fromAggregate), 'the postBatchResumeToken advanced past the unrelated write');

      await writer('pbrt').insertMany([{ _id: 1 }, { _id: 2 }]);
      const first = await stream.next();
      assert.equal(lastBatch().length, 2, 'both changes in one batch');
      assert.deepEqual(stream.resumeToken, first._id, 'not yet at the end of the batch');
      const second = await stream.next();
      assert.equal(stream.bufferedCount(), 0);
      assert.deepEqual(stream.resumeToken, lastPbrt(), 'batch iterated to its last document');
      assert.ok(dataOf(lastPbrt()) >= dataOf(second._id));
    } finally {
      await stream.close();
    }
  });

  it('13: part-way through a batch, the token is the _id of the change returned last', async () => {
    const stream = await started(watched('midbatch').watch([], { maxAwaitTimeMS: 50 }));
    try {
      await writer('midbatch').insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
      await stream.next();
      assert.equal(lastBatch().length, 3, 'the three changes arrive in one batch');
      const second = await stream.next();
      assert.equal(stream.bufferedCount(), 1, 'iterated up to, not including, the last change');
      assert.deepEqual(stream.resumeToken, second._id);
    } finally {
      await stream.close();
    }
  });

  it('14: before a non-empty first batch is iterated, the token is startAfter, resumeAfter or nothing', async () => {
    const { token, clusterTime } = await tokenOfInsert('uniterated', { _id: 1 });
    await writer('uniterated').insertMany([{ _id: 2 }, { _id: 3 }]);
    const cases: [string, Document, ResumeToken | null][] = [
      ['startAfter', { startAfter: token }, token],
      ['resumeAfter', { resumeAfter: token }, token],
      ['startAtOperationTime', { startAtOperationTime: clusterTime }, null],
    ];
    for (const [name, option, expected] of cases) {
      log.clear();
      const stream = await started(watched('uniterated').watch([], { maxAwaitTimeMS: 50, ...option }));
      try {
        assert.equal(log.started().length, 1, `${name}: only the aggregate ran`);
        assert.ok(lastBatch().length > 0, `${name}: the first batch holds the changes after the start point`);
        assert.ok(stream.bufferedCount() > 0);
        assert.deepEqual(stream.resumeToken, expected, name);
      } finally {
        await stream.close();
      }
    }
  });

  it('17: resuming a startAfter stream that has returned nothing keeps startAfter', async () => {
    const { token } = await tokenOfInsert('startafter_empty', { _id: 1 });
    const stream = await started(watched('startafter_empty').watch([], { startAfter: token, maxAwaitTimeMS: 50 }));
    try {
      assert.equal(lastBatch().length, 0, 'nothing after the start point yet');
      const cached = stream.resumeToken;
      await other.db('admin').command({ configureFailPoint: 'failGetMoreAfterCursorCheckout', mode: { times: 1 }, data: { errorCode: 6 } });
      assert.equal(await stream.tryNext(), null);
      assert.equal(log.failures('getMore')[0]?.code, 6);
      const aggregates = log.started('aggregate');
      assert.equal(aggregates.length, 2, 'one resume');
      assert.deepEqual(stageOf(aggregates[0]!.command), { startAfter: token });
      const resumed = stageOf(aggregates[1]!.command);
      assert.ok(!('resumeAfter' in resumed), 'no resumeAfter');
      assert.deepEqual(resumed, { startAfter: cached });
      await writer('startafter_empty').insertOne({ _id: 2 });
      assert.deepEqual((await stream.next()).documentKey, { _id: 2 }, 'the resumed stream works');
    } finally {
      await stream.close();
    }
  });

  it('18: resuming a startAfter stream that has returned a change switches to resumeAfter', async () => {
    const { token } = await tokenOfInsert('startafter_seen', { _id: 1 });
    const stream = await started(watched('startafter_seen').watch([], { startAfter: token, maxAwaitTimeMS: 50 }));
    try {
      await writer('startafter_seen').insertOne({ _id: 2 });
      assert.deepEqual((await stream.next()).documentKey, { _id: 2 });
      const cached = stream.resumeToken;
      await other.db('admin').command({ configureFailPoint: 'failGetMoreAfterCursorCheckout', mode: { times: 1 }, data: { errorCode: 6 } });
      await writer('startafter_seen').insertOne({ _id: 3 });
      assert.deepEqual((await stream.next()).documentKey, { _id: 3 }, 'the change after the resume point, once');
      const aggregates = log.started('aggregate');
      assert.equal(aggregates.length, 2, 'one resume');
      const resumed = stageOf(aggregates[1]!.command);
      assert.ok(!('startAfter' in resumed), 'no startAfter');
      assert.deepEqual(resumed, { resumeAfter: cached });
    } finally {
      await stream.close();
    }
  });

  it('19: $changeStreamSplitLargeEvent splits an event over 16 MiB into two fragments', async () => {
    const size = 10 * 1024 * 1024;
    await other.db(DB).createCollection('split', { changeStreamPreAndPostImages: { enabled: true } });
    await writer('split').insertOne({ _id: 1, value: 'q'.repeat(size) });
    const stream: Stream = await started(
      watched('split').watch([{ $changeStreamSplitLargeEvent: {} }], { fullDocumentBeforeChange: 'required', maxAwaitTimeMS: 50 }),
    );
    try {
      await writer('split').updateOne({}, { $set: { value: 'z'.repeat(size) } });
      const fragments = [await stream.next(), await stream.next()];
      assert.deepEqual(fragments.map((f) => f.splitEvent), [{ fragment: 1, of: 2 }, { fragment: 2, of: 2 }]);
      assert.notDeepEqual(fragments[0]!._id, fragments[1]!._id, 'each fragment has its own resume token');
      for (const f of fragments) assert.ok(BSON.calculateObjectSize(f) <= 16 * 1024 * 1024, 'each fragment fits in 16 MiB');
      const merged: Document = Object.assign({}, ...fragments.map(({ _id, splitEvent, ...fields }) => fields));
      assert.equal(merged.operationType, 'update');
      assert.deepEqual(merged.documentKey, { _id: 1 });
      assert.equal(merged.fullDocumentBeforeChange?.value, 'q'.repeat(size), 'the pre-image is in one of the fragments');
      assert.equal(merged.updateDescription?.updatedFields?.value, 'z'.repeat(size), 'the update description too');
      const owners = fragments.map((f) => ['fullDocumentBeforeChange', 'updateDescription'].filter((k) => k in f));
      assert.equal(owners.flat().length, 2, 'no field is repeated across fragments');
    } finally {
      await stream.close();
    }
  });
});
