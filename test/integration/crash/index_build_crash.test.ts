/**
 * SIGKILL during an index build: `eddydb serve` runs as a child process, builds an index over 20,000 documents while
 * another client writes, and is killed before the build commits: once held at the hangIndexBuildBeforeCommit fail
 * point (every document indexed, the index not yet ready), once at a seeded moment of the scan. After the restart
 * the index is absent (the log says it was dropped as unfinished) or complete, every acknowledged write is there, and
 * the storage, read directly once the server stopped, holds no entry of an absent index and exactly the right
 * entries of a complete one.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Document } from 'mongodb';

interface Doc {
  _id: number;
  a: number;
  tags: number[];
}
import { ChildServer, freePort, sleep } from '../driver/harness.js';
import { prng } from '../../helpers/random.js';
import { openStorage } from '../../../src/storage/index.js';
import { getCollectionInfo, isBuilding } from '../../../src/engine/catalog.js';
import { decodeStoredDocument } from '../../../src/engine/documents.js';
import { indexKeysFor } from '../../../src/engine/indexes.js';
import { toArray } from '../../../src/storage/scan.js';

const seedText = process.env.EDDYDB_CRASH_SEED;
const SEED = seedText !== undefined ? Number(seedText) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const DOCS = 20_000;
const DB = 'crash_ix';

/** Checks the stopped server's storage: the index is absent with no entries, or ready with exactly the right ones. */
async function checkStorage(dbpath: string, coll: string, name: string): Promise<'absent' | 'complete'> {
  const storage = await openStorage(dbpath);
  try {
    return await storage.read(async (r) => {
      const info = await getCollectionInfo(r, DB, coll);
      assert.ok(info);
      const stored = new Set((await toArray(r.scanIndex({ coll: info.uuid, index: name }))).map((e) => `${Buffer.from(e.key).toString('hex')}:${Buffer.from(e.recordKey).toString('hex')}`));
      const spec = info.indexes.find((s) => s.name === name);
      if (!spec) {
        assert.equal(stored.size, 0, 'an absent index left entries behind');
        return 'absent';
      }
      assert.equal(isBuilding(spec), false, 'an index is still marked as building');
      const expected = new Set<string>();
      for (const row of await toArray(r.scanDocuments({ coll: info.uuid }))) {
        for (const { key } of indexKeysFor(spec, decodeStoredDocument(row.doc))) expected.add(`${Buffer.from(key).toString('hex')}:${Buffer.from(row.key).toString('hex')}`);
      }
      assert.equal([...expected].filter((e) => !stored.has(e)).length, 0, 'entries missing');
      assert.equal([...stored].filter((e) => !expected.has(e)).length, 0, 'entries of no document');
      return 'complete';
    });
  } finally {
    await storage.close();
  }
}

describe(`an index build killed by SIGKILL leaves the index absent or complete (seed ${SEED})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddydb-index-crash-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('killed while held before its commit, then at a seeded moment of its scan', async () => {
    const random = prng(SEED);
    const port = await freePort();
    const dbpath = join(dir, 'db');
    const args = ['--port', String(port), '--dbpath', dbpath, '--setParameter', 'enableTestCommands=1'];
    const uri = `mongodb://127.0.0.1:${port}/?replicaSet=rs0&serverSelectionTimeoutMS=10000`;
    let server = await ChildServer.start(args);
    try {
      for (const [round, coll] of ['held', 'seeded'].entries()) {
        const client = new MongoClient(uri, { retryWrites: false });
        const c = client.db(DB).collection<Doc>(coll);
        for (let i = 0; i < DOCS; i += 10_000) {
          await c.insertMany(Array.from({ length: 10_000 }, (_, k) => ({ _id: i + k, a: (i + k) % 101, tags: [(i + k) % 3, (i + k) % 5] })));
        }
        if (round === 0) await client.db('admin').command({ configureFailPoint: 'hangIndexBuildBeforeCommit', mode: 'alwaysOn' });
        const building = c.createIndex({ a: 1, tags: 1 }, { name: 'a_tags' }).then(() => 'ready', () => 'failed');
        // Another client writes while the index builds; what it had acknowledged must survive.
        const writer = new MongoClient(uri, { retryWrites: false });
        const acked: number[] = [];
        let stop = false;
        const writing = (async () => {
          for (let i = 0; !stop; i++) {
            try {
              await writer.db(DB).collection<Doc>(coll).insertOne({ _id: DOCS + i, a: i % 101, tags: [i] });
              acked.push(DOCS + i);
            } catch {
              return; // the server is gone
            }
          }
        })();
        if (round === 0) {
          await client.db('admin').command({ waitForFailPoint: 'hangIndexBuildBeforeCommit', timesEntered: 1, maxTimeMS: 60_000 });
        } else {
          // Once the build is seen in progress, a little later.
          for (;;) {
            const listed = await client.db(DB).command({ listIndexes: coll, includeBuildUUIDs: true });
            if ((listed.cursor.firstBatch as Document[]).some((s) => s.buildUUID !== undefined)) break;
            if ((listed.cursor.firstBatch as Document[]).some((s) => s.name === 'a_tags')) break; // already complete
            await sleep(5);
          }
          await sleep(Math.floor(random() * 200));
        }
        server.proc.kill('SIGKILL');
        await server.exited;
        stop = true;
        await writing;
        const outcome = await building;
        await client.close(true);
        await writer.close(true);

        server = await ChildServer.start(args);
        const restarted = new MongoClient(uri);
        let names: string[];
        try {
          names = (await restarted.db(DB).collection(coll).listIndexes().toArray()).map((s) => s.name as string);
          const dropped = server.lines.filter((l) => l.msg === 'Dropping unfinished index').map((l) => (l.attr as Document).index);
          if (round === 0) {
            assert.equal(outcome, 'failed');
            assert.deepEqual(names, ['_id_']);
            assert.deepEqual(dropped, ['a_tags']);
          } else {
            assert.equal(names.includes('a_tags'), !dropped.includes('a_tags'));
            if (outcome === 'ready') assert.ok(names.includes('a_tags'), 'an acknowledged index build was lost');
          }
          const ids = new Set((await restarted.db(DB).collection<Doc>(coll).find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
          for (let i = 0; i < DOCS; i++) assert.ok(ids.has(i), `document ${i} lost`);
          for (const id of acked) assert.ok(ids.has(id), `acknowledged insert ${id} lost`);
        } finally {
          await restarted.close();
        }
        assert.equal(await server.stop(), 0);
        assert.equal(await checkStorage(dbpath, coll, 'a_tags'), names.includes('a_tags') ? 'complete' : 'absent');
        server = await ChildServer.start(args);
        if (!names.includes('a_tags')) {
          // Built again from scratch, it is complete.
          const again = new MongoClient(uri);
          await again.db(DB).collection(coll).createIndex({ a: 1, tags: 1 }, { name: 'a_tags' });
          await again.close();
          assert.equal(await server.stop(), 0);
          assert.equal(await checkStorage(dbpath, coll, 'a_tags'), 'complete');
          server = await ChildServer.start(args);
        }
      }
    } finally {
      server.kill();
      await server.exited;
    }
  });
});
