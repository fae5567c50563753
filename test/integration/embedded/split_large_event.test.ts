import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MongoServerError, type Document } from '../../../src/index.js';
import { openClient } from '../../helpers/embedded.js';

describe('$changeStreamSplitLargeEvent', () => {
  it('splits an event over 16 MiB into fragments that can be resumed between', async () => {
    const { client, cleanup } = await openClient('sqlite-memory');
    try {
      const db = client.db('split');
      await db.createCollection('big', { changeStreamPreAndPostImages: { enabled: true } });
      const coll = db.collection('big');
      await coll.insertOne({ _id: 1, blob: 'a'.repeat(9 * 1024 * 1024) });
      const options = { fullDocument: 'required', fullDocumentBeforeChange: 'required' } as const;
      const unsplit = coll.watch([], options);
      const stream = coll.watch([{ $changeStreamSplitLargeEvent: {} }], options);
      await coll.replaceOne({ _id: 1 }, { blob: 'b'.repeat(9 * 1024 * 1024) });
      const first = await stream.next();
      const second = await stream.next();
      assert.deepEqual(first.splitEvent, { fragment: 1, of: 2 });
      assert.deepEqual(second.splitEvent, { fragment: 2, of: 2 });
      assert.equal(first.operationType, 'replace');
      assert.equal((first.fullDocument as Document).blob, 'b'.repeat(9 * 1024 * 1024));
      assert.equal((second.fullDocumentBeforeChange as Document).blob, 'a'.repeat(9 * 1024 * 1024));
      assert.notDeepEqual(first._id, second._id);
      // Resuming after the first fragment returns the second one.
      const resumed = coll.watch([{ $changeStreamSplitLargeEvent: {} }], { ...options, resumeAfter: first._id as Document });
      assert.deepEqual((await resumed.next()).splitEvent, { fragment: 2, of: 2 });
      await resumed.close();
      await stream.close();
      // Without the stage, the oversized event is an error (BSONObjectTooLarge).
      await assert.rejects(() => unsplit.next(), (err: unknown) => err instanceof MongoServerError && err.code === 10334);
      await assert.rejects(() => coll.watch([{ $changeStreamSplitLargeEvent: {} }, { $match: {} }]).next(), (err: unknown) => err instanceof MongoServerError && err.code === 7182802);
    } finally {
      await cleanup();
    }
  });
});
