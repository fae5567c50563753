/**
 * currentOp and killOp through the embedded client, which runs commands through the same dispatch as the wire: a
 * command held by the failCommand fail point is listed with its opid and namespace, and killOp interrupts it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MongoServerError, type Client, type Document } from '../../../src/index.js';
import { openClient } from '../../helpers/embedded.js';

describe('embedded currentOp and killOp', () => {
  let client: Client;
  let cleanup: () => Promise<void>;

  before(async () => {
    ({ client, cleanup } = await openClient('memory', { enableTestCommands: true }));
    await client.db('app').collection('c').insertOne({ _id: 1 });
  });
  after(() => cleanup());

  it('lists a blocked count and kills it', async () => {
    const admin = client.db('admin');
    await admin.command({ configureFailPoint: 'failCommand', mode: { times: 1 }, data: { failCommands: ['count'], blockConnection: true, blockTimeMS: 600_000 } });
    const count = client.db('app').command({ count: 'c' }).then(
      () => assert.fail('the count should have been interrupted'),
      (err: unknown) => err,
    );
    let listed: Document[] = [];
    for (let attempt = 0; listed.length === 0; attempt++) {
      assert.ok(attempt < 500, 'the blocked count never showed in currentOp');
      listed = (await admin.command({ currentOp: 1, 'command.count': 'c' })).inprog as Document[];
      if (listed.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(listed[0]!.ns, 'app.c');
    assert.equal(listed[0]!.op, 'command');
    assert.equal((await admin.command({ killOp: 1, op: listed[0]!.opid })).info, 'attempting to kill op');
    const err = await count;
    assert.ok(err instanceof MongoServerError);
    assert.equal(err.code, 11601);
    assert.equal(err.codeName, 'Interrupted');
  });
});
