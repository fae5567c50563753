#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with node's test runner. `npm test` builds first.
// Usage: node scripts/run-tests.mjs [substring filter ...]
//
// Suites that need something optional (MongoDB's spec files, pymongo, openssl, PostgreSQL) skip when it is missing,
// or fail under EDDYDB_REQUIRE_ALL=1 (test/helpers/optional.ts). They note that in $EDDYDB_SKIP_LOG, and the run ends
// with the list, so a green run says what it did not cover.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = collect('dist/test', []).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (files.length === 0) {
  console.error('no test files found under dist/test');
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'eddydb-tests-'));
const skipLog = join(work, 'optional.jsonl');
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
  env: { ...process.env, EDDYDB_SKIP_LOG: skipLog },
});
let entries = [];
try {
  entries = readFileSync(skipLog, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
} catch {
  // no file: no suite had anything missing
}
rmSync(work, { recursive: true, force: true });

const line = (e) => `  ${e.file}: ${e.suite}: ${e.message}`;
// Files run concurrently and log in the order they finish; the list is sorted so that it reads the same every run.
entries.sort((a, b) => (a.file === b.file ? (a.suite < b.suite ? -1 : 1) : a.file < b.file ? -1 : 1));
const skipped = entries.filter((e) => e.kind === 'skip');
const failed = entries.filter((e) => e.kind === 'fail');
console.log('');
if (skipped.length > 0) console.log([`Skipped (optional dependency missing): ${skipped.length}`, ...skipped.map(line)].join('\n'));
if (failed.length > 0) console.log([`Failed (optional dependency missing, EDDYDB_REQUIRE_ALL=1): ${failed.length}`, ...failed.map(line)].join('\n'));
if (entries.length === 0) console.log('Skipped (optional dependency missing): none');
process.exit(result.status ?? 1);
