/**
 * MongoDB's change-stream, transaction and CRUD spec suites, run a second time against a server whose data lives in
 * PostgreSQL (the postgres storage engine): each suite file runs in a child `node --test` with
 * EDDYDB_SPEC_ENGINE=postgres (unified_runner.ts then starts its server on a throwaway database), with the same
 * skip lists as on the default engine. Without the spec files or PostgreSQL this is one skipped test per missing
 * dependency (failing ones under EDDYDB_REQUIRE_ALL=1).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { requireOptional } from '../helpers/optional.js';
import { POSTGRES_HOW_TO_GET, postgresMissing } from '../helpers/postgres.js';
import { SPEC_FILES_HOW_TO_GET, specFilesMissing } from './spec_files.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const SUITES = ['change_streams.spec.test.js', 'transactions.spec.test.js', 'crud.spec.test.js'];
/** A suite file's whole run, bounded so that a hang fails the test instead of the run. */
const SUITE_TIMEOUT_MS = 10 * 60_000;

describe('spec suites on the PostgreSQL engine', () => {
  if (!requireOptional('spec suites on the PostgreSQL engine (spec files)', specFilesMissing(), SPEC_FILES_HOW_TO_GET)) return;
  if (!requireOptional('spec suites on the PostgreSQL engine (PostgreSQL)', postgresMissing(), POSTGRES_HOW_TO_GET)) return;
  for (const suite of SUITES) {
    test(`${suite} passes with the server on PostgreSQL`, { timeout: SUITE_TIMEOUT_MS + 30_000 }, () => {
      const result = spawnSync(process.execPath, ['--test', '--test-reporter=dot', join(HERE, suite)], {
        encoding: 'utf8',
        env: { ...process.env, EDDYDB_SPEC_ENGINE: 'postgres' },
        timeout: SUITE_TIMEOUT_MS,
        maxBuffer: 64 * 1024 * 1024,
      });
      const out = `${result.stdout}\n${result.stderr}`;
      // The dot reporter prints only failures in full: that is the part worth showing when this fails.
      assert.equal(result.status, 0, `${suite} on PostgreSQL failed (status ${result.status}, signal ${result.signal}):\n${out.slice(-20_000)}`);
    });
  }
});
