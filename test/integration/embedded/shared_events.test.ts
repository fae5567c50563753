import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openChangeStream } from '../../../src/changestream/open_change_stream.js';
import { openClient } from '../../helpers/embedded.js';

describe('events are shaped once per entry and shared', () => {
  it('streams woken by the same commit return the same event object, not one copy each', async () => {
    const { client, cleanup } = await openClient('memory');
    try {
      const engine = client.serverContext.engine;
      const coll = client.db('shared').collection('c');
      await coll.insertOne({ _id: 0 });
      const cursors = await Promise.all(Array.from({ length: 20 }, () => openChangeStream(engine, { db: 'shared', coll: 'c', pipeline: [{ $changeStream: {} }] })));
      const batches = cursors.map((c) => c.next(10, 5000, new AbortController().signal));
      while (engine.hub.waiterCount < cursors.length) await new Promise((r) => setTimeout(r, 2));
      await coll.insertOne({ _id: 1 });
      const events = (await Promise.all(batches)).map((b) => b.docs[0]);
      assert.equal(events.length, 20);
      for (const e of events) assert.equal(e, events[0], 'one shared object');
      for (const c of cursors) c.close();
    } finally {
      await cleanup();
    }
  });
});
