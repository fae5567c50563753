// The N accumulators ($topN, $firstN, $minN, ...) and $percentile/$median through the embedded client on every
// storage mode, with the MongoDB manual's examples as fixtures.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Client, Db, Document } from '../../../src/index.js';
import { modes, openClient } from '../../helpers/embedded.js';
import { rejectsWith } from '../../helpers/assertions.js';

const gamescores: Document[] = [
  { playerId: 'PlayerA', gameId: 'G1', score: 31 },
  { playerId: 'PlayerB', gameId: 'G1', score: 33 },
  { playerId: 'PlayerC', gameId: 'G1', score: 99 },
  { playerId: 'PlayerD', gameId: 'G1', score: 1 },
  { playerId: 'PlayerA', gameId: 'G2', score: 10 },
  { playerId: 'PlayerB', gameId: 'G2', score: 14 },
  { playerId: 'PlayerC', gameId: 'G2', score: 66 },
  { playerId: 'PlayerD', gameId: 'G2', score: 80 },
];

const testScores: Document[] = [
  { studentId: 2345, test01: 62, test02: 81, test03: 80 },
  { studentId: 2356, test01: 60, test02: 83, test03: 79 },
  { studentId: 2358, test01: 67, test02: 82, test03: 78 },
  { studentId: 2367, test01: 64, test02: 72, test03: 77 },
  { studentId: 2369, test01: 60, test02: 53, test03: 72 },
];

for (const mode of modes()) {
  describe(`N accumulators and percentiles (${mode})`, () => {
    let client: Client;
    let cleanup: () => Promise<void>;
    let db: Db;

    before(async () => {
      ({ client, cleanup } = await openClient(mode));
      db = client.db('accumulators');
      await db.collection('gamescores').insertMany(gamescores.map((g, i) => ({ _id: i, ...g })));
      await db.collection('testScores').insertMany(testScores.map((t) => ({ _id: t.studentId, ...t })));
    });
    after(async () => {
      await cleanup();
    });

    it('$topN and $bottom per game, with n from the group key', async () => {
      const games = db.collection('gamescores');
      const top = await games.aggregate([
        { $group: { _id: '$gameId', playerId: { $topN: { output: ['$playerId', '$score'], sortBy: { score: -1 }, n: 3 } } } },
        { $sort: { _id: 1 } },
      ]).toArray();
      assert.deepStrictEqual(top, [
        { _id: 'G1', playerId: [['PlayerC', 99], ['PlayerB', 33], ['PlayerA', 31]] },
        { _id: 'G2', playerId: [['PlayerD', 80], ['PlayerC', 66], ['PlayerB', 14]] },
      ]);
      const bottom = await games.aggregate([
        { $group: { _id: '$gameId', playerId: { $bottom: { output: ['$playerId', '$score'], sortBy: { score: -1 } } } } },
        { $sort: { _id: 1 } },
      ]).toArray();
      assert.deepStrictEqual(bottom, [{ _id: 'G1', playerId: ['PlayerD', 1] }, { _id: 'G2', playerId: ['PlayerA', 10] }]);
      const byKey = await games.aggregate([
        { $group: { _id: { gameId: '$gameId' }, gamescores: { $firstN: { input: '$score', n: { $cond: { if: { $eq: ['$_id.gameId', 'G2'] }, then: 1, else: 3 } } } } } },
        { $sort: { '_id.gameId': 1 } },
      ]).toArray();
      assert.deepStrictEqual(byKey, [{ _id: { gameId: 'G1' }, gamescores: [31, 33, 99] }, { _id: { gameId: 'G2' }, gamescores: [10] }]);
    });

    it('$minN, $maxN and $lastN, also in $bucket and as expressions', async () => {
      const games = db.collection('gamescores');
      const out = await games.aggregate([
        { $group: { _id: '$gameId', min: { $minN: { input: '$score', n: 2 } }, max: { $maxN: { input: '$score', n: 2 } }, last: { $lastN: { input: '$playerId', n: 1 } } } },
        { $sort: { _id: 1 } },
      ]).toArray();
      assert.deepStrictEqual(out, [
        { _id: 'G1', min: [1, 31], max: [99, 33], last: ['PlayerD'] },
        { _id: 'G2', min: [10, 14], max: [80, 66], last: ['PlayerD'] },
      ]);
      const buckets = await games.aggregate([
        { $bucket: { groupBy: '$score', boundaries: [0, 50, 100], output: { best: { $top: { output: '$playerId', sortBy: { score: -1 } } } } } },
      ]).toArray();
      assert.deepStrictEqual(buckets, [{ _id: 0, best: 'PlayerB' }, { _id: 50, best: 'PlayerC' }]);
      const expr = await db.collection('testScores').aggregate([
        { $match: { _id: 2345 } },
        { $project: { _id: 0, top2: { $maxN: { n: 2, input: ['$test01', '$test02', '$test03'] } }, first: { $firstN: { n: 1, input: ['$test01', '$test02'] } } } },
      ]).toArray();
      assert.deepStrictEqual(expr, [{ top2: [81, 80], first: [62] }]);
    });

    it('$percentile and $median: the manual\'s examples', async () => {
      const scores = db.collection('testScores');
      const out = await scores.aggregate([
        { $group: { _id: null, test01_percentiles: { $percentile: { input: '$test01', p: [0.5, 0.75, 0.9, 0.95], method: 'approximate' } }, test01_median: { $median: { input: '$test01', method: 'approximate' } } } },
      ]).toArray();
      assert.deepStrictEqual(out, [{ _id: null, test01_percentiles: [62, 64, 67, 67], test01_median: 62 }]);
      const perStudent = await scores.aggregate([
        { $sort: { _id: 1 } },
        { $project: { _id: 0, studentId: 1, testMedians: { $median: { input: ['$test01', '$test02', '$test03'], method: 'approximate' } } } },
      ]).toArray();
      assert.deepStrictEqual(perStudent, [
        { studentId: 2345, testMedians: 80 },
        { studentId: 2356, testMedians: 79 },
        { studentId: 2358, testMedians: 78 },
        { studentId: 2367, testMedians: 72 },
        { studentId: 2369, testMedians: 60 },
      ]);
      await rejectsWith(() => scores.aggregate([{ $group: { _id: null, m: { $median: { input: '$test01', method: 'continuous' } } } }]).toArray(), 2);
    });

    it('as window functions', async () => {
      const out = await db.collection('testScores').aggregate([
        { $setWindowFields: { sortBy: { test01: 1 }, output: {
          test01_median: { $median: { input: '$test01', method: 'approximate' }, window: { range: [-3, 3] } },
          best: { $topN: { n: 2, sortBy: { test02: -1 }, output: '$studentId' } },
        } } },
        { $project: { _id: 0, studentId: 1, test01_median: 1, best: 1 } },
        { $sort: { studentId: 1 } },
      ]).toArray();
      assert.deepStrictEqual(out, [
        { studentId: 2345, test01_median: 60, best: [2356, 2358] },
        { studentId: 2356, test01_median: 60, best: [2356, 2358] },
        { studentId: 2358, test01_median: 64, best: [2356, 2358] },
        { studentId: 2367, test01_median: 64, best: [2356, 2358] },
        { studentId: 2369, test01_median: 60, best: [2356, 2358] },
      ]);
      await rejectsWith(() => db.collection('testScores').aggregate([
        { $setWindowFields: { output: { a: { $topN: { n: 1, output: '$a' } } } } },
      ]).toArray(), 5788005);
    });
  });
}
