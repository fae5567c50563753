// The README's server examples, run as written: the Node driver snippet and the pymongo snippet (skipped without
// pymongo, see test/helpers/optional.ts).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { startServer, type RunningServer } from '../../../src/server/index.js';
import { requireOptional } from '../../helpers/optional.js';
import { PYMONGO_HOW_TO_GET, PYTHON, pymongoMissing } from '../../helpers/python.js';

describe('README server examples', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ port: 0, bindIp: '127.0.0.1', dbpath: ':memory:', replSet: 'rs0', enableTestCommands: false, quiet: true });
  });
  after(async () => {
    await server.close();
  });

  it('runs the Node driver example', async () => {
    const lines: unknown[][] = [];
    const log = (...args: unknown[]) => lines.push(args);
    const uri = `mongodb://${server.address}/?replicaSet=rs0`;
    // --- README: Node driver example (uri is 'mongodb://127.0.0.1:27017/?replicaSet=rs0' there) ---
    const client = new MongoClient(uri);
    const orders = client.db('shop').collection('orders');

    const stream = orders.watch([], { fullDocument: 'updateLookup' });
    // (the README shows plain JS: the same line without this test's type annotation)
    stream.on('change', (change: { operationType: string; documentKey?: unknown }) => log(change.operationType, change.documentKey));
    await orders.insertOne({ _id: 1 as never, status: 'new' });
    await orders.updateOne({ _id: 1 as never }, { $set: { status: 'paid' } });
    // --- end of README example ---
    const deadline = Date.now() + 5000;
    while (lines.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await stream.close();
    await client.close();
    assert.deepEqual(lines, [['insert', { _id: 1 }], ['update', { _id: 1 }]]);
  });

  const PYMONGO_EXAMPLE = 'runs the pymongo example';
  if (requireOptional(PYMONGO_EXAMPLE, pymongoMissing(), PYMONGO_HOW_TO_GET)) it(PYMONGO_EXAMPLE, async () => {
    const cleanup = new MongoClient(`mongodb://${server.address}/?replicaSet=rs0`);
    await cleanup.db('shop').dropDatabase();
    await cleanup.close();
    const script = join(process.cwd(), 'test', 'integration', 'readme', 'watch_example.py');
    // Asynchronous on purpose: the server runs in this process and must keep answering.
    const run = await promisify(execFile)(PYTHON, [script, `mongodb://${server.address}/?replicaSet=rs0`], { encoding: 'utf8', timeout: 20_000 })
      .catch((err: { stderr?: string; message: string }) => assert.fail(`pymongo example failed:\n${err.stderr ?? err.message}`));
    const out = run.stdout.trim().split('\n');
    assert.equal(out[0], "insert {'_id': 1, 'status': 'new'}");
    assert.match(out[1]!, /^resume token \{'_data': '[0-9A-F]+'\}$/);
    assert.equal(out[out.length - 1], "update {'status': 'paid'}");
  });
});
