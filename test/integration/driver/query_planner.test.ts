/**
 * The query planner through the official driver: which plan explain reports, that an index plan reads no more than
 * it must (totalDocsExamined == nReturned for a selective equality), and above all that every plan returns exactly
 * what a collection scan returns: equality, ranges, $in, compound prefixes, multikey arrays, sparse and partial
 * indexes, sort by an index in both directions, hint, min/max, collation, and writes that move the keys they scan.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Collection, Document, MongoClient, Sort } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { prng } from '../../helpers/random.js';
import { clientFor, rejectsWith, startInProcess } from './harness.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDoc = { _id: number; [field: string]: any };

/** The stages of a plan tree, top down, following inputStage. */
function stagesOf(plan: Document): string[] {
  const out: string[] = [];
  for (let node: Document | undefined = plan; node; node = node.inputStage as Document | undefined) out.push(node.stage as string);
  return out;
}

function stageNamed(plan: Document, stage: string): Document | undefined {
  for (let node: Document | undefined = plan; node; node = node.inputStage as Document | undefined) if (node.stage === stage) return node;
  return undefined;
}

describe('query planner through the driver', () => {
  let server: RunningServer;
  let client: MongoClient;
  let people: Collection<AnyDoc>;

  before(async () => {
    server = await startInProcess();
    client = clientFor(server.address);
    people = client.db('planner').collection<AnyDoc>('people');
    await people.insertMany(Array.from({ length: 1000 }, (_, i) => ({ _id: i, email: `u${i}@x.org`, age: i % 90, city: `c${i % 7}`, score: (i * 37) % 1000 })));
    await people.createIndex({ email: 1 }, { unique: true });
    await people.createIndex({ age: 1 });
    await people.createIndex({ city: 1, score: -1 });
  });

  after(async () => {
    await client?.close();
    await server?.close();
  });

  test('a selective equality reads one key and one document (IXSCAN under FETCH)', async () => {
    const explained = await people.find({ email: 'u417@x.org' }).explain('executionStats');
    assert.deepEqual(stagesOf(explained.queryPlanner.winningPlan), ['FETCH', 'IXSCAN']);
    const ixscan = stageNamed(explained.queryPlanner.winningPlan, 'IXSCAN')!;
    assert.equal(ixscan.indexName, 'email_1');
    assert.deepEqual(ixscan.indexBounds, { email: ['["u417@x.org", "u417@x.org"]'] });
    assert.equal(explained.executionStats.nReturned, 1);
    assert.equal(explained.executionStats.totalDocsExamined, 1);
    assert.equal(explained.executionStats.totalKeysExamined, 1);
    assert.equal((await people.findOne({ email: 'u417@x.org' }))?._id, 417);
  });

  test('without an index the plan is a COLLSCAN that reads every document', async () => {
    const explained = await people.find({ score: 5 }).explain('executionStats');
    assert.deepEqual(stagesOf(explained.queryPlanner.winningPlan), ['COLLSCAN']);
    assert.equal(explained.executionStats.totalDocsExamined, 1000);
    assert.equal(explained.executionStats.nReturned, 1);
  });

  test('a range with sort and limit walks the index backwards and stops: no SORT stage', async () => {
    const found = await people.find({ age: { $gte: 30, $lt: 40 } }).sort({ age: -1 }).limit(5).toArray();
    const expected = (await people.find({ age: { $gte: 30, $lt: 40 } }).hint({ $natural: 1 }).toArray()).sort((a, b) => b.age - a.age || 0).slice(0, 5);
    assert.deepEqual(found.map((d) => d.age), expected.map((d) => d.age));
    const explained = await people.find({ age: { $gte: 30, $lt: 40 } }).sort({ age: -1 }).limit(5).explain('executionStats');
    const stages = stagesOf(explained.queryPlanner.winningPlan);
    assert.deepEqual(stages, ['LIMIT', 'FETCH', 'IXSCAN']);
    const ixscan = stageNamed(explained.queryPlanner.winningPlan, 'IXSCAN')!;
    assert.equal(ixscan.direction, 'backward');
    assert.deepEqual(ixscan.indexBounds, { age: ['(40, 30]'] });
    assert.ok(explained.executionStats.totalDocsExamined <= 5 + 64, `read ${explained.executionStats.totalDocsExamined}`);
  });

  test('a compound index serves an equality prefix with a range on the next field, and its sort', async () => {
    const filter = { city: 'c3', score: { $gt: 500 } };
    const found = await people.find(filter).sort({ score: -1 }).toArray();
    const all = (await people.find({}).hint({ $natural: 1 }).toArray()).filter((d) => d.city === 'c3' && d.score > 500).sort((a, b) => b.score - a.score);
    assert.deepEqual(found.map((d) => d._id), all.map((d) => d._id));
    const explained = await people.find(filter).sort({ score: -1 }).explain('executionStats');
    assert.deepEqual(stagesOf(explained.queryPlanner.winningPlan), ['FETCH', 'IXSCAN']);
    assert.equal(stageNamed(explained.queryPlanner.winningPlan, 'IXSCAN')!.indexName, 'city_1_score_-1');
    assert.equal(explained.executionStats.totalDocsExamined, all.length);
  });

  test('$in reads each value, and count and distinct use the same plans', async () => {
    const found = await people.find({ age: { $in: [3, 77, 3, 500] } }).toArray();
    assert.equal(found.length, (await people.find({}).hint({ $natural: 1 }).toArray()).filter((d) => [3, 77].includes(d.age)).length);
    assert.equal(await people.countDocuments({ age: { $in: [3, 77] } }), found.length);
    assert.deepEqual((await people.distinct('age', { age: { $lte: 2 } })).sort(), [0, 1, 2]);
    // countDocuments (an aggregate of $match and $group) and $count count keys too, with the same answers.
    assert.deepEqual(await people.aggregate([{ $match: { age: { $gte: 3, $lt: 5 } } }, { $count: 'n' }]).toArray(), [{ n: await people.countDocuments({ age: { $in: [3, 4] } }) }]);
    assert.deepEqual(await people.aggregate([{ $match: { age: 500 } }, { $count: 'n' }]).toArray(), []);
    assert.deepEqual(await people.aggregate([{ $match: { age: 3 } }, { $group: { _id: 'all', total: { $sum: 1 } } }]).toArray(), [{ _id: 'all', total: 12 }]);
    const count = await client.db('planner').command({ explain: { count: 'people', query: { age: 3 } }, verbosity: 'executionStats' });
    // The bounds decide the whole filter: the count reads keys, not documents (COUNT_SCAN).
    assert.deepEqual(stagesOf(count.queryPlanner.winningPlan), ['COUNT', 'COUNT_SCAN']);
    assert.equal(count.executionStats.totalDocsExamined, 0);
    assert.equal(count.executionStats.totalKeysExamined, await people.countDocuments({ age: 3 }));
    const filtered = await client.db('planner').command({ explain: { count: 'people', query: { age: 3, score: { $gt: 10 } } }, verbosity: 'executionStats' });
    assert.deepEqual(stagesOf(filtered.queryPlanner.winningPlan), ['COUNT', 'FETCH', 'IXSCAN']);
    assert.equal(await people.count({ age: { $gte: 10, $lt: 12 } }), await people.countDocuments({ age: { $gte: 10, $lt: 12 } }));
  });

  test('an $or whose every branch has an index reads the branches in turn, each document once', async () => {
    const filter = { $or: [{ email: 'u5@x.org' }, { age: 5 }, { _id: 95 }] };
    const found = await people.find(filter).toArray();
    const expected = (await people.find(filter).hint({ $natural: 1 }).toArray()).map((d) => d._id).sort((a, b) => a - b);
    assert.deepEqual(found.map((d) => d._id).sort((a, b) => a - b), expected);
    const explained = await people.find(filter).explain('executionStats');
    assert.deepEqual(stagesOf(explained.queryPlanner.winningPlan), ['SUBPLAN', 'FETCH', 'OR']);
    assert.equal(explained.executionStats.nReturned, expected.length);
    assert.ok(explained.executionStats.totalDocsExamined < 40, `read ${explained.executionStats.totalDocsExamined}`);
    // One branch without an index: the whole $or is a collection scan.
    assert.deepEqual(stagesOf((await people.find({ $or: [{ age: 5 }, { score: 7 }] }).explain()).queryPlanner.winningPlan), ['COLLSCAN']);
  });

  test('an anchored, case-sensitive regular expression seeks its prefix; others scan', async () => {
    const explained = await people.find({ email: /^u42/ }).explain('executionStats');
    const ixscan = stageNamed(explained.queryPlanner.winningPlan, 'IXSCAN')!;
    assert.equal(ixscan.indexName, 'email_1');
    assert.deepEqual(ixscan.indexBounds, { email: ['["u42", "u43")', '[/^u42/, /^u42/]'] });
    const expected = (await people.find({}).hint({ $natural: 1 }).toArray()).filter((d) => /^u42/.test(d.email)).map((d) => d._id);
    assert.equal(explained.executionStats.totalDocsExamined, expected.length);
    assert.deepEqual((await people.find({ email: { $regex: '^u42', $options: '' } }).toArray()).map((d) => d._id).sort((a, b) => a - b), expected.sort((a, b) => a - b));
    for (const filter of [{ email: /^u42/i }, { email: /u42/ }, { email: { $regex: '^u4|^u5' } }]) {
      assert.deepEqual(stagesOf((await people.find(filter).explain()).queryPlanner.winningPlan), ['COLLSCAN'], JSON.stringify(filter));
    }
  });

  test('hint names an index or $natural; a hint to no index is BadValue; min/max need a hint', async () => {
    const byHint = await people.find({ age: 4, city: 'c4' }).hint({ city: 1, score: -1 }).explain('queryPlanner');
    assert.equal(stageNamed(byHint.queryPlanner.winningPlan, 'IXSCAN')!.indexName, 'city_1_score_-1');
    const natural = await people.find({}).hint({ $natural: -1 }).limit(3).toArray();
    assert.deepEqual(natural.map((d) => d._id), [999, 998, 997]);
    assert.deepEqual(stagesOf((await people.find({}).hint({ $natural: -1 }).explain()).queryPlanner.winningPlan), ['COLLSCAN']);
    await rejectsWith(people.find({ age: 1 }).hint('nope_1').toArray(), 2, { codeName: 'BadValue' });
    await rejectsWith(people.find({ age: 1 }).hint({ nope: 1 }).toArray(), 2);
    const ranged = await people.find({}).hint({ age: 1 }).min({ age: 10 }).max({ age: 12 }).toArray();
    assert.deepEqual([...new Set(ranged.map((d) => d.age))].sort(), [10, 11]);
    await rejectsWith(people.find({}).min({ age: 10 }).toArray(), 51173);
    await rejectsWith(people.find({}).hint({ age: 1 }).min({ age: 12 }).max({ age: 10 }).toArray(), 51175);
    await rejectsWith(people.find({}).hint({ age: 1 }).min({ city: 'a' }).toArray(), 51174);
  });

  test('a query with a collation does not bound strings by an index (its keys are binary) and finds every match', async () => {
    const c = client.db('planner').collection<AnyDoc>('names');
    await c.insertMany([{ _id: 1, n: 'abc' }, { _id: 2, n: 'ABC' }, { _id: 3, n: 'abd' }]);
    await c.createIndex({ n: 1 });
    const found = await c.find({ n: 'abc' }).collation({ locale: 'en', strength: 2 }).toArray();
    assert.deepEqual(found.map((d) => d._id).sort(), [1, 2]);
    const explained = await c.find({ n: 'abc' }).collation({ locale: 'en', strength: 2 }).explain();
    assert.deepEqual(stagesOf(explained.queryPlanner.winningPlan), ['COLLSCAN']);
    assert.deepEqual((await c.find({ n: 'abc' }).toArray()).map((d) => d._id), [1]);
  });

  test('multikey: one document under several keys is returned once, and two bounds on an array field are not intersected', async () => {
    const c = client.db('planner').collection<AnyDoc>('tags');
    await c.createIndex({ tags: 1 });
    await c.insertMany([{ _id: 1, tags: ['a', 'z'] }, { _id: 2, tags: ['m'] }, { _id: 3, tags: ['a', 'b', 'a'] }, { _id: 4, tags: [] }, { _id: 5 }]);
    // {_id: 1} matches through 'a' (< 'c') and 'z' (> 'x'): an index that intersected the bounds would miss it.
    assert.deepEqual((await c.find({ tags: { $lt: 'c', $gt: 'x' } }).toArray()).map((d) => d._id), [1]);
    assert.deepEqual((await c.find({ tags: { $in: ['a', 'b'] } }).toArray()).map((d) => d._id).sort(), [1, 3]);
    const explained = await c.find({ tags: 'a' }).explain('executionStats');
    const ixscan = stageNamed(explained.queryPlanner.winningPlan, 'IXSCAN')!;
    assert.equal(ixscan.isMultiKey, true);
    assert.equal(explained.executionStats.nReturned, 2);
    // A multikey index does not provide a sort: the SORT stage stays.
    assert.ok(stagesOf((await c.find({ tags: { $gte: 'a' } }).sort({ tags: 1 }).explain()).queryPlanner.winningPlan).includes('SORT'));
    assert.deepEqual((await c.find({ tags: null }).toArray()).map((d) => d._id), [5]);
  });

  test('sparse and partial indexes hold only what they cover; the planner uses them only when the filter allows', async () => {
    const c = client.db('planner').collection<AnyDoc>('sparse');
    await c.createIndex({ s: 1 }, { sparse: true });
    await c.createIndex({ email: 1 }, { unique: true, partialFilterExpression: { active: true } });
    await c.insertMany([{ _id: 1, s: 1, email: 'a', active: true }, { _id: 2, email: 'a', active: false }, { _id: 3, s: null, email: 'a' }, { _id: 4, email: 'b', active: true }]);
    await rejectsWith(c.insertOne({ _id: 5, email: 'a', active: true }), 11000);
    assert.deepEqual((await c.find({ s: null }).toArray()).map((d) => d._id), [2, 3, 4]);
    assert.deepEqual(stagesOf((await c.find({ s: null }).explain()).queryPlanner.winningPlan), ['COLLSCAN']);
    assert.deepEqual(stagesOf((await c.find({ s: 1 }).explain()).queryPlanner.winningPlan), ['FETCH', 'IXSCAN']);
    // As mongod: a count hinted to a sparse index counts what the index holds.
    assert.equal(await c.countDocuments({}, { hint: 's_1' }), 2);
    assert.equal(await c.countDocuments({}), 4);
    assert.deepEqual(stagesOf((await c.find({ email: 'a', active: true }).explain()).queryPlanner.winningPlan), ['FETCH', 'IXSCAN']);
    assert.deepEqual(stagesOf((await c.find({ email: 'a' }).explain()).queryPlanner.winningPlan), ['COLLSCAN']);
    assert.deepEqual((await c.find({ email: 'a' }).toArray()).map((d) => d._id), [1, 2, 3]);
  });

  test('an update that moves documents along the index it scans changes each one once', async () => {
    const c = client.db('planner').collection<AnyDoc>('halloween');
    await c.createIndex({ v: 1 });
    await c.insertMany(Array.from({ length: 300 }, (_, i) => ({ _id: i, v: i })));
    const r = await c.updateMany({ v: { $gte: 100 } }, { $inc: { v: 1000 } });
    assert.equal(r.modifiedCount, 200);
    assert.equal(await c.countDocuments({ v: { $gte: 1100 } }), 200);
    assert.equal(await c.countDocuments({ v: { $gte: 2100 } }), 0);
    const d = await c.deleteMany({ v: { $lt: 50 } });
    assert.equal(d.deletedCount, 50);
    const fam = await c.findOneAndUpdate({ v: { $gte: 1100 } }, { $set: { top: true } }, { sort: { v: -1 } });
    assert.equal(fam?._id, 299);
    const explained = await client.db('planner').command({ explain: { update: 'halloween', updates: [{ q: { v: 5 }, u: { $set: { w: 1 } } }] }, verbosity: 'executionStats' });
    assert.deepEqual(stagesOf(explained.queryPlanner.winningPlan), ['UPDATE', 'FETCH', 'IXSCAN']);
    assert.equal((await c.findOne({ v: 5 }))?.w, undefined, 'explain does not write');
    const deleting = await client.db('planner').command({ explain: { delete: 'halloween', deletes: [{ q: { v: { $gte: 1290 } }, limit: 0 }] }, verbosity: 'executionStats' });
    assert.deepEqual(stagesOf(deleting.queryPlanner.winningPlan), ['DELETE', 'FETCH', 'IXSCAN']);
    assert.equal(deleting.executionStats.executionStages.nWouldModify, 10);
    const famExplained = await client.db('planner').command({ explain: { findAndModify: 'halloween', query: { v: 60 }, sort: { v: 1 }, remove: true }, verbosity: 'queryPlanner' });
    assert.deepEqual(stagesOf(famExplained.queryPlanner.winningPlan), ['DELETE', 'FETCH', 'IXSCAN']);
    assert.equal(await c.countDocuments({ v: { $gte: 1290 } }), 10, 'explain does not delete');
    await rejectsWith(client.db('planner').command({ explain: { find: 'halloween' }, verbosity: 'everything' }), 9);
  });

  test('aggregate: a leading $match and $sort are read through an index; explain lists the stages', async () => {
    const agg = await people.aggregate([{ $match: { age: { $gt: 80 } } }, { $sort: { age: 1 } }, { $limit: 3 }, { $project: { age: 1 } }]).toArray();
    assert.deepEqual(agg.map((d) => d.age), [81, 81, 81]);
    const explained = await people.aggregate([{ $match: { age: 7 } }, { $group: { _id: '$city', n: { $sum: 1 } } }]).explain('executionStats');
    const cursor = explained.stages[0].$cursor;
    assert.deepEqual(stagesOf(cursor.queryPlanner.winningPlan), ['FETCH', 'IXSCAN']);
    assert.equal(cursor.executionStats.totalDocsExamined, await people.countDocuments({ age: 7 }));
    assert.ok(explained.stages.some((s: Document) => s.$group));
  });

  test('the plan reaches $indexStats and the profiler: accesses, planSummary, keys and documents examined', async () => {
    const c = client.db('planner').collection<AnyDoc>('usage');
    await c.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: i, k: i % 5 })));
    await c.createIndex({ k: 1 });
    for (let i = 0; i < 3; i++) await c.find({ k: 2 }).toArray();
    const [stat] = await c.aggregate([{ $indexStats: {} }, { $match: { name: 'k_1' } }]).toArray();
    assert.equal(Number(stat!.accesses.ops), 3);
    const db = client.db('planner');
    await db.command({ profile: 2 });
    await c.find({ k: 3 }).toArray();
    await c.find({ _id: { $gte: 0 }, k: { $gte: 4 } }).hint({ $natural: 1 }).toArray();
    await c.updateMany({ k: 1 }, { $set: { seen: true } });
    await db.command({ profile: 0 });
    const [update] = await db.collection<AnyDoc>('system.profile').find({ op: 'update', ns: 'planner.usage' }).toArray();
    assert.deepEqual([update!.planSummary, Number(update!.keysExamined), Number(update!.docsExamined)], ['IXSCAN { k: 1 }', 10, 10]);
    const [after] = await c.aggregate([{ $indexStats: {} }, { $match: { name: 'k_1' } }]).toArray();
    assert.equal(Number(after!.accesses.ops), 5, 'three finds, the profiled find and the update');
    const entries = await db.collection<AnyDoc>('system.profile').find({ op: 'query', ns: 'planner.usage' }).toArray();
    assert.deepEqual(entries.map((e) => [e.planSummary, Number(e.keysExamined), Number(e.docsExamined), e.nreturned]), [
      ['IXSCAN { k: 1 }', 10, 10, 10],
      ['COLLSCAN', 0, 50, 10],
    ]);
  });

  test('every plan returns what a collection scan returns (random filters, indexes and sorts)', async () => {
    const rnd = prng(13);
    const c = client.db('planner').collection<AnyDoc>('fuzz');
    await c.createIndex({ a: 1 });
    await c.createIndex({ a: 1, b: -1 });
    await c.createIndex({ t: 1 });
    await c.createIndex({ b: -1 }, { sparse: true });
    const value = () => {
      const r = rnd();
      if (r < 0.03) return rnd() < 0.5 ? NaN : -Infinity;
      if (r < 0.5) return Math.floor(rnd() * 10);
      if (r < 0.6) return null;
      if (r < 0.7) return `s${Math.floor(rnd() * 5)}`;
      if (r < 0.8) return Math.floor(rnd() * 10) + 0.5;
      if (r < 0.9) return [Math.floor(rnd() * 10), Math.floor(rnd() * 10)];
      return undefined;
    };
    const docs = Array.from({ length: 400 }, (_, i) => {
      const d: AnyDoc = { _id: i };
      for (const f of ['a', 'b', 't']) {
        const v = value();
        if (v !== undefined && !(f !== 't' && Array.isArray(v))) d[f] = v;
      }
      return d;
    });
    await c.insertMany(docs);
    const predicate = (): Document => {
      const field = ['a', 'b', 't'][Math.floor(rnd() * 3)]!;
      const n = Math.floor(rnd() * 10);
      const r = rnd();
      if (r < 0.25) return { [field]: n };
      if (r < 0.4) return { [field]: { $in: [n, `s${n % 5}`, null] } };
      if (r < 0.55) return { [field]: { $gt: n } };
      if (r < 0.7) return { [field]: { $gte: n - 3, $lt: n } };
      if (r < 0.8) return { [field]: { $lte: `s${n % 5}` } };
      if (r < 0.85) return { [field]: null };
      if (r < 0.88) return { [field]: new RegExp(`^s${n % 5}`) };
      if (r < 0.9) return { [field]: { $regex: rnd() < 0.5 ? '^s' : 's', $options: rnd() < 0.5 ? 'i' : '' } };
      return { [field]: { $ne: n } };
    };
    for (let i = 0; i < 150; i++) {
      const shape = rnd();
      const filter = shape < 0.4 ? predicate() : shape < 0.7 ? { $and: [predicate(), predicate()] } : { $or: [predicate(), predicate(), ...(rnd() < 0.3 ? [{ _id: Math.floor(rnd() * 400) }] : [])] };
      const sort: Document = rnd() < 0.4 ? { [['a', 'b'][Math.floor(rnd() * 2)]!]: rnd() < 0.5 ? 1 : -1, _id: 1 } : { _id: 1 };
      const expected = await c.find(filter).hint({ $natural: 1 }).sort(sort as Sort).toArray();
      const planned = await c.find(filter).sort(sort as Sort).toArray();
      assert.deepEqual(planned, expected, `filter ${JSON.stringify(filter)} sort ${JSON.stringify(sort)}`);
      assert.equal(await c.countDocuments(filter), expected.length, `countDocuments ${JSON.stringify(filter)}`);
      assert.equal(await c.count(filter), expected.length, `count ${JSON.stringify(filter)}`);
    }
  });
});

