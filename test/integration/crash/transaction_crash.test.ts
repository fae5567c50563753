/**
 * SIGKILL during transaction commits: `eddydb serve` runs as a child process while a writer commits transactions of
 * three inserts each, and is killed at a seeded moment in the middle of that stream, three times. After each restart,
 * every transaction is all there or not there at all, in the data and in the change history alike; every commit that
 * was acknowledged is there; and the events of one transaction are consecutive, in statement order, with its lsid.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, Timestamp, type Document } from 'mongodb';
import { ChildServer, freePort } from '../driver/harness.js';
import { prng } from '../../helpers/random.js';

const seedText = process.env.EDDYDB_CRASH_SEED;
const SEED = seedText !== undefined ? Number(seedText) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const ROUNDS = 3;

interface Txn {
  id: string;
  acked: boolean;
}

describe(`transactions survive SIGKILL during commits whole or not at all (seed ${SEED})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddydb-txn-crash-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('all or nothing, in the data and in the change history', async () => {
    const random = prng(SEED);
    const port = await freePort();
    const args = ['--port', String(port), '--dbpath', join(dir, 'db')];
    const uri = `mongodb://127.0.0.1:${port}/?replicaSet=rs0&serverSelectionTimeoutMS=10000`;
    const txns: Txn[] = [];
    let server = await ChildServer.start(args);
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const client = new MongoClient(uri, { retryWrites: false });
        const coll = client.db('crash_t').collection<{ _id: string; txn: string; k: number }>('c');
        // Kill once this many more commits were acknowledged, while the writer keeps committing.
        const killAfter = 5 + Math.floor(random() * 20);
        let ackedThisRound = 0;
        let killed = false;
        const writing = (async () => {
          for (let i = 0; !killed; i++) {
            const txn: Txn = { id: `r${round}t${i}`, acked: false };
            txns.push(txn);
            const session = client.startSession();
            try {
              session.startTransaction();
              for (let k = 0; k < 3; k++) await coll.insertOne({ _id: `${txn.id}-${k}`, txn: txn.id, k }, { session });
              await session.commitTransaction();
              txn.acked = true;
              if (++ackedThisRound === killAfter) {
                // A few milliseconds later, while the next transaction is being written or committed.
                const victim = server;
                setTimeout(() => {
                  killed = true;
                  victim.proc.kill('SIGKILL');
                }, Math.floor(random() * 8));
              }
            } catch {
              if (killed) return;
            } finally {
              await session.endSession().catch(() => undefined);
            }
          }
        })();
        await writing;
        await server.exited;
        await client.close(true).catch(() => undefined);
        server = await ChildServer.start(args);
      }

      const client = new MongoClient(uri);
      try {
        const docs = await client.db('crash_t').collection<Document>('c').find().toArray();
        const byTxn = new Map<string, number>();
        for (const d of docs) byTxn.set(String(d.txn), (byTxn.get(String(d.txn)) ?? 0) + 1);
        for (const [id, n] of byTxn) assert.equal(n, 3, `transaction ${id} is whole in the data (${n} of 3)`);
        for (const t of txns.filter((x) => x.acked)) assert.equal(byTxn.get(t.id), 3, `acknowledged transaction ${t.id} is there`);

        // The whole change history, read back from the beginning.
        const stream = client.watch([], { startAtOperationTime: new Timestamp({ t: 1, i: 0 }) });
        const events: Document[] = [];
        const total = docs.length;
        while (events.length < total) {
          const e = await stream.next();
          if (e.operationType === 'insert' && e.ns?.db === 'crash_t') events.push(e);
        }
        await stream.close();
        for (let i = 0; i < events.length; i += 3) {
          const group = events.slice(i, i + 3).map((e) => e.fullDocument as Document);
          assert.deepEqual(group.map((d) => d.k), [0, 1, 2], `the events of transaction ${String(group[0]?.txn)} are consecutive, in order`);
          assert.ok(group.every((d) => d.txn === group[0]!.txn), 'one transaction per group of three');
          for (const e of events.slice(i, i + 3)) assert.ok(e.lsid && e.txnNumber !== undefined, 'a transaction event carries lsid and txnNumber');
        }
        assert.deepEqual(new Set(events.map((e) => String((e.fullDocument as Document).txn))), new Set(byTxn.keys()), 'the history and the data hold the same transactions');
      } finally {
        await client.close();
      }
    } finally {
      await server.stop();
    }
  });
});
