/**
 * Suites that need an optional dependency, run the way `npm test` runs them but with the dependency missing on
 * purpose: they must skip with one line saying what is missing and how to get it, scripts/run-tests.mjs must list
 * them at the end, and EDDYDB_REQUIRE_ALL=1 must turn each skip into a failure with the same line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { childEnv } from '../../helpers/child_env.js';
import { removeDir, tempDir } from '../../helpers/embedded.js';
import { decideOptional } from '../../helpers/optional.js';

const REPO = process.cwd();
const NO_PYTHON = '/nonexistent/python3';
const SPEC_LINE = 'MongoDB spec files not found (EDDYDB_SPEC_DIR, ../shared/spec, spec/); run `npm run spec:fetch`';
const PYMONGO_LINE = `${NO_PYTHON} cannot import pymongo (spawnSync ${NO_PYTHON} ENOENT); apt-get install -y python3-pymongo`;

function run(args: string[], cwd: string, env: Record<string, string>): { status: number | null; out: string } {
  const child = spawnSync(process.execPath, args, { cwd, env: childEnv(env), encoding: 'utf8', timeout: 120_000 });
  return { status: child.status, out: `${child.stdout}${child.stderr}` };
}

describe('the skip-or-fail decision', () => {
  test('nothing missing: run, whatever EDDYDB_REQUIRE_ALL says', () => {
    assert.deepEqual(decideOptional(undefined, 'how', {}), { kind: 'run' });
    assert.deepEqual(decideOptional(undefined, 'how', { EDDYDB_REQUIRE_ALL: '1' }), { kind: 'run' });
  });
  test('missing: skip with the line, or fail with it under EDDYDB_REQUIRE_ALL=1', () => {
    assert.deepEqual(decideOptional('x is missing', 'get x', {}), { kind: 'skip', message: 'skipped: x is missing; get x' });
    assert.deepEqual(decideOptional('x is missing', 'get x', { EDDYDB_REQUIRE_ALL: '1' }), { kind: 'fail', message: 'required (EDDYDB_REQUIRE_ALL=1): x is missing; get x' });
    assert.equal(decideOptional('x is missing', 'get x', { EDDYDB_REQUIRE_ALL: '0' }).kind, 'skip');
  });
});

describe('spec suites without spec files', () => {
  let scratch: string;
  let root: string;
  before(() => {
    // A working directory with no spec files in or next to it: what a fresh clone sees.
    scratch = tempDir('eddydb-no-spec-');
    root = join(scratch, 'eddydb');
    mkdirSync(root);
  });
  after(() => removeDir(scratch));

  for (const file of ['crud.spec.test.js', 'change_streams.spec.test.js']) {
    test(`${file} is one skipped test saying so`, () => {
      const { status, out } = run(['--test', '--test-reporter=tap', join(REPO, 'dist/test/spec', file)], root, {});
      assert.equal(status, 0, out);
      assert.ok(out.includes(`# SKIP skipped: ${SPEC_LINE}`), out);
      assert.match(out, /^# tests 1$/m, out);
    });
  }

  test('under EDDYDB_REQUIRE_ALL=1 the suite fails with the same line', () => {
    const { status, out } = run(['--test', '--test-reporter=tap', join(REPO, 'dist/test/spec/crud.spec.test.js')], root, { EDDYDB_REQUIRE_ALL: '1' });
    assert.notEqual(status, 0);
    assert.ok(out.includes(`required (EDDYDB_REQUIRE_ALL=1): ${SPEC_LINE}`), out);
    assert.match(out, /^# fail 1$/m, out);
  });
});

describe('pymongo suites without pymongo, through scripts/run-tests.mjs', () => {
  const selection = ['scripts/run-tests.mjs', 'integration/pymongo/pymongo.test', 'integration/readme/readme_examples.test'];

  test('both skip, the run passes, and it ends with the list of what was skipped and why', () => {
    const { status, out } = run(selection, REPO, { EDDYDB_PYTHON: NO_PYTHON });
    assert.equal(status, 0, out);
    const summary = out.slice(out.lastIndexOf('Skipped (optional dependency missing)'));
    assert.equal(
      summary.trim(),
      [
        'Skipped (optional dependency missing): 2',
        `  dist/test/integration/pymongo/pymongo.test.js: pymongo 3.11 against eddydb serve: skipped: ${PYMONGO_LINE}`,
        `  dist/test/integration/readme/readme_examples.test.js: runs the pymongo example: skipped: ${PYMONGO_LINE}`,
      ].join('\n'),
    );
  });

  test('under EDDYDB_REQUIRE_ALL=1 the run fails, and the list says why', () => {
    const { status, out } = run(selection, REPO, { EDDYDB_PYTHON: NO_PYTHON, EDDYDB_REQUIRE_ALL: '1' });
    assert.notEqual(status, 0);
    assert.ok(out.includes('Failed (optional dependency missing, EDDYDB_REQUIRE_ALL=1): 2'), out);
    assert.ok(out.includes(`pymongo 3.11 against eddydb serve: required (EDDYDB_REQUIRE_ALL=1): ${PYMONGO_LINE}`), out);
  });
});

describe('PostgreSQL suites without PostgreSQL, through scripts/run-tests.mjs', () => {
  const NO_PG = '/nonexistent/postgresql/bin';
  const PG_LINE = `PostgreSQL's server programs (initdb, pg_ctl, postgres, pg_basebackup) not found in ${NO_PG} ($EDDYDB_PG_BIN); apt-get install -y postgresql`;
  const selection = ['scripts/run-tests.mjs', 'integration/scaleout/clock_ordering.test'];

  test('the suite skips, the run passes, and it ends with the line saying what is missing', () => {
    const { status, out } = run(selection, REPO, { EDDYDB_PG_BIN: NO_PG });
    assert.equal(status, 0, out);
    const summary = out.slice(out.lastIndexOf('Skipped (optional dependency missing)'));
    assert.equal(
      summary.trim(),
      [
        'Skipped (optional dependency missing): 1',
        `  dist/test/integration/scaleout/clock_ordering.test.js: the commit-ordered clock on PostgreSQL: skipped: ${PG_LINE}`,
      ].join('\n'),
    );
  });

  test('under EDDYDB_REQUIRE_ALL=1 the run fails, and the list says why', () => {
    const { status, out } = run(selection, REPO, { EDDYDB_PG_BIN: NO_PG, EDDYDB_REQUIRE_ALL: '1' });
    assert.notEqual(status, 0);
    assert.ok(out.includes('Failed (optional dependency missing, EDDYDB_REQUIRE_ALL=1): 1'), out);
    assert.ok(out.includes(`the commit-ordered clock on PostgreSQL: required (EDDYDB_REQUIRE_ALL=1): ${PG_LINE}`), out);
  });
});
