/**
 * The TTL monitor in the embedded client, on every storage mode: with ttlMonitorSleepSecs set to 1, expired
 * documents of ascending and descending TTL indexes (dates and arrays of dates) are deleted and the others kept,
 * including more of them than one batch holds, and a change stream sees each as a delete. The test waits for the
 * documents to be gone with a generous deadline, never for a pass at a given time.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { modes, openClient } from '../../helpers/embedded.js';

const PAST = new Date('2001-01-01T00:00:00Z');
const FUTURE = new Date('2099-01-01T00:00:00Z');
const DEADLINE_MS = 60_000;

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

for (const mode of modes()) {
  describe(`TTL monitor (${mode})`, () => {
    it('deletes exactly the expired documents, as delete events', async () => {
      const { client, cleanup } = await openClient(mode);
      try {
        await client.db('admin').command({ setParameter: 1, ttlMonitorSleepSecs: 1 });
        const db = client.db('ttl');
        const up = db.collection('up');
        const down = db.collection('down');
        await up.createIndex({ at: 1 }, { expireAfterSeconds: 0 });
        await down.createIndex({ 'meta.at': -1 }, { expireAfterSeconds: 3600 });
        const stream = db.watch();
        await stream.tryNext();
        const many = Array.from({ length: 600 }, (_, i) => ({ _id: i, at: i % 3 === 0 ? FUTURE : PAST }));
        await up.insertMany([...many, { _id: 'array', at: [FUTURE, PAST] }, { _id: 'text', at: '2001' }, { _id: 'none' }]);
        await down.insertMany([
          { _id: 1, meta: { at: PAST } },
          { _id: 2, meta: { at: new Date() } },
          { _id: 3, meta: [{ at: FUTURE }, { at: PAST }] },
          { _id: 4, meta: { at: FUTURE } },
        ]);
        await until(async () => (await up.countDocuments()) === 202 && (await down.countDocuments()) === 2, 'the expired documents to go');
        const keptUp = (await up.find({}).toArray()).map((d) => d._id);
        assert.deepEqual(keptUp, [...many.filter((d) => d._id % 3 === 0).map((d) => d._id), 'none', 'text']);
        assert.deepEqual((await down.find({}).toArray()).map((d) => d._id), [2, 4]);
        const deleted: unknown[] = [];
        while (deleted.length < 400 + 1 + 2) {
          const event = (await stream.next()) as unknown as { operationType: string; ns: { coll: string }; documentKey: { _id: unknown } };
          if (event.operationType === 'delete') deleted.push(`${event.ns.coll}:${String(event.documentKey._id)}`);
        }
        const expected = [...many.filter((d) => d._id % 3 !== 0).map((d) => `up:${d._id}`), 'up:array', 'down:1', 'down:3'];
        assert.deepEqual([...deleted].sort(), expected.sort());
        await stream.close();
      } finally {
        await cleanup();
      }
    });
  });
}
