/**
 * `node dist/bench/regex_engines.js`: how fast user regular expressions match, V8's backtracking RegExp against
 * re2js (linear time) and against eddydb's own compiled form (re2js, or V8 for a plain literal, src/query/regex),
 * each testing 100,000 strings. Prints a table; not part of `npm run bench`'s peer comparison.
 */
import { RE2JS } from 're2js';
import { compileRegex } from '../src/query/regex/index.js';
import { MongoServerError } from '../src/errors/index.js';

const N = 100_000;
const ROUNDS = 5;

const inputs: string[] = [];
for (let i = 0; i < N; i++) inputs.push(`user-${i}-${'x'.repeat(i % 40)}@example.com name${i % 977}`);

/** Pattern, options, and the same pattern for re2js and V8 when their syntax differs from PCRE's. */
const patterns: [pattern: string, options: string][] = [
  ['^user-12', ''],
  ['example', ''],
  ['name97$', ''],
  ['NAME97', 'i'],
  ['^user-\\d+-x{3,}@', ''],
  ['(ab|cd|xx)+@', ''],
  ['com\\s+name9[0-9]$', ''],
];

/** Median milliseconds of ROUNDS passes over the inputs, and the number of matches. */
function time(test: (s: string) => boolean): { ms: number; hits: number } {
  const runs: number[] = [];
  let hits = 0;
  for (let r = 0; r < ROUNDS + 1; r++) {
    hits = 0;
    const start = performance.now();
    for (const s of inputs) if (test(s)) hits++;
    if (r > 0) runs.push(performance.now() - start);
  }
  runs.sort((a, b) => a - b);
  return { ms: runs[Math.floor(runs.length / 2)]!, hits };
}

const rows: string[][] = [['pattern', 'V8 RegExp ms', 're2js ms', 'eddydb ms', 'matches']];
for (const [pattern, options] of patterns) {
  const v8 = new RegExp(pattern, `${options}u`);
  const re2 = RE2JS.compile(pattern, options.includes('i') ? RE2JS.CASE_INSENSITIVE : 0);
  const eddy = compileRegex(pattern, options, '', (reason) => new MongoServerError(51091, reason));
  const a = time((s) => v8.test(s));
  const b = time((s) => re2.test(s));
  const c = time((s) => eddy.test(s));
  if (a.hits !== b.hits || a.hits !== c.hits) throw new Error(`engines disagree on /${pattern}/${options}: ${a.hits} ${b.hits} ${c.hits}`);
  rows.push([`/${pattern}/${options}`, a.ms.toFixed(1), b.ms.toFixed(1), c.ms.toFixed(1), String(a.hits)]);
}

const evil = `${'a'.repeat(5000)}b`;
const start = performance.now();
const matched = compileRegex('^(a+)+$', '', '', (reason) => new MongoServerError(51091, reason)).test(evil);
rows.push(['/^(a+)+$/ on 5,000 a + b, once', 'never ends', '', (performance.now() - start).toFixed(1), String(Number(matched))]);

const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
console.log(`\n${N.toLocaleString('en')} strings per pass, median of ${ROUNDS} passes after one warm-up, node ${process.version}`);
