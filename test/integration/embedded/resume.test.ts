import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MongoServerError, type Document } from '../../../src/index.js';
import { openClient } from '../../helpers/embedded.js';
import { rejectsWith, spyCommands } from '../../helpers/assertions.js';

describe('embedded change streams resume like a driver', () => {
  it('resumes after its cursor is killed (43), with no change lost or repeated', async () => {
    const { client, cleanup } = await openClient('sqlite-memory');
    try {
      const coll = client.db('r').collection('c');
      const log = spyCommands(client);
      const stream = coll.watch([], { batchSize: 1 });
      await coll.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
      assert.deepEqual((await stream.next()).documentKey, { _id: 1 });
      const killed = client.serverContext.engine.cursors.killWhere((c) => c.kind === 'changeStream');
      assert.equal(killed, 1);
      assert.deepEqual((await stream.next()).documentKey, { _id: 2 });
      assert.deepEqual((await stream.next()).documentKey, { _id: 3 });
      const aggregates = log.commands.filter((c) => 'aggregate' in c);
      assert.equal(aggregates.length, 2, 'one resume aggregate');
      assert.ok(((aggregates[1]!.pipeline as Document[])[0]!.$changeStream as Document).resumeAfter, 'resumed with resumeAfter');
      await stream.close();
    } finally {
      await cleanup();
    }
  });

  it('resumes after a dropped connection and after a labelled error, but not after an unlabelled one', async () => {
    const { client, cleanup } = await openClient('memory', { enableTestCommands: true });
    try {
      const admin = client.db('admin');
      const coll = client.db('r').collection('fail');
      const stream = coll.watch();
      await admin.command({ configureFailPoint: 'failCommand', mode: { times: 1 }, data: { failCommands: ['getMore'], closeConnection: true } });
      await coll.insertOne({ _id: 1 });
      assert.deepEqual((await stream.next()).documentKey, { _id: 1 });
      await admin.command({ configureFailPoint: 'failGetMoreAfterCursorCheckout', mode: { times: 1 }, data: { errorCode: 6 } });
      await coll.insertOne({ _id: 2 });
      assert.deepEqual((await stream.next()).documentKey, { _id: 2 });
      await admin.command({ configureFailPoint: 'failCommand', mode: { times: 1 }, data: { failCommands: ['getMore'], errorCode: 6 } });
      await coll.insertOne({ _id: 3 });
      await assert.rejects(() => stream.next(), (err: unknown) => err instanceof MongoServerError && err.code === 6 && err.errorLabels.length === 0);
      assert.equal(stream.alive, false);
    } finally {
      await cleanup();
    }
  });

  it('configureFailPoint of an unknown fail point is FailPointSetFailed (266)', async () => {
    const { client, cleanup } = await openClient('memory', { enableTestCommands: true });
    try {
      await rejectsWith(() => client.db('admin').command({ configureFailPoint: 'noSuchFailPoint', mode: 'alwaysOn' }), 266, {
        codeName: 'FailPointSetFailed', message: 'noSuchFailPoint not found',
      });
    } finally {
      await cleanup();
    }
  });

  it('refuses configureFailPoint without enableTestCommands (59)', async () => {
    const { client, cleanup } = await openClient('memory');
    try {
      await assert.rejects(() => client.db('admin').command({ configureFailPoint: 'failCommand', mode: 'off' }), (err: unknown) => err instanceof MongoServerError && err.code === 59);
    } finally {
      await cleanup();
    }
  });
});
