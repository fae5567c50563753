import { describe, test } from 'node:test';
import { Double, Int32 } from '../../../../src/bson/index.js';
import { compilePipeline } from '../../../../src/query/pipeline/index.js';
import { assertBson, assertCode } from '../expressions/helpers.js';

type Doc = Record<string, unknown>;
const run = (stages: unknown[], docs: Doc[]): Doc[] => compilePipeline(stages).run(docs);
const d = (n: number): Double => new Double(n);

// The manual's fixture for $topN and its kin: PlayerD has no score and PlayerE a null one.
const players: Doc[] = [
  { playerId: 'PlayerA', gameId: 'G1', score: 1 },
  { playerId: 'PlayerB', gameId: 'G1', score: 2 },
  { playerId: 'PlayerC', gameId: 'G1', score: 3 },
  { playerId: 'PlayerD', gameId: 'G1' },
  { playerId: 'PlayerE', gameId: 'G1', score: null },
];

const scores: Doc[] = [
  { playerId: 'PlayerA', gameId: 'G1', score: 31 },
  { playerId: 'PlayerB', gameId: 'G1', score: 33 },
  { playerId: 'PlayerC', gameId: 'G1', score: 99 },
  { playerId: 'PlayerD', gameId: 'G1', score: 1 },
  { playerId: 'PlayerA', gameId: 'G2', score: 10 },
  { playerId: 'PlayerB', gameId: 'G2', score: 14 },
  { playerId: 'PlayerC', gameId: 'G2', score: 66 },
  { playerId: 'PlayerD', gameId: 'G2', score: 80 },
];

const group = (acc: Doc, docs = players): unknown => run([{ $group: { _id: '$gameId', r: acc } }, { $sort: { _id: 1 } }], docs).map((g) => g.r);

describe('$topN, $bottomN, $top, $bottom', () => {
  test('missing and null tie in the sort, the first seen kept first', () => {
    assertBson(group({ $topN: { output: ['$playerId', '$score'], sortBy: { score: 1 }, n: 3 } }),
      [[['PlayerD', null], ['PlayerE', null], ['PlayerA', 1]]]);
    assertBson(group({ $bottomN: { output: ['$playerId', '$score'], sortBy: { score: 1 }, n: 3 } }),
      [[['PlayerA', 1], ['PlayerB', 2], ['PlayerC', 3]]]);
    assertBson(group({ $bottomN: { output: '$playerId', sortBy: { score: -1 }, n: 3 } }), [['PlayerA', 'PlayerD', 'PlayerE']]);
  });
  test('$top and $bottom give one output, several sort fields', () => {
    assertBson(group({ $top: { output: ['$playerId', '$score'], sortBy: { score: -1 } } }, scores), [['PlayerC', 99], ['PlayerD', 80]]);
    assertBson(group({ $bottom: { output: ['$playerId', '$score'], sortBy: { score: -1 } } }, scores), [['PlayerD', 1], ['PlayerA', 10]]);
    assertBson(group({ $top: { output: '$playerId', sortBy: { gameId: 1, score: 1 } } }, scores), ['PlayerD', 'PlayerA']);
  });
  test('n may depend on the group key', () => {
    const out = run([
      { $group: { _id: { gameId: '$gameId' }, s: { $topN: { output: '$score', n: { $cond: { if: { $eq: ['$_id.gameId', 'G2'] }, then: 1, else: 3 } }, sortBy: { score: -1 } } } } },
      { $sort: { '_id.gameId': 1 } },
    ], scores);
    assertBson(out, [{ _id: { gameId: 'G1' }, s: [99, 33, 31] }, { _id: { gameId: 'G2' }, s: [80] }]);
  });
  test('an array field sorts by its smallest element ascending, its largest descending', () => {
    const docs = [{ k: 1, a: [5, 1] }, { k: 2, a: 3 }, { k: 3, a: [] }];
    assertBson(run([{ $group: { _id: null, asc: { $topN: { n: 3, output: '$k', sortBy: { a: 1 } } }, desc: { $topN: { n: 3, output: '$k', sortBy: { a: -1 } } } } }], docs),
      [{ _id: null, asc: [3, 1, 2], desc: [1, 2, 3] }]);
  });
  test('parse errors', () => {
    const fails = (acc: Doc, code: number, message: string): void => assertCode(() => compilePipeline([{ $group: { _id: null, r: acc } }]), code, message);
    fails({ $topN: 1 }, 5788001, 'specification must be an object; found $topN: 1');
    fails({ $topN: { n: 1, output: '$a' } }, 5788005, "Missing value for 'sortBy'");
    fails({ $topN: { sortBy: { a: 1 }, output: '$a' } }, 5788003, "Missing value for 'n'");
    fails({ $bottomN: { n: 1, sortBy: { a: 1 } } }, 5788004, "Missing value for 'output'");
    fails({ $top: { n: 1, sortBy: { a: 1 }, output: '$a' } }, 5788002, "Unknown argument to $top 'n'");
    fails({ $topN: { n: 1, sortBy: { a: 2 }, output: '$a' } }, 15975, '$sort key ordering must be 1 (for ascending) or -1 (for descending)');
    fails({ $topN: { n: 1, sortBy: 1, output: '$a' } }, 10065, 'invalid parameter: expected an object (sortBy)');
  });
  test('n must be a positive integral number', () => {
    const fails = (n: unknown, code: number, message: string): void =>
      assertCode(() => run([{ $group: { _id: null, r: { $topN: { n, sortBy: { a: 1 }, output: '$a' } } } }], [{ a: 1 }]), code, message);
    fails('x', 5787902, 'Value for \'n\' must be of integral type, but found "x"');
    fails(2.5, 5787903, "Value for 'n' must be of integral type, but found 2.5");
    fails(0, 5787908, "'n' must be greater than 0, found 0");
    fails('$missing', 5787902, "Value for 'n' must be of integral type, but found MISSING");
  });
});

