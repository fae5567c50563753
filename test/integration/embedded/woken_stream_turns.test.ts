import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { modes, openClient } from '../../helpers/embedded.js';

// The engine lets a few microtask turns pass after a commit that woke parked streams, before the writer resumes
// (ARCHITECTURE.md, "Performance contracts"). This checks the order that buys, not its speed: an in-process
// watcher waiting in next() holds the event by the time the write that produced it resolves.
describe('a woken in-process stream has its event before the writer resumes', () => {
  for (const mode of modes()) {
    it(mode, async () => {
      const { client, cleanup } = await openClient(mode);
      try {
        const engine = client.serverContext.engine;
        const coll = client.db('turns').collection<{ _id: number }>('c');
        const stream = coll.watch();
        const seen: number[] = [];
        for (let i = 0; i < 5; i++) {
          const next = stream.next().then((change) => seen.push((change as unknown as { documentKey: { _id: number } }).documentKey._id));
          // Parked in the hub: the commit below is what wakes it.
          while (engine.hub.waiterCount === 0) await new Promise((r) => setTimeout(r, 1));
          await coll.insertOne({ _id: i });
          assert.deepEqual(seen, Array.from({ length: i + 1 }, (_, k) => k), `insert ${i}: the watcher had the event when insertOne resolved`);
          await next;
        }
        await stream.close();
      } finally {
        await cleanup();
      }
    });
  }
});
