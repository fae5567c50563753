/**
 * No request can take the server's heap: `eddydb serve` in its own process, through the official driver. Values
 * past mongod's limits answer mongod's errors, a result document past 16 MiB answers BSONObjectTooLarge, and the
 * server answers ping afterwards. With its heap over `maxHeapBudgetMB`, the server refuses new work but still
 * answers the handshake, ping and the commands that free memory.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MongoClient } from 'mongodb';
import { ChildServer, clientFor, freePort, rejectsWith } from './harness.js';

const MiB = 1024 * 1024;

async function startChild(extra: string[] = []): Promise<{ child: ChildServer; client: MongoClient }> {
  const port = await freePort();
  const child = await ChildServer.start(['--port', String(port), '--inMemory', ...extra]);
  return { child, client: clientFor(`127.0.0.1:${port}`) };
}

describe('memory limits through the official driver', () => {
  let child: ChildServer;
  let client: MongoClient;

  before(async () => {
    ({ child, client } = await startChild());
    await client.db('mem').collection<{ _id: number; s?: string }>('one').insertOne({ _id: 1, s: 'x'.repeat(MiB) });
  });

  after(async () => {
    await client?.close();
    await child?.stop();
  });

  async function assertAlive(): Promise<void> {
    const reply = await client.db('admin').command({ ping: 1 });
    assert.equal(reply.ok, 1);
    assert.equal(child.proc.exitCode, null, 'the server process is still running');
  }

  test('$range: [0, 1e9] in $project answers ExceededMemoryLimit, and the server still answers ping', async () => {
    await rejectsWith(client.db('mem').collection<{ _id: number; s?: string }>('one').aggregate([{ $project: { a: { $range: [0, 1e9] } } }]).toArray(), 146, {
      codeName: 'ExceededMemoryLimit',
      message: `$range would use too much memory (16000000040 bytes) and cannot spill to disk. Memory limit: ${100 * MiB} bytes`,
    });
    await assertAlive();
  });

  test('$group $push over more than 100 MiB of values answers ExceededMemoryLimit', async () => {
    // One 1 MiB string unwound into 150 documents: the accumulator counts 150 MiB.
    const pipeline = [
      { $project: { s: 1, n: { $range: [0, 150] } } },
      { $unwind: '$n' },
      { $group: { _id: null, all: { $push: '$s' } } },
    ];
    await rejectsWith(client.db('mem').collection<{ _id: number; s?: string }>('one').aggregate(pipeline).toArray(), 146, {
      codeName: 'ExceededMemoryLimit',
      message: `$push used too much memory and cannot spill to disk. Memory limit: ${100 * MiB} bytes`,
    });
    await assertAlive();
  });

  test('$reduce building a huge string or array answers an error, not a crash', async () => {
    const coll = client.db('mem').collection<{ _id: number; s?: string }>('one');
    const doubling = { $reduce: { input: { $range: [0, 40] }, initialValue: '$s', in: { $concat: ['$$value', '$$value'] } } };
    await rejectsWith(coll.aggregate([{ $project: { a: { $strLenBytes: doubling } } }]).toArray(), 13548, {
      message: /^BufBuilder attempted to grow\(\) to \d+ bytes, past the 125MB limit\.$/,
    });
    const appending = { $reduce: { input: { $range: [0, 1000] }, initialValue: [], in: { $concatArrays: ['$$value', ['$s']] } } };
    await rejectsWith(coll.aggregate([{ $project: { a: { $size: appending } } }]).toArray(), 146, { codeName: 'ExceededMemoryLimit' });
    await assertAlive();
  });

  test('literals that double a value at each level answer an error, not a crash', async () => {
    let expr: unknown = '$s';
    for (let level = 0; level < 40; level++) expr = { $let: { vars: { a: expr }, in: { x: '$$a', y: '$$a' } } };
    await rejectsWith(client.db('mem').collection<{ _id: number; s?: string }>('one').updateOne({ _id: 1 }, [{ $set: { t: expr } }]), 146, {
      message: /^an object expression would use too much memory \(\d+ bytes\) and cannot spill to disk/,
    });
    await assertAlive();
  });

  test('a result document over 16 MiB answers BSONObjectTooLarge, and the next one is returned', async () => {
    const wide = Object.fromEntries(Array.from({ length: 20 }, (_, n) => [`f${n}`, '$s']));
    await rejectsWith(client.db('mem').collection<{ _id: number; s?: string }>('one').aggregate([{ $project: wide }]).toArray(), 10334, {
      codeName: 'BSONObjectTooLarge',
      message: /^BSONObj size: \d+ \(0x[0-9A-F]+\) is invalid\. Size must be between 0 and 16793600\(16MB\)/,
    });
    const [doc] = await client.db('mem').collection<{ _id: number; s?: string }>('one').aggregate([{ $project: { n: { $strLenBytes: '$s' } } }]).toArray();
    assert.equal(doc!.n, MiB);
    await rejectsWith(client.db('mem').collection<{ _id: number; s?: string }>('one').find({}, { projection: wide }).toArray(), 10334, {
      codeName: 'BSONObjectTooLarge',
    });
    await assertAlive();
  });

  test('a document over 16 MiB in a getMore batch answers BSONObjectTooLarge to that getMore', async () => {
    const coll = client.db('mem').collection<{ _id: number; s?: string; big?: boolean }>('two');
    await coll.insertMany([{ _id: 1, s: 'small' }, { _id: 2, s: 'x'.repeat(MiB), big: true }]);
    const wide = Object.fromEntries(Array.from({ length: 20 }, (_, n) => [`f${n}`, '$s']));
    const cursor = coll.aggregate([{ $sort: { _id: 1 } }, { $project: wide }], { batchSize: 1 });
    const first = await cursor.next();
    assert.equal(first!.f0, 'small');
    await rejectsWith(cursor.next(), 10334, { codeName: 'BSONObjectTooLarge' });
    await cursor.close();
    await assertAlive();
  });
});

describe('the heap budget through the official driver', () => {
  let child: ChildServer;
  let client: MongoClient;

  before(async () => {
    // A budget the server is always over: every command that starts work is refused.
    ({ child, client } = await startChild(['--setParameter', 'maxHeapBudgetMB=1']));
  });

  after(async () => {
    await client?.close();
    await child?.stop();
  });

  test('new work is refused with ExceededMemoryLimit; the handshake, ping and the kill commands are answered', async () => {
    assert.equal((await client.db('admin').command({ ping: 1 })).ok, 1);
    assert.equal((await client.db('admin').command({ hello: 1 })).isWritablePrimary, true);
    await rejectsWith(client.db('mem').collection('c').insertOne({ a: 1 }), 146, {
      codeName: 'ExceededMemoryLimit',
      message: /^the server's JavaScript heap holds \d+ MB, more than its budget of 1 MB \(maxHeapBudgetMB\): the operation was refused so that the server keeps running$/,
    });
    await rejectsWith(client.db('mem').collection('c').find({}).toArray(), 146);
    assert.equal((await client.db('admin').command({ killCursors: 'c', cursors: [] })).ok, 1);
    assert.equal((await client.db('admin').command({ currentOp: 1 })).ok, 1);
    assert.equal((await client.db('admin').command({ getParameter: 1, maxHeapBudgetMB: 1 })).maxHeapBudgetMB, 1);
    assert.equal((await client.db('admin').command({ ping: 1 })).ok, 1);
    assert.equal(child.proc.exitCode, null);
  });
});