describe('hashed indexes through the driver', () => {
  let server: RunningServer;
  let client: MongoClient;

  before(async () => {
    server = await startInProcess();
    client = clientFor(server.address);
  });

  after(async () => {
    await client?.close();
    await server?.close();
  });

  test('serve equality lookups by hash, never ranges or sorts; refuse arrays, uniqueness and two hashed fields', async () => {
    const c = client.db('hashed').collection<AnyDoc>('h');
    await c.insertMany(Array.from({ length: 300 }, (_, i) => ({ _id: i, k: `key${i % 100}`, n: i % 3 === 0 ? i : i + 0.5 })));
    assert.equal(await c.createIndex({ k: 'hashed' }), 'k_hashed');
    await c.createIndex({ n: 'hashed', k: 1 });
    const explained = await c.find({ k: 'key7' }).explain('executionStats');
    const ixscan = stageNamed(explained.queryPlanner.winningPlan, 'IXSCAN')!;
    assert.equal(ixscan.indexName, 'k_hashed');
    assert.equal(explained.executionStats.totalDocsExamined, 3);
    assert.deepEqual((await c.find({ k: 'key7' }).toArray()).map((d) => d._id), [7, 107, 207]);
    assert.deepEqual((await c.find({ k: { $in: ['key1', 'key2'] } }).toArray()).map((d) => d._id).sort((a, b) => a - b), [1, 2, 101, 102, 201, 202]);
    assert.deepEqual((await c.find({ n: 3 }).toArray()).map((d) => d._id), [3]);
    assert.deepEqual(stagesOf((await c.find({ k: { $gt: 'key9' } }).explain()).queryPlanner.winningPlan), ['COLLSCAN']);
    assert.ok(stagesOf((await c.find({ k: { $in: ['key1', 'key2'] } }).sort({ k: 1 }).explain()).queryPlanner.winningPlan).includes('SORT'));
    assert.equal(await c.countDocuments({ k: 'key7' }), 3);
    await rejectsWith(c.insertOne({ _id: 1000, k: ['a', 'b'] }), 16766);
    await rejectsWith(c.createIndex({ a: 'hashed' }, { unique: true }), 16764);
    await rejectsWith(c.createIndex({ a: 'hashed', b: 'hashed' }), 31303);
    await rejectsWith(c.createIndex({ a: 'text2' } as unknown as { a: 1 }), 67);
  });
});
