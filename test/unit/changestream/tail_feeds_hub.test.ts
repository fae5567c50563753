/**
 * The hub hears of commits from the storage's tail, not from the write that made them: entries another writer
 * appended (on one PostgreSQL, another server; here, a write straight through storage) reach parked streams and
 * `committedTs` the same way as the engine's own.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../../src/engine/engine.js';
import { insertDocuments } from '../../../src/engine/write_ops.js';
import { encodeEntry, type OplogEntry } from '../../../src/oplog/entry.js';
import { openStorage } from '../../../src/storage/index.js';

describe('the hub fed by the storage tail', () => {
  for (const engineName of ['memory', 'sqlite'] as const) {
    test(`${engineName}: entries appended without the engine reach a parked stream, the cache and committedTs`, async () => {
      const storage = await openStorage(':memory:', { engine: engineName });
      const engine = await Engine.open(storage);
      try {
        await insertDocuments(engine, 'app', 'c', [{ _id: 1 }]);
        const before = engine.committedTs;
        const parked = engine.hub.waitForEntries(before, { db: 'app', coll: 'd', accepts: () => true }, 60_000);
        const foreign: Omit<OplogEntry, 'ts'> = { op: 'insert', wall: new Date(0), db: 'app', coll: 'd', documentKey: { _id: 7 }, fullDocument: { _id: 7 } };
        const appended = await storage.write((w) => w.appendChanges({ entries: [encodeEntry({ ts: 0n, ...foreign }), encodeEntry({ ts: 0n, ...foreign, documentKey: { _id: 8 }, fullDocument: { _id: 8 } })] }));
        const woke = await parked;
        // Decoded from storage, as any entry read back is: the _id values are BSON Int32s.
        assert.deepEqual(woke!.entries.map((e) => [e.ts, Number((e.documentKey!._id as { valueOf(): number }).valueOf())]), [[appended.changes!.first, 7], [appended.changes!.last, 8]]);
        assert.equal(woke!.through, appended.changes!.last);
        assert.equal(engine.committedTs, appended.changes!.last);
        const read = await engine.readOplog(before, 10);
        assert.deepEqual(read!.map((e) => e.ts), [appended.changes!.first, appended.changes!.last]);
        // The engine's next write continues above them.
        await insertDocuments(engine, 'app', 'c', [{ _id: 2 }]);
        assert.ok(engine.committedTs > appended.changes!.last);
      } finally {
        await engine.close();
      }
    });
  }
});