describe('$firstN, $lastN, $minN, $maxN', () => {
  test('the manual\'s null and missing rules', () => {
    assertBson(group({ $maxN: { input: '$score', n: 4 } }), [[3, 2, 1]]);
    assertBson(group({ $minN: { input: '$score', n: 4 } }), [[1, 2, 3]]);
    assertBson(group({ $firstN: { input: '$score', n: 4 } }), [[1, 2, 3, null]]);
    assertBson(group({ $lastN: { input: '$score', n: 3 } }), [[3, null, null]]);
    assertBson(group({ $lastN: { input: '$score', n: new Int32(10) } }), [[1, 2, 3, null, null]]);
  });
  test('parse errors', () => {
    const fails = (acc: Doc, code: number, message: string): void => assertCode(() => compilePipeline([{ $group: { _id: null, r: acc } }]), code, message);
    fails({ $minN: [1] }, 5787900, 'specification must be an object; found $minN: [ 1 ]');
    fails({ $firstN: 'x' }, 5787801, 'specification must be an object; found $firstN: "x"');
    fails({ $maxN: { input: '$a' } }, 5787906, "Missing value for 'n'");
    fails({ $lastN: { n: 1 } }, 5787907, "Missing value for 'input'");
    fails({ $lastN: { n: 1, input: 1, x: 1 } }, 5787901, "Unknown argument for 'n' operator: x");
  });
  test('as array expressions', () => {
    const out = run([{ $project: {
      _id: 0, f: { $firstN: { n: 2, input: '$a' } }, l: { $lastN: { n: 2, input: '$a' } },
      mn: { $minN: { n: 2, input: '$a' } }, mx: { $maxN: { n: 2, input: '$a' } },
    } }], [{ a: [3, null, 1, 2] }]);
    assertBson(out, [{ f: [3, null], l: [1, 2], mn: [1, 2], mx: [3, 2] }]);
    assertCode(() => run([{ $project: { f: { $firstN: { n: 2, input: 1 } } } }], [{}]), 5788200, 'Input must be an array');
  });
});

