/**
 * User regular expressions through the official driver run in linear time: a pattern that makes a backtracking
 * engine run for ages over a long string answers at once, in find, aggregate, $pull and a change stream's $match,
 * and constructs that need backtracking are refused with mongod's codes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Collection, MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { clientFor, rejectsWith, started, startInProcess } from './harness.js';

/** Nested quantifiers: a backtracking engine takes 2^n steps to fail on n 'a's followed by a 'b'. */
const EVIL = '^(a+)+$';
const LONG = `${'a'.repeat(5000)}b`;

describe('regular expressions through the official driver', () => {
  let server: RunningServer;
  let client: MongoClient;
  let coll: Collection<{ _id: number; s: string | string[] }>;

  before(async () => {
    server = await startInProcess();
    client = clientFor(server.address);
    coll = client.db('regex').collection<{ _id: number; s: string | string[] }>('strings');
    await coll.insertMany([{ _id: 1, s: LONG }, { _id: 2, s: 'aaaa' }, { _id: 3, s: ['x', LONG] }]);
  });

  after(async () => {
    await client?.close();
    await server?.close();
  });

  test('find with nested quantifiers over a long string completes', async () => {
    assert.deepEqual(await coll.find({ _id: 1, s: { $regex: EVIL } }).toArray(), []);
    assert.deepEqual(await coll.find({ s: { $regex: EVIL } }).toArray(), [{ _id: 2, s: 'aaaa' }]);
    assert.deepEqual(await coll.find({ s: new RegExp(EVIL) }, { projection: { _id: 1 } }).toArray(), [{ _id: 2 }]);
    assert.deepEqual(await coll.find({ s: { $in: [/^(a|aa)+$/, 'x'] } }, { projection: { _id: 1 } }).toArray(), [{ _id: 2 }, { _id: 3 }]);
    assert.equal(await coll.countDocuments({ s: { $not: { $regex: EVIL } } }), 2);
  });

  test('the $regex operators over a long string complete, with their usual results', async () => {
    const [doc] = await coll
      .aggregate([
        { $match: { _id: 1 } },
        {
          $project: {
            _id: 0,
            match: { $regexMatch: { input: '$s', regex: EVIL } },
            find: { $regexFind: { input: '$s', regex: '(a+)+b' } },
            all: { $regexFindAll: { input: 'a😀b a', regex: '(a)|(b)' } },
          },
        },
      ])
      .toArray();
    assert.deepEqual(doc, {
      match: false,
      find: { match: LONG, idx: 0, captures: ['a'.repeat(5000)] },
      all: [
        { match: 'a', idx: 0, captures: ['a', null] },
        { match: 'b', idx: 2, captures: [null, 'b'] },
        { match: 'a', idx: 4, captures: ['a', null] },
      ],
    });
  });

  test('$pull with such a regex completes', async () => {
    const tags = client.db('regex').collection<{ _id: number; tags: string[] }>('tags');
    await tags.insertOne({ _id: 1, tags: [LONG, 'aaa', 'b'] });
    await tags.updateOne({ _id: 1 }, { $pull: { tags: new RegExp(EVIL) } });
    assert.deepEqual(await tags.findOne({ _id: 1 }), { _id: 1, tags: [LONG, 'b'] });
  });

  test('a change stream whose $match has such a regex still delivers events', async () => {
    const events = client.db('regex').collection<{ _id: number; s: string }>('events');
    const filtered = await started(events.watch([{ $match: { 'fullDocument.s': { $regex: EVIL } } }]));
    const all = await started(events.watch());
    try {
      await events.insertOne({ _id: 1, s: LONG });
      await events.insertOne({ _id: 2, s: 'aaa' });
      assert.deepEqual((await filtered.next()).fullDocument, { _id: 2, s: 'aaa' });
      assert.deepEqual((await all.next()).fullDocument, { _id: 1, s: LONG });
      assert.deepEqual((await all.next()).fullDocument, { _id: 2, s: 'aaa' });
    } finally {
      await filtered.close();
      await all.close();
    }
  });

  test('a construct that needs backtracking is refused with the code of an invalid regex', async () => {
    const linear = /is not supported: eddydb matches regular expressions in linear time$/;
    await rejectsWith(coll.find({ s: { $regex: '(a)\\1' } }).toArray(), 51091, { codeName: 'Location51091', message: linear });
    await rejectsWith(coll.find({ s: /a(?=b)/ }).toArray(), 51091, { message: /^Regular expression is invalid: a lookahead assertion/ });
    await rejectsWith(
      coll.aggregate([{ $project: { m: { $regexMatch: { input: '$s', regex: 'a++' } } } }]).toArray(),
      51111,
      { message: /^Invalid Regex in \$regexMatch: a possessive quantifier .*linear time$/ },
    );
    await rejectsWith(coll.watch([{ $match: { 'fullDocument.s': /(?<=a)b/ } }]).next(), 51091, { message: linear });
    await rejectsWith(coll.find({ s: { $regex: 'a', $options: 'g' } }).toArray(), 51108, { message: ' invalid flag in regex options: g' });
  });
});
