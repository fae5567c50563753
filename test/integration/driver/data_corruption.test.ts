/**
 * A document whose stored bytes changed behind the store's back (a disk fault) is never served: reading it answers
 * DataCorruptionDetected naming the collection and the document's _id, through the official driver. A damaged
 * oplog entry stops a change stream the same way, naming the entry's time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MongoServerError, type Timestamp } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { damageDocument, damageNewestOplogEntry } from '../../helpers/damage_store.js';
import { removeDir, tempDir } from '../../helpers/embedded.js';
import { clientFor, startInProcess } from './harness.js';

describe('a corrupted document through the driver', () => {
  const dir = tempDir('eddydb-corrupt-doc-');
  let server: RunningServer;
  let beforeInserts: Timestamp;

  before(async () => {
    const first = await startInProcess({ dbpath: dir });
    const client = clientFor(first.address);
    try {
      beforeInserts = (await client.db('d').command({ ping: 1 })).operationTime as Timestamp;
      await client.db('d').collection<{ _id: number; s: string }>('c').insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: i, s: `value of document ${i}` })));
    } finally {
      await client.close();
      await first.close();
    }
    damageDocument(dir, 17);
    damageNewestOplogEntry(dir);
    server = await startInProcess({ dbpath: dir });
  });

  after(async () => {
    await server?.close();
    removeDir(dir);
  });

  function assertCorruption(err: unknown): true {
    assert.ok(err instanceof MongoServerError, String(err));
    assert.equal(err.code, 301);
    assert.equal(err.codeName, 'DataCorruptionDetected');
    assert.match(err.message, /_id: 17 in collection d\.c is corrupted/);
    return true;
  }

  test('find over the collection, and findOne by that _id, report the corruption instead of the document', async () => {
    const client = clientFor(server.address);
    try {
      const c = client.db('d').collection<{ _id: number; s: string }>('c');
      await assert.rejects(c.find({}).toArray(), assertCorruption);
      await assert.rejects(c.findOne({ _id: 17 }), assertCorruption);
      await assert.rejects(c.countDocuments({ s: /document 17$/ }), assertCorruption);
      // Other documents read by _id are intact and served.
      assert.deepEqual(await c.findOne({ _id: 16 }), { _id: 16, s: 'value of document 16' });
      // A write that must read it (to unindex it, to log it) refuses too, and changes nothing.
      await assert.rejects(c.deleteOne({ _id: 17 }), assertCorruption);
      await assert.rejects(c.updateOne({ _id: 17 }, { $set: { t: 1 } }), assertCorruption);
    } finally {
      await client.close();
    }
  });

  test('a change stream reading a damaged oplog entry fails with DataCorruptionDetected', async () => {
    const client = clientFor(server.address);
    try {
      // The restarted server's cache is empty: the stream reads the oplog from storage, a chunk at a time, and the
      // chunk holding the damaged entry fails as a whole.
      const stream = client.db('d').collection('c').watch([], { startAtOperationTime: beforeInserts });
      try {
        await assert.rejects(stream.next(), (err: unknown) => {
          assert.ok(err instanceof MongoServerError, String(err));
          assert.deepEqual([err.code, err.codeName], [301, 'DataCorruptionDetected']);
          assert.match(err.message, /^The oplog entry at Timestamp\(\d+, \d+\) is corrupted/);
          return true;
        });
      } finally {
        await stream.close();
      }
    } finally {
      await client.close();
    }
  });
});
