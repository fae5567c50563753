/**
 * Text search through the official driver against the wire server: the manual's `$text` examples on `articles`
 * and the text search tutorial's `stores`, explain's TEXT_MATCH plan, `$indexStats` and mongod's errors as the
 * driver reports them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Collection, Document, Filter, MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { clientFor, rejectsWith, startInProcess } from './harness.js';
import { articles, stores } from '../../helpers/manual_text_fixtures.js';

/** The fixtures' documents: numeric `_id`s. */
type Doc = { _id: number; [field: string]: unknown };

const ids = (docs: Document[]) => docs.map((d) => d._id as number).sort((a, b) => a - b);

describe('text search through the official driver', () => {
  let server: RunningServer;
  let client: MongoClient;
  let art: Collection<Doc>;
  let shops: Collection<Doc>;

  before(async () => {
    server = await startInProcess();
    client = clientFor(server.address);
    const db = client.db('driver_text');
    art = db.collection<Doc>('articles');
    await art.insertMany(articles.map((d) => ({ ...d })));
    assert.equal(await art.createIndex({ subject: 'text' }), 'subject_text');
    shops = db.collection<Doc>('stores');
    await shops.insertMany(stores.map((d) => ({ ...d })));
    await shops.createIndex({ name: 'text', description: 'text' });
  });

  after(async () => {
    await client?.close();
    await server?.close();
  });

  test("the $text reference page's searches", async () => {
    const find = async (text: Document) => ids(await art.find({ $text: text } as Filter<Doc>).toArray());
    assert.deepEqual(await find({ $search: 'coffee' }), [1, 2, 7]);
    assert.deepEqual(await find({ $search: 'bake coffee cake' }), [1, 2, 3, 4, 7]);
    assert.deepEqual(await find({ $search: '"coffee shop"' }), [2]);
    assert.deepEqual(await find({ $search: 'coffee -shop' }), [1, 7]);
    assert.deepEqual(await find({ $search: 'leche', $language: 'es' }), [5, 8]);
    assert.deepEqual(await find({ $search: 'сы́рники CAFÉS' }), [5, 6, 8]);
    assert.deepEqual(await find({ $search: 'Coffee', $caseSensitive: true }), [2]);
    assert.deepEqual(await find({ $search: 'CAFÉ', $diacriticSensitive: true }), [5]);
    assert.deepEqual(await find({ $search: 'leches -cafés', $diacriticSensitive: true }), [8]);
  });

  test("the tutorial's relevance sort, and the score in aggregation", async () => {
    const found = await shops.find({ $text: { $search: 'java coffee shop' } }, { projection: { score: { $meta: 'textScore' } } }).sort({ score: { $meta: 'textScore' }, _id: 1 }).toArray();
    assert.deepEqual(found, [
      { _id: 3, name: 'Coffee Shop', description: 'Just coffee', score: 2.25 },
      { _id: 1, name: 'Java Hut', description: 'Coffee and cakes', score: 1.5 },
      { _id: 5, name: 'Java Shopping', description: 'Indonesian goods', score: 1.5 },
    ]);
    const aggregated = await art.aggregate([
      { $match: { $text: { $search: 'cake' } } },
      { $project: { title: '$subject', _id: 0, score: { $meta: 'textScore' } } },
    ]).toArray();
    assert.deepEqual(aggregated, [{ title: 'Baking a cake', score: 0.75 }]);
    assert.equal(await art.countDocuments({ $text: { $search: 'coffee' } }), 3);
  });

  test('explain shows TEXT_MATCH over the text index', async () => {
    const explained = await art.find({ $text: { $search: 'coffee cake -shop' } }).explain('executionStats');
    const plan = explained.queryPlanner.winningPlan as Document;
    assert.equal(plan.stage, 'TEXT_MATCH');
    assert.equal(plan.indexName, 'subject_text');
    assert.equal(plan.textIndexVersion, 3);
    assert.deepEqual(plan.parsedTextQuery, { terms: ['cake', 'coffe'], negatedTerms: ['shop'], phrases: [], negatedPhrases: [] });
    assert.equal(plan.inputStage.stage, 'FETCH');
    assert.equal(plan.inputStage.inputStage.stage, 'TEXT_OR');
    assert.deepEqual(plan.inputStage.inputStage.inputStages.map((s: Document) => s.indexName), ['subject_text', 'subject_text']);
    assert.equal(explained.executionStats.nReturned, 3, "'coffee' and 'coffee and cream' and 'Baking a cake'");
    assert.equal(explained.executionStats.totalKeysExamined, 4);
    const stats = await art.aggregate([{ $indexStats: {} }]).toArray();
    assert.ok(stats.find((s) => s.name === 'subject_text')!.accesses.ops > 0, 'the text index counts as used');
  });

  test('the index spec as listIndexes shows it; one text index per collection', async () => {
    const spec = (await art.listIndexes().toArray()).find((s) => s.name === 'subject_text');
    assert.deepEqual(spec, { v: 2, key: { _fts: 'text', _ftsx: 1 }, name: 'subject_text', weights: { subject: 1 }, default_language: 'english', language_override: 'language', textIndexVersion: 3 });
    await rejectsWith(art.createIndex({ author: 'text' }), 85, { codeName: 'IndexOptionsConflict' });
    await rejectsWith(art.createIndex({ views: 1, author: 'text' }), 67, { codeName: 'CannotCreateIndex', message: 'only one text index per collection allowed, found existing text index "subject_text"' });
    await rejectsWith(art.createIndex({ author: 'text' }, { name: 'x', weights: { author: 0 } }), 67, { message: 'text index weight must be in the exclusive interval (0,100000) but found: 0' });
  });

  test("mongod's errors", async () => {
    const plain = client.db('driver_text').collection<{ _id: number; s: string }>('plain');
    await plain.insertOne({ _id: 1, s: 'coffee' });
    await rejectsWith(plain.find({ $text: { $search: 'coffee' } }).toArray(), 27, { codeName: 'IndexNotFound', message: 'text index required for $text query' });
    await rejectsWith(art.find({}, { projection: { s: { $meta: 'textScore' } } }).toArray(), 40218);
    await rejectsWith(art.aggregate([{ $match: { views: 1 } }, { $match: { $text: { $search: 'x' } } }]).toArray(), 17313);
    await rejectsWith(art.find({ $text: { $search: 'x', $language: 'xx' } }).toArray(), 2, { message: 'unsupported language: "xx" for text index version 3' });
    await rejectsWith(art.find({ $text: { $search: 'x' }, $or: [{ $text: { $search: 'y' } }] }).toArray(), 2, { message: 'Too many text expressions' });
  });

  test('dropping the text index: $text has no index again', async () => {
    const coll = client.db('driver_text').collection<{ _id: number; t: string }>('dropped');
    await coll.insertOne({ _id: 1, t: 'coffee' });
    await coll.createIndex({ t: 'text' });
    assert.deepEqual(ids(await coll.find({ $text: { $search: 'coffee' } }).toArray()), [1]);
    await coll.dropIndex('t_text');
    await rejectsWith(coll.find({ $text: { $search: 'coffee' } }).toArray(), 27);
  });
});
