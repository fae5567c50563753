/**
 * `node dist/bench/window_functions.js`: how $setWindowFields' cost grows with the window. Runs window functions
 * over 100,000 documents in one partition with sliding windows of 10, 1,000 and 100,000 documents: the removable
 * functions ($sum, $avg, $count, $min, $stdDevPop) should take about the same time for every width, and the
 * ones whose result is as large as the window ($push) grow with it. Prints a table; not part of `npm run bench`.
 */
import { compilePipeline } from '../src/query/pipeline/index.js';

const N = 100_000;
const ROUNDS = 3;

const docs = Array.from({ length: N }, (_, i) => ({ _id: i, t: i, v: (i * 7919) % 1000 }));

function median(stage: unknown): number {
  const runs: number[] = [];
  const pipeline = compilePipeline([stage]);
  for (let r = 0; r < ROUNDS; r++) {
    const start = performance.now();
    pipeline.run(docs);
    runs.push(performance.now() - start);
  }
  runs.sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)]!;
}

const functions: [string, unknown][] = [
  ['$sum', { $sum: '$v' }],
  ['$avg', { $avg: '$v' }],
  ['$count', { $count: {} }],
  ['$min', { $min: '$v' }],
  ['$stdDevPop', { $stdDevPop: '$v' }],
  ['$sum (range)', { $sum: '$v' }],
];
const widths = [10, 1_000, 100_000];

console.log(`$setWindowFields over ${N.toLocaleString('en-US')} documents, median of ${ROUNDS} runs (ms)`);
console.log(['function', ...widths.map((w) => `window ${w.toLocaleString('en-US')}`)].map((c) => c.padStart(16)).join(''));
for (const [name, fn] of functions) {
  const cells = widths.map((w) => {
    const window = name.includes('range') ? { range: [-w, 0] } : { documents: [-w, 0] };
    const ms = median({ $setWindowFields: { sortBy: { t: 1 }, output: { out: { ...(fn as object), window } } } });
    return ms.toFixed(0);
  });
  console.log([name, ...cells].map((c) => c.padStart(16)).join(''));
}
const push = [10, 100, 1_000].map((w) => median({ $setWindowFields: { sortBy: { t: 1 }, output: { out: { $push: '$v', window: { documents: [-w, 0] } } } } }).toFixed(0));
console.log(['$push (10/100/1000)', ...push].map((c) => c.padStart(16)).join(''));
