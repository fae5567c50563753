// Text indexes and $text through the embedded client on every storage mode, with the MongoDB manual's examples
// (the $text reference page's `articles`, the text search tutorial's `stores`) and mongod's errors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Client, Collection, Db, Document } from '../../../src/index.js';
import { modes, openClient } from '../../helpers/embedded.js';
import { rejectsWith } from '../../helpers/assertions.js';
import { articles, stores } from '../../helpers/manual_text_fixtures.js';

const ids = (docs: Document[]) => docs.map((d) => d._id as number).sort((a, b) => a - b);

for (const mode of modes()) {
  describe(`text search (${mode})`, () => {
    let client: Client;
    let cleanup: () => Promise<void>;
    let db: Db;
    let art: Collection;
    let shops: Collection;
    let counter = 0;
    const fresh = (): Collection => db.collection(`c${++counter}`);
    const search = (coll: Collection, $text: Document, filter: Document = {}) => coll.find({ ...filter, $text }).toArray();

    before(async () => {
      ({ client, cleanup } = await openClient(mode));
      db = client.db('text');
      art = db.collection('articles');
      await art.createIndex({ subject: 'text' });
      await art.insertMany(articles.map((d) => ({ ...d })));
      shops = db.collection('stores');
      await shops.insertMany(stores.map((d) => ({ ...d })));
      await shops.createIndex({ name: 'text', description: 'text' });
    });
    after(async () => {
      await cleanup();
    });

    describe("the $text reference page's examples", () => {
      it('a single word, any of several words, a phrase, an excluded word', async () => {
        assert.deepEqual(ids(await search(art, { $search: 'coffee' })), [1, 2, 7]);
        assert.deepEqual(ids(await search(art, { $search: 'bake coffee cake' })), [1, 2, 3, 4, 7]);
        assert.deepEqual(ids(await search(art, { $search: '"coffee shop"' })), [2]);
        assert.deepEqual(ids(await search(art, { $search: 'coffee -shop' })), [1, 7]);
      });

      it('another language, and case and diacritic insensitivity by default', async () => {
        assert.deepEqual(ids(await search(art, { $search: 'leche', $language: 'es' })), [5, 8]);
        assert.deepEqual(ids(await search(art, { $search: 'сы́рники CAFÉS' })), [5, 6, 8]);
      });

      it('$caseSensitive: a term, a phrase, a negated term', async () => {
        assert.deepEqual(ids(await search(art, { $search: 'Coffee', $caseSensitive: true })), [2]);
        assert.deepEqual(ids(await search(art, { $search: '"Café Con Leche"', $caseSensitive: true })), [5]);
        assert.deepEqual(ids(await search(art, { $search: 'Coffee -shop', $caseSensitive: true })), [2]);
      });

      it('$diacriticSensitive: a term and a negated term', async () => {
        assert.deepEqual(ids(await search(art, { $search: 'CAFÉ', $diacriticSensitive: true })), [5]);
        assert.deepEqual(ids(await search(art, { $search: 'leches -cafés', $diacriticSensitive: true })), [8]);
      });

      it('the relevance score in a projection, and sorted by it', async () => {
        const scored = await art.find({ $text: { $search: 'cake' } }, { projection: { score: { $meta: 'textScore' } } }).toArray();
        assert.deepEqual(scored, [{ _id: 3, subject: 'Baking a cake', author: 'abc', views: 90, score: 0.75 }]);
        const top = await art.find({ $text: { $search: 'coffee' } }, { projection: { score: { $meta: 'textScore' } } }).sort({ score: { $meta: 'textScore' } }).limit(2).toArray();
        assert.deepEqual(top[0], { _id: 1, subject: 'coffee', author: 'xyz', views: 50, score: 1 });
        assert.equal(top[1]!.score, 0.75);
        assert.equal(top.length, 2);
      });

      it('with other predicates and a sort by score without projecting it', async () => {
        // 'coffee' and 'baking' both score 1 (no 10% for the whole field: the stems are shorter), so _id decides.
        const found = await art.find({ author: 'xyz', $text: { $search: 'coffee bake' } }).sort({ score: { $meta: 'textScore' }, _id: -1 }).toArray();
        assert.deepEqual(found, [articles[3], articles[0]]);
        const alone = await art.find({ $text: { $search: 'cake baking' } }).sort({ score: { $meta: 'textScore' } }).toArray();
        assert.deepEqual(alone.map((d) => d._id), [3, 4], "'Baking a cake' has both terms (0.75 each)");
      });
    });

    describe("the text search tutorial's stores", () => {
      it('terms, a phrase, an exclusion', async () => {
        assert.deepEqual(ids(await search(shops, { $search: 'java coffee shop' })), [1, 3, 5]);
        assert.deepEqual(ids(await search(shops, { $search: '"coffee shop"' })), [3]);
        assert.deepEqual(ids(await search(shops, { $search: 'java shop -coffee' })), [5]);
      });

      it('sorted by relevance: the scores the tutorial shows', async () => {
        const found = await shops.find({ $text: { $search: 'java coffee shop' } }, { projection: { score: { $meta: 'textScore' } } }).sort({ score: { $meta: 'textScore' }, _id: 1 }).toArray();
        assert.deepEqual(found.map((d) => [d._id, d.score]), [[3, 2.25], [1, 1.5], [5, 1.5]]);
      });
    });

    describe('aggregation', () => {
      it('$match first, $meta in $project, $group and $sort', async () => {
        const projected = await art.aggregate([
          { $match: { $text: { $search: 'cake' } } },
          { $project: { title: '$subject', _id: 0, score: { $meta: 'textScore' } } },
        ]).toArray();
        assert.deepEqual(projected, [{ title: 'Baking a cake', score: 0.75 }]);
        const grouped = await art.aggregate([
          { $match: { $text: { $search: 'coffee' } } },
          { $group: { _id: { $meta: 'textScore' }, count: { $sum: 1 } } },
          { $sort: { _id: -1 } },
        ]).toArray();
        assert.deepEqual(grouped, [{ _id: 1, count: 1 }, { _id: 0.75, count: 2 }]);
        const sorted = await shops.aggregate([
          { $match: { $text: { $search: 'java coffee shop' } } },
          { $sort: { score: { $meta: 'textScore' }, _id: 1 } },
          { $addFields: { score: { $meta: 'textScore' } } },
          { $match: { score: { $gt: 1.5 } } },
        ]).toArray();
        assert.deepEqual(sorted.map((d) => d._id), [3]);
      });

      it('count and countDocuments', async () => {
        assert.equal(await art.countDocuments({ $text: { $search: 'coffee' } }), 3);
        const reply = await db.command({ count: 'articles', query: { $text: { $search: 'coffee -shop' } } });
        assert.equal(reply.n, 2);
      });

      it('errors: $text after the first stage, textScore where no $text is, textScore after $group', async () => {
        await rejectsWith(() => art.aggregate([{ $match: {} }, { $match: { $text: { $search: 'x' } } }]).toArray(), 17313, { message: '$match with $text is only allowed as the first pipeline stage' });
        await rejectsWith(() => art.aggregate([{ $project: { s: { $meta: 'textScore' } } }]).toArray(), 40218, { message: 'Invalid $project :: caused by :: query requires text score metadata, but it is not available' });
        await rejectsWith(() => art.aggregate([{ $match: { $text: { $search: 'x' } } }, { $group: { _id: null } }, { $sort: { s: { $meta: 'textScore' } } }]).toArray(), 40218);
      });
    });

    describe('the index', () => {
      it('listIndexes shows the spec as mongod stores it', async () => {
        const indexes = await shops.listIndexes().toArray();
        assert.deepEqual(indexes[1], {
          v: 2,
          key: { _fts: 'text', _ftsx: 1 },
          name: 'name_text_description_text',
          weights: { description: 1, name: 1 },
          default_language: 'english',
          language_override: 'language',
          textIndexVersion: 3,
        });
      });

      it('inserts, updates and deletes keep the entries', async () => {
        const coll = fresh();
        await coll.createIndex({ body: 'text' });
        await coll.insertMany([{ _id: 1, body: 'apple pie' }, { _id: 2, body: 'cherry pie' }]);
        assert.deepEqual(ids(await search(coll, { $search: 'pie' })), [1, 2]);
        await coll.updateOne({ _id: 1 }, { $set: { body: 'apple tart' } });
        assert.deepEqual(ids(await search(coll, { $search: 'pie' })), [2]);
        assert.deepEqual(ids(await search(coll, { $search: 'tart' })), [1]);
        await coll.deleteOne({ _id: 2 });
        assert.deepEqual(ids(await search(coll, { $search: 'pie cherry' })), []);
        await coll.updateMany({ $text: { $search: 'apple' } }, { $set: { seen: true } });
        assert.deepEqual(await coll.find({}).toArray(), [{ _id: 1, body: 'apple tart', seen: true }]);
      });

      it('built over existing documents, with weights, a default language and the wildcard', async () => {
        const coll = fresh();
        await coll.insertMany([{ _id: 1, title: 'pastel', body: 'el pastel de chocolate' }, { _id: 2, title: 'tarta', body: 'pastel', extra: { note: 'el' } }]);
        await coll.createIndex({ '$**': 'text' }, { weights: { title: 10 }, default_language: 'spanish' });
        const found = await coll.find({ $text: { $search: 'pastel' } }, { projection: { s: { $meta: 'textScore' } } }).sort({ s: { $meta: 'textScore' } }).toArray();
        assert.deepEqual(found.map((d) => d._id), [1, 2]);
        assert.deepEqual(ids(await search(coll, { $search: 'el' })), [], 'el is a Spanish stop word');
      });

      it('compound: equality on the prefix field is required, the suffix field filters', async () => {
        const coll = fresh();
        await coll.createIndex({ shop: 1, about: 'text', price: 1 });
        await coll.insertMany([{ _id: 1, shop: 'a', about: 'coffee', price: 3 }, { _id: 2, shop: 'b', about: 'coffee', price: 2 }, { _id: 3, shop: 'a', about: 'tea coffee', price: 9 }]);
        assert.deepEqual(ids(await search(coll, { $search: 'coffee' }, { shop: 'a' })), [1, 3]);
        assert.deepEqual(ids(await search(coll, { $search: 'coffee' }, { shop: 'a', price: { $lt: 5 } })), [1]);
        await rejectsWith(() => search(coll, { $search: 'coffee' }), 291, { codeName: 'NoQueryExecutionPlans', message: /failed to use text index to satisfy \$text query/ });
        await rejectsWith(() => coll.insertOne({ _id: 4, shop: ['a'], about: 'x' }), 201, { codeName: 'CannotBuildIndexKeys', message: /^Field 'shop' of text index contains an array in document/ });
      });

      it('one text index per collection', async () => {
        await rejectsWith(() => art.createIndex({ author: 'text' }), 85, { codeName: 'IndexOptionsConflict', message: /^An equivalent index already exists with a different name and options/ });
        await rejectsWith(() => art.createIndex({ views: 1, author: 'text' }), 67, { message: 'only one text index per collection allowed, found existing text index "subject_text"' });
        assert.equal(await art.createIndex({ subject: 'text' }), 'subject_text', 'the same index again is no change');
      });

      it('a language override in the documents; an unknown one refuses the write', async () => {
        const coll = fresh();
        await coll.createIndex({ t: 'text' }, { language_override: 'lang' });
        await coll.insertMany([{ _id: 1, t: 'el pastel', lang: 'es' }, { _id: 2, t: 'el pastel' }]);
        assert.deepEqual(ids(await search(coll, { $search: 'el', $language: 'none' })), [2]);
        await rejectsWith(() => coll.insertOne({ _id: 3, t: 'x', lang: 'klingon' }), 17262, { message: 'language override unsupported: klingon' });
      });

      it('inside a transaction the documents are scanned and matched', async () => {
        const session = client.startSession();
        try {
          session.startTransaction();
          const found = await art.find({ $text: { $search: 'coffee -shop' } }, { session, projection: { s: { $meta: 'textScore' } } }).sort({ s: { $meta: 'textScore' } }).toArray();
          assert.deepEqual(found.map((d) => [d._id, d.s]), [[1, 1], [7, 0.75]]);
          await session.commitTransaction();
        } finally {
          await session.endSession();
        }
      });
    });

    describe("mongod's errors", () => {
      it('no text index, a missing collection, $meta without $text', async () => {
        const coll = fresh();
        await coll.insertOne({ _id: 1 });
        await rejectsWith(() => search(coll, { $search: 'x' }), 27, { codeName: 'IndexNotFound', message: 'text index required for $text query' });
        await rejectsWith(() => search(db.collection('missing'), { $search: 'x' }), 27, { message: "text index required for $text query (no such collection 'text.missing')" });
        await rejectsWith(() => art.find({}, { projection: { s: { $meta: 'textScore' } } }).toArray(), 40218);
        await rejectsWith(() => art.find({}).sort({ s: { $meta: 'textScore' } }).toArray(), 40218);
      });

      it('two $text, $text under $nor or $elemMatch, bad operands, a hint, a $natural sort', async () => {
        await rejectsWith(() => art.find({ $and: [{ $text: { $search: 'a' } }, { $text: { $search: 'b' } }] }).toArray(), 2, { message: 'Too many text expressions' });
        await rejectsWith(() => art.find({ $nor: [{ $text: { $search: 'a' } }] }).toArray(), 2, { message: 'text expression not allowed in nor' });
        await rejectsWith(() => art.find({ a: { $elemMatch: { $text: { $search: 'a' } } } }).toArray(), 2);
        await rejectsWith(() => search(art, { $search: 5 }), 14, { message: '$search requires a string value' });
        await rejectsWith(() => search(art, { $search: 'x', $language: 'klingon' }), 2, { message: 'unsupported language: "klingon" for text index version 3' });
        await rejectsWith(() => art.find({ $text: { $search: 'x' } }).hint({ _id: 1 }).toArray(), 2, { message: 'text and hint not allowed in same query' });
        await rejectsWith(() => art.find({ $text: { $search: 'x' } }).sort({ $natural: 1 }).toArray(), 2, { message: 'text expression not allowed with $natural sort order' });
      });

      it('a collection validator may not use $text', async () => {
        await rejectsWith(() => db.createCollection('validated', { validator: { $text: { $search: 'x' } } }), 2, { message: /\$text is not allowed in this context$/ });
      });

      it('$text in $or: the other branches need an index', async () => {
        await rejectsWith(() => art.find({ $or: [{ $text: { $search: 'coffee' } }, { views: 100 }] }).toArray(), 291, { codeName: 'NoQueryExecutionPlans' });
        const coll = fresh();
        await coll.createIndex({ body: 'text' });
        await coll.createIndex({ n: 1 });
        await coll.insertMany([{ _id: 1, body: 'coffee', n: 1 }, { _id: 2, body: 'tea', n: 2 }, { _id: 3, body: 'milk', n: 3 }]);
        assert.deepEqual(ids(await coll.find({ $or: [{ $text: { $search: 'coffee' } }, { n: 2 }] }).toArray()), [1, 2]);
        const session = client.startSession();
        try {
          session.startTransaction();
          const inTransaction = await coll.find({ $or: [{ $text: { $search: 'coffee' } }, { n: 2 }] }, { session, projection: { s: { $meta: 'textScore' } } }).toArray();
          assert.deepEqual(inTransaction.sort((a, b) => (a._id as number) - (b._id as number)), [{ _id: 1, body: 'coffee', n: 1, s: 1 }, { _id: 2, body: 'tea', n: 2 }]);
          await session.commitTransaction();
        } finally {
          await session.endSession();
        }
      });
    });
  });
}
