// validate on every storage mode: a healthy collection with a multikey index is valid, keys counted per index.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { modes, openClient } from '../../helpers/embedded.js';

for (const mode of modes()) {
  describe(`validate (${mode})`, () => {
    it('counts records and the keys of each index of a healthy collection', async () => {
      const { client, cleanup } = await openClient(mode);
      try {
        const db = client.db('v');
        await db.collection('c').insertMany(Array.from({ length: 30 }, (_, i) => ({ _id: i, tags: i % 3 === 0 ? [] : ['a', `t${i}`] })));
        await db.collection('c').createIndex({ tags: 1 });
        const reply = await db.command({ validate: 'c' });
        assert.equal(reply.valid, true);
        assert.equal(reply.nrecords, 30);
        // An empty array is one key (undefined); 20 documents have two tags each.
        assert.deepEqual(reply.keysPerIndex, { _id_: 30, tags_1: 10 + 40 });
        assert.deepEqual([reply.errors, reply.missingIndexEntries, reply.extraIndexEntries], [[], [], []]);
      } finally {
        await cleanup();
      }
    });
  });
}
