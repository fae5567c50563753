// The README's embedded example, run as written (with the console output captured and checked).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../../../src/index.js';
import { removeDir, tempDir } from '../../helpers/embedded.js';

it('runs the README embedded example', async () => {
  const dir = tempDir();
  const lines: unknown[][] = [];
  const log = (...args: unknown[]) => lines.push(args);
  try {
    const client = await Client.open(dir);
    const orders = client.db('shop').collection('orders');

    const stream = orders.watch([], { fullDocument: 'updateLookup' });
    await orders.insertOne({ _id: 1, status: 'new' });
    await orders.updateOne({ _id: 1 }, { $set: { status: 'paid' } });

    const inserted = await stream.next();
    log(inserted.operationType, inserted.fullDocument);

    while (stream.alive) {
      const change = await stream.tryNext();
      log('resume token', stream.resumeToken);
      if (change === null) break;
      log(change.operationType, change.updateDescription, change.fullDocument);
    }

    const token = stream.resumeToken!;
    await stream.close();
    const resumed = orders.watch([], { resumeAfter: token });
    await orders.deleteOne({ _id: 1 });
    log((await resumed.next()).operationType);
    await client.close();
  } finally {
    removeDir(dir);
  }
  assert.deepEqual(lines[0], ['insert', { _id: 1, status: 'new' }]);
  const update = lines.find((l) => l[0] === 'update')!;
  assert.deepEqual(update, ['update', { updatedFields: { status: 'paid' }, removedFields: [], truncatedArrays: [] }, { _id: 1, status: 'paid' }]);
  assert.deepEqual(lines[lines.length - 1], ['delete']);
});
