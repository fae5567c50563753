// countDocuments takes a hint as the driver's does: an index (by name or key pattern) or `$natural`; a hint to a
// sparse index counts what that index holds, and one naming no index fails as mongod's planner does.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { modes, openClient } from '../../helpers/embedded.js';

for (const mode of modes()) {
  describe(`countDocuments with a hint (${mode})`, () => {
    it('counts through the hinted index or by a collection scan', async () => {
      const { client, cleanup } = await openClient(mode);
      try {
        const c = client.db('h').collection('c');
        await c.createIndex({ s: 1 }, { sparse: true });
        await c.createIndex({ k: 1 }, { unique: true });
        await c.insertMany(Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? { _id: i, k: i, s: i } : { _id: i, k: i })));
        assert.equal(await c.countDocuments({}), 300);
        assert.equal(await c.countDocuments({}, { hint: 's_1' }), 100);
        assert.equal(await c.countDocuments({}, { hint: { $natural: 1 } }), 300);
        const range = { k: { $gte: 100, $lt: 130 } };
        assert.equal(await c.countDocuments(range), 30);
        assert.equal(await c.countDocuments(range, { hint: { k: 1 } }), 30);
        assert.equal(await c.countDocuments(range, { hint: { $natural: -1 } }), 30);
        assert.equal(await c.countDocuments(range, { hint: 's_1' }), 10);
        await assert.rejects(c.countDocuments(range, { hint: 'none_1' }), { code: 2 });
      } finally {
        await cleanup();
      }
    });
  });
}