describe('$percentile and $median', () => {
  const tests = [
    { studentId: 2345, test01: 62, test02: 81, test03: 80 },
    { studentId: 2356, test01: 60, test02: 83, test03: 79 },
    { studentId: 2358, test01: 67, test02: 82, test03: 78 },
    { studentId: 2367, test01: 64, test02: 72, test03: 77 },
    { studentId: 2369, test01: 60, test02: 53, test03: 72 },
  ];
  test('the manual\'s examples: doubles, one per p', () => {
    assertBson(run([{ $group: { _id: null, p: { $percentile: { input: '$test01', p: [0.5, 0.75, 0.9, 0.95], method: 'approximate' } } } }], tests),
      [{ _id: null, p: [d(62), d(64), d(67), d(67)] }]);
    assertBson(run([{ $group: { _id: null, m: { $median: { input: '$test01', method: 'approximate' } } } }], tests), [{ _id: null, m: d(62) }]);
    assertBson(run([{ $project: { _id: 0, m: { $median: { input: ['$test01', '$test02', '$test03'], method: 'approximate' } } } }], tests.slice(0, 1)),
      [{ m: d(80) }]);
  });
  test('no numeric input is null', () => {
    assertBson(run([{ $group: { _id: null, p: { $percentile: { input: '$x', p: [0.5, 1], method: 'approximate' } }, m: { $median: { input: '$x', method: 'approximate' } } } }], tests),
      [{ _id: null, p: [null, null], m: null }]);
  });
  test('parse errors', () => {
    const fails = (acc: Doc, code: number, message: string): void => assertCode(() => compilePipeline([{ $group: { _id: null, r: acc } }]), code, message);
    fails({ $percentile: 1 }, 7429703, 'specification must be an object; found $percentile: 1');
    fails({ $median: 1 }, 7436100, 'specification must be an object; found $median: 1');
    fails({ $percentile: { input: '$a', p: [0.5] } }, 40414, "BSON field '$percentile.method' is missing but a required field");
    fails({ $median: { input: '$a', p: [0.5], method: 'approximate' } }, 40415, "BSON field '$median.p' is an unknown field.");
    fails({ $median: { input: '$a', method: 'discrete' } }, 2, "Currently only 'approximate' can be used as percentile 'method'.");
    fails({ $median: { input: '$a', method: 1 } }, 14, "BSON field '$median.method' is the wrong type 'int', expected type 'string'");
    fails({ $percentile: { input: '$a', p: [], method: 'approximate' } }, 7750301, "The $percentile 'p' field must be an array of numbers from [0.0, 1.0], but found: []");
    fails({ $percentile: { input: '$a', p: ['x'], method: 'approximate' } }, 7750302, 'The $percentile \'p\' field must be an array of numbers from [0.0, 1.0], but found: "x"');
    fails({ $percentile: { input: '$a', p: [1.5], method: 'approximate' } }, 7750303, "The $percentile 'p' field must be an array of numbers from [0.0, 1.0], but found: 1.5");
    fails({ $percentile: { input: '$a', p: '$p', method: 'approximate' } }, 7750300, 'The $percentile \'p\' field must be an array of constant values, but found value: "$p".');
  });
});

