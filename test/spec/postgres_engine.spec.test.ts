/**
 * Every MongoDB spec suite, run a second time against two servers on one PostgreSQL database (the postgres storage
 * engine): each suite file runs in a child `node --test` with EDDYDB_SPEC_ENGINE=postgres (unified_runner.ts then
 * starts two servers on a throwaway database; they answer as routers, so the files' runOnRequirements are evaluated
 * for a sharded cluster and clients use both servers unless a test says `useMultipleMongoses: false`). Without the
 * spec files or PostgreSQL this is one skipped test per missing dependency (failing ones under EDDYDB_REQUIRE_ALL=1).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { requireOptional } from '../helpers/optional.js';
import { POSTGRES_HOW_TO_GET, postgresMissing } from '../helpers/postgres.js';
import { SPEC_FILES_HOW_TO_GET, specFilesMissing } from './spec_files.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const SUITES = [
  'retryable_reads',
  'change_streams',
  'transactions',
  'crud',
  'retryable_writes',
  'transactions_convenient_api',
  'sessions',
  'run_command',
  'causal_consistency',
  'collection_management',
  'index_management',
  'read_write_concern',
].map((name) => `${name}.spec.test.js`);
/** A suite file's whole run, bounded so that a hang fails the test instead of the run. */
const SUITE_TIMEOUT_MS = 10 * 60_000;

/** Runs one suite file in a child `node --test`; resolves with its exit status and output. */
function runSuite(suite: string): Promise<{ status: number | null; signal: string | null; out: string }> {
  return new Promise((resolve) => {
    // Without NODE_TEST_CONTEXT: a child that inherits it takes itself for part of this run and runs nothing.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const child = spawn(process.execPath, ['--test', '--test-reporter=tap', join(HERE, suite)], {
      env: { ...env, EDDYDB_SPEC_ENGINE: 'postgres' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), SUITE_TIMEOUT_MS);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, out });
    });
  });
}

// Two suites at a time: most of a suite's time is the driver waiting (server selection after a state-change error),
// not CPU.
describe('spec suites on the PostgreSQL engine', { concurrency: 2 }, () => {
  if (!requireOptional('spec suites on the PostgreSQL engine (spec files)', specFilesMissing(), SPEC_FILES_HOW_TO_GET)) return;
  if (!requireOptional('spec suites on the PostgreSQL engine (PostgreSQL)', postgresMissing(), POSTGRES_HOW_TO_GET)) return;
  for (const suite of SUITES) {
    test(`${suite} passes with two servers on PostgreSQL`, { timeout: SUITE_TIMEOUT_MS + 30_000 }, async () => {
      const result = await runSuite(suite);
      const failures = result.out.split('\n').filter((line) => /^\s*not ok /.test(line));
      assert.equal(result.status, 0, `${suite} on PostgreSQL failed (status ${result.status}, signal ${result.signal}):\n${failures.join('\n')}\n${result.out.slice(-20_000)}`);
      // A suite that ran nothing would pass too: its summary must count passed tests.
      const passed = Number(/^# pass (\d+)$/m.exec(result.out)?.[1] ?? 0);
      assert.ok(passed > 0, `${suite} on PostgreSQL ran no test:\n${result.out.slice(-5_000)}`);
    });
  }
});
