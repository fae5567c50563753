/**
 * Search index helpers through the official driver: eddydb has no search index management host, so every one of
 * them gets mongod's SearchNotEnabled answer, on an existing collection or not, and $listSearchIndexes too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { clientFor, rejectsWith, startInProcess } from './harness.js';

const NOT_ENABLED = { codeName: 'SearchNotEnabled', message: /^Using Atlas Search Database Commands and the \$listSearchIndexes aggregation stage requires additional configuration\./ };

describe('search indexes through the official driver', () => {
  let server: RunningServer;
  let client: MongoClient;

  before(async () => {
    server = await startInProcess();
    client = clientFor(server.address);
    await client.db('search').collection<{ _id: number; title: string }>('movies').insertOne({ _id: 1, title: 'x' });
  });

  after(async () => {
    await client?.close();
    await server?.close();
  });

  test('createSearchIndex, createSearchIndexes, updateSearchIndex and dropSearchIndex answer SearchNotEnabled (31082)', async () => {
    for (const name of ['movies', 'missing']) {
      const coll = client.db('search').collection(name);
      await rejectsWith(coll.createSearchIndex({ name: 'default', definition: { mappings: { dynamic: true } } }), 31082, NOT_ENABLED);
      await rejectsWith(coll.createSearchIndexes([{ definition: { mappings: { dynamic: true } }, type: 'search' }]), 31082, NOT_ENABLED);
      await rejectsWith(coll.updateSearchIndex('default', { mappings: { dynamic: false } }), 31082, NOT_ENABLED);
      await rejectsWith(coll.dropSearchIndex('default'), 31082, NOT_ENABLED);
    }
    assert.deepEqual((await client.db('search').collection('movies').listIndexes().toArray()).map((i) => i.name), ['_id_'], 'no index was made');
  });

  test('listSearchIndexes and a $listSearchIndexes stage answer SearchNotEnabled, even with a malformed specification', async () => {
    const coll = client.db('search').collection('movies');
    await rejectsWith(coll.listSearchIndexes().toArray(), 31082, NOT_ENABLED);
    await rejectsWith(coll.listSearchIndexes('default').toArray(), 31082, NOT_ENABLED);
    await rejectsWith(coll.aggregate([{ $listSearchIndexes: { unknown: 1 } }]).toArray(), 31082, NOT_ENABLED);
  });

  test('a search index command still checks its namespace argument first', async () => {
    await rejectsWith(client.db('search').command({ createSearchIndexes: 1, indexes: [] }), 73, { codeName: 'InvalidNamespace' });
  });
});