describe('as window functions', () => {
  test('over the whole partition and a sliding window', () => {
    const docs = [1, 5, 3, 4, 2].map((v, k) => ({ _id: k, v }));
    const out = run([{ $setWindowFields: { sortBy: { _id: 1 }, output: {
      top: { $topN: { n: 2, sortBy: { v: -1 }, output: '$v' } },
      min2: { $minN: { n: 2, input: '$v' }, window: { documents: [-1, 1] } },
      last: { $lastN: { n: 2, input: '$v' }, window: { documents: ['unbounded', 'current'] } },
      bottom: { $bottom: { sortBy: { v: -1 }, output: '$_id' }, window: { documents: [0, 1] } },
      med: { $median: { input: '$v', method: 'approximate' }, window: { documents: [-1, 1] } },
    } } }], docs);
    assertBson(out.map((o) => [o.top, o.min2, o.last, o.bottom, o.med]), [
      [[5, 4], [1, 5], [1], 0, d(1)],
      [[5, 4], [1, 3], [1, 5], 2, d(3)],
      [[5, 4], [3, 4], [5, 3], 2, d(4)],
      [[5, 4], [2, 3], [3, 4], 4, d(3)],
      [[5, 4], [2, 4], [4, 2], 4, d(2)],
    ]);
  });
  test('a sliding window gives what $group gives over the same documents', () => {
    // Ties, nulls and missing values, so removal must take the oldest of equal values.
    const docs = Array.from({ length: 30 }, (_, k) => (k % 7 === 3 ? { _id: k } : { _id: k, v: k % 5 === 0 ? null : (k * 7) % 4 }));
    const fns: Record<string, Doc> = {
      topN: { $topN: { n: 3, sortBy: { v: 1 }, output: '$_id' } },
      // Not $bottomN on ties: mongod's sliding window keeps the last of equal keys there, $group the first.
      bottomN: { $bottomN: { n: 2, sortBy: { v: -1, _id: 1 }, output: ['$_id', '$v'] } },
      top: { $top: { sortBy: { v: -1 }, output: '$_id' } },
      minN: { $minN: { n: 2, input: '$v' } },
      maxN: { $maxN: { n: 3, input: '$v' } },
      firstN: { $firstN: { n: 2, input: '$v' } },
      lastN: { $lastN: { n: 3, input: '$v' } },
      p: { $percentile: { input: '$v', p: [0.1, 0.5, 1], method: 'approximate' } },
    };
    for (const [lower, upper] of [[-3, 1], [-1, 4], [2, 5], [-6, -2]]) {
      const output = Object.fromEntries(Object.entries(fns).map(([k, f]) => [k, { ...f, window: { documents: [lower, upper] } }]));
      const windowed = run([{ $setWindowFields: { sortBy: { _id: 1 }, output } }], docs);
      windowed.forEach((doc, k) => {
        const slice = docs.slice(Math.max(0, k + lower!), Math.max(0, k + upper! + 1));
        if (slice.length === 0) return;
        const [grouped] = run([{ $group: { _id: null, ...fns } }], slice);
        for (const name of Object.keys(fns)) assertBson(doc[name], grouped![name], `window [${lower}, ${upper}] at ${k}: ${name}`);
      });
    }
  });
  test('n is checked when the stage runs, against no document', () => {
    assertBson(run([{ $setWindowFields: { output: { a: { $firstN: { n: 0, input: '$a' } } } } }], []), []);
    assertCode(() => run([{ $setWindowFields: { output: { a: { $firstN: { n: 0, input: '$a' } } } } }], [{ a: 1 }]), 5787908, "'n' must be greater than 0, found 0");
    assertCode(() => run([{ $setWindowFields: { output: { a: { $maxN: { n: '$a', input: '$a' } } } } }], [{ a: 1 }]), 5787902,
      "Value for 'n' must be of integral type, but found MISSING");
  });
  test('parse errors of the window form', () => {
    const fails = (out: Doc, message: string): void => assertCode(() => compilePipeline([{ $setWindowFields: { sortBy: { a: 1 }, output: { a: out } } }]), 9, message);
    fails({ $topN: { n: 1, sortBy: { a: 1 }, output: '$a' }, foo: 1 }, '$topN got unexpected argument: foo');
    fails({ $median: { input: '$a', method: 'approximate' }, $sum: 1 }, '$median got unexpected argument: $sum');
  });
});

describe('memory limits', () => {
  // One 1 MiB string referenced by every document: the accumulators count it once per value they hold.
  const big = 'x'.repeat(1024 * 1024);
  const docs = Array.from({ length: 101 }, (_, k) => ({ k, s: big }));
  const limit = 100 * 1024 * 1024;
  const tooMuch = (op: string): string =>
    `${op} used too much memory and spilling to disk cannot reduce memory consumption any further. Memory limit: ${limit} bytes`;
  test('internalQueryTopNAccumulatorBytes bounds each N accumulator', () => {
    for (const [op, acc] of [
      ['$firstN', { $firstN: { n: 200, input: '$s' } }],
      ['$lastN', { $lastN: { n: 200, input: '$s' } }],
      ['$maxN', { $maxN: { n: 200, input: '$s' } }],
      ['$topN', { $topN: { n: 200, output: '$s', sortBy: { k: 1 } } }],
    ] as const) {
      assertCode(() => run([{ $group: { _id: null, r: acc } }], docs), 146, tooMuch(op));
    }
  });
  test('an n that keeps fewer values stays under the limit', () => {
    assertBson(run([{ $group: { _id: null, r: { $lastN: { n: 2, input: '$k' } }, s: { $bottom: { output: '$k', sortBy: { k: 1 } } } } }], docs),
      [{ _id: null, r: [99, 100], s: 100 }]);
  });
});
