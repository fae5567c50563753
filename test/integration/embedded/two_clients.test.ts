import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client, type Document } from '../../../src/index.js';
import { toTimestamp } from '../../../src/oplog/cluster_clock.js';

/** Two embedded clients in one process, each on its own memory database. */
describe('two embedded clients in one process', () => {
  let a: Client;
  let b: Client;

  before(async () => {
    a = await Client.open();
    b = await Client.open();
  });

  after(async () => {
    await a?.close();
    await b?.close();
  });

  async function localSessionIds(client: Client): Promise<string[]> {
    const reply = await client.runCommand('admin', { aggregate: 1, pipeline: [{ $listLocalSessions: { allUsers: true } }], cursor: {} });
    return ((reply.cursor as Document).firstBatch as Document[]).map((d) => String((d._id as Document).id));
  }

  it('list only the sessions used against each of them', async () => {
    const sessionA = a.startSession();
    const sessionB = b.startSession();
    try {
      await a.runCommand('app', { aggregate: 'c', pipeline: [], cursor: {} }, sessionA);
      await b.runCommand('app', { aggregate: 'c', pipeline: [], cursor: {} }, sessionB);
      assert.deepEqual(await localSessionIds(a), [String(sessionA.id.id)]);
      assert.deepEqual(await localSessionIds(b), [String(sessionB.id.id)]);
    } finally {
      await sessionA.endSession();
      await sessionB.endSession();
    }
  });

  it('stamp each reply with the committed time of its own engine', async () => {
    for (let i = 0; i < 3; i++) {
      await a.db('app').collection('c').insertOne({ i });
      for (const client of [a, b, a, b]) {
        const reply = await client.runCommand('admin', { ping: 1 });
        const expected = toTimestamp(client.serverContext.engine.committedTs);
        assert.equal(String(reply.operationTime), String(expected));
        assert.equal(String((reply.$clusterTime as Document).clusterTime), String(expected));
      }
    }
    assert.notEqual(a.serverContext.engine.committedTs, b.serverContext.engine.committedTs);
  });

  it('keep their own server counters', () => {
    const statsA = a.serverContext.stats;
    const statsB = b.serverContext.stats;
    assert.notEqual(statsA, statsB);
    statsA.countCommand({ insert: 'c', documents: [{}, {}] });
    statsA.appendRamLog('only a');
    assert.equal(statsA.opcounters.insert, 2);
    assert.equal(statsB.opcounters.insert, 0);
    assert.deepEqual(statsB.ramLog, []);
  });
});
