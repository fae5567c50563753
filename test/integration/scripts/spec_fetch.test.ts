/**
 * scripts/spec-fetch.mjs (`npm run spec:fetch`) against a local git repository laid out like mongodb/specifications
 * (source/<spec>/tests/...), with a few tiny files: the same git commands as against GitHub, no network. The files
 * must land where the spec-file lookup finds them, renamed and grouped the way the runner reads them.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { childEnv } from '../../helpers/child_env.js';
import { removeDir, tempDir } from '../../helpers/embedded.js';
import { findSpecDir } from '../../spec/spec_files.js';

const SCRIPT = join(process.cwd(), 'scripts', 'spec-fetch.mjs');

function git(cwd: string, ...args: string[]): string {
  const identity = ['-c', 'user.name=eddydb test', '-c', 'user.email=test@eddydb.invalid', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main'];
  return execFileSync('git', [...identity, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Writes `files` (path → content) under `dir` and commits them all; returns the commit id. */
function commit(dir: string, files: Record<string, string>, message: string): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

function fetchSpec(env: Record<string, string>): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, [SCRIPT], { env: childEnv(env), encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stderr: run.stderr };
}

const UPSTREAM_FILES = {
  'LICENSE.md': 'the licence of the test data\n',
  'source/change-streams/tests/unified/change-streams.json': '{"file":"cs"}\n',
  'source/change-streams/tests/unified/change-streams.yml': 'file: cs\n',
  'source/client-side-operations-timeout/tests/change-streams.json': '{"file":"csot"}\n',
  'source/client-side-operations-timeout/tests/other.json': '{"file":"csot-other"}\n',
  'source/unified-test-format/tests/valid-pass/poc-change-streams.json': '{"file":"poc"}\n',
  'source/retryable-writes/tests/unified/insertOne.json': '{"file":"retryable-writes"}\n',
  'source/transactions/tests/unified/commit.json': '{"file":"transactions"}\n',
  'source/transactions-convenient-api/tests/unified/commit.json': '{"file":"transactions-convenient-api"}\n',
  'source/crud/tests/unified/insertOne.json': '{"file":"crud","version":1}\n',
  'source/sessions/tests/driver-sessions-server-support.json': '{"file":"sessions"}\n',
  'source/sessions/tests/driver-sessions-server-support.yml': 'file: sessions\n',
  'source/causal-consistency/tests/causal-consistency-write-commands.json': '{"file":"causal-consistency"}\n',
  'source/retryable-reads/tests/unified/find.json': '{"file":"retryable-reads"}\n',
  'source/retryable-reads/tests/legacy/find.json': '{"file":"retryable-reads-legacy"}\n',
  'source/collection-management/tests/clustered-indexes.json': '{"file":"collection-management"}\n',
  'source/index-management/tests/createSearchIndex.json': '{"file":"index-management"}\n',
  'source/run-command/tests/unified/runCommand.json': '{"file":"run-command"}\n',
  'source/read-write-concern/tests/operation/default-write-concern-3.4.json': '{"file":"read-write-concern"}\n',
  'source/read-write-concern/tests/connection-string/write-concern.json': '{"file":"read-write-concern-legacy"}\n',
  'source/server-discovery-and-monitoring/tests/unrelated.json': '{"file":"unrelated"}\n',
};

describe('npm run spec:fetch', () => {
  let scratch: string;
  let upstream: string;
  let pinned: string;
  let newer: string;

  before(() => {
    scratch = tempDir('eddydb-spec-fetch-test-');
    upstream = join(scratch, 'specifications');
    mkdirSync(upstream);
    git(upstream, 'init', '-q');
    pinned = commit(upstream, UPSTREAM_FILES, 'the pinned commit');
    // The branch moves on after the pin: the fetch must take the pinned commit, not the tip.
    newer = commit(upstream, { 'source/crud/tests/unified/insertOne.json': '{"file":"crud","version":2}\n' }, 'a later commit');
  });
  after(() => removeDir(scratch));

  test('the pinned commit lands in spec/ in the runner\'s layout, and the lookup finds it there', () => {
    const root = join(scratch, 'clone', 'eddydb');
    mkdirSync(root, { recursive: true });
    assert.equal(findSpecDir(root, {}), undefined, 'nothing to find before the fetch');

    const run = fetchSpec({ EDDYDB_SPEC_REPO: upstream, EDDYDB_SPEC_COMMIT: pinned, EDDYDB_SPEC_FETCH_DIR: join(root, 'spec') });
    assert.equal(run.status, 0, run.stderr);

    const spec = findSpecDir(root, {});
    assert.equal(spec, join(root, 'spec'));
    assert.deepEqual(readdirSync(spec!).sort(), ['LICENSE.md', 'README.md', 'causal-consistency', 'change-streams', 'collection-management', 'crud', 'index-management', 'read-write-concern', 'retryable-reads', 'retryable-writes', 'run-command', 'sessions', 'transactions', 'transactions-convenient-api']);
    assert.deepEqual(readdirSync(join(spec!, 'sessions')), ['driver-sessions-server-support.json'], 'the .yml sources stay behind');
    assert.deepEqual(readdirSync(join(spec!, 'causal-consistency')), ['causal-consistency-write-commands.json']);
    assert.deepEqual(readdirSync(join(spec!, 'change-streams')).sort(), ['change-streams.json', 'csot-change-streams.json', 'poc-change-streams.json']);
    assert.deepEqual(readdirSync(join(spec!, 'crud')), ['insertOne.json']);
    assert.deepEqual(readdirSync(join(spec!, 'retryable-reads')), ['find.json'], 'the unified files only, not the legacy ones');
    assert.equal(readFileSync(join(spec!, 'retryable-reads', 'find.json'), 'utf8'), '{"file":"retryable-reads"}\n');
    assert.deepEqual(readdirSync(join(spec!, 'collection-management')), ['clustered-indexes.json']);
    assert.deepEqual(readdirSync(join(spec!, 'index-management')), ['createSearchIndex.json']);
    assert.deepEqual(readdirSync(join(spec!, 'run-command')), ['runCommand.json']);
    assert.deepEqual(readdirSync(join(spec!, 'read-write-concern')), ['default-write-concern-3.4.json'], 'operation/ only: connection-string/ is not unified');
    assert.equal(readFileSync(join(spec!, 'change-streams', 'csot-change-streams.json'), 'utf8'), UPSTREAM_FILES['source/client-side-operations-timeout/tests/change-streams.json']);
    assert.equal(readFileSync(join(spec!, 'change-streams', 'poc-change-streams.json'), 'utf8'), UPSTREAM_FILES['source/unified-test-format/tests/valid-pass/poc-change-streams.json']);
    assert.equal(readFileSync(join(spec!, 'crud', 'insertOne.json'), 'utf8'), '{"file":"crud","version":1}\n', 'the pinned commit, not the tip');
    assert.equal(readFileSync(join(spec!, 'LICENSE.md'), 'utf8'), UPSTREAM_FILES['LICENSE.md']);
    assert.match(readFileSync(join(spec!, 'README.md'), 'utf8'), new RegExp(`at commit ${pinned}`));
  });

  test('fetching again replaces the folder: another commit, nothing left from before', () => {
    const root = join(scratch, 'refetch', 'eddydb');
    mkdirSync(join(root, 'spec', 'crud'), { recursive: true });
    writeFileSync(join(root, 'spec', 'crud', 'stale.json'), '{}');
    const run = fetchSpec({ EDDYDB_SPEC_REPO: upstream, EDDYDB_SPEC_COMMIT: newer, EDDYDB_SPEC_FETCH_DIR: join(root, 'spec') });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(readdirSync(join(root, 'spec', 'crud')), ['insertOne.json']);
    assert.equal(readFileSync(join(root, 'spec', 'crud', 'insertOne.json'), 'utf8'), '{"file":"crud","version":2}\n');
  });

  test('a commit the remote does not have fails and leaves an existing spec/ as it was', () => {
    const root = join(scratch, 'failed', 'eddydb');
    mkdirSync(join(root, 'spec'), { recursive: true });
    writeFileSync(join(root, 'spec', 'marker'), 'kept');
    const run = fetchSpec({ EDDYDB_SPEC_REPO: upstream, EDDYDB_SPEC_COMMIT: '0123456789abcdef0123456789abcdef01234567', EDDYDB_SPEC_FETCH_DIR: join(root, 'spec') });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /spec:fetch failed/);
    assert.equal(readFileSync(join(root, 'spec', 'marker'), 'utf8'), 'kept');
    assert.deepEqual(readdirSync(root), ['spec'], 'no partial folder left behind');
  });

  test('a commit without one of the files the runner needs fails and names it', () => {
    const other = join(scratch, 'incomplete');
    mkdirSync(other);
    git(other, 'init', '-q');
    const { 'source/unified-test-format/tests/valid-pass/poc-change-streams.json': _missing, ...rest } = UPSTREAM_FILES;
    const incomplete = commit(other, rest, 'no poc file');
    const target = join(scratch, 'incomplete-target', 'spec');
    const run = fetchSpec({ EDDYDB_SPEC_REPO: other, EDDYDB_SPEC_COMMIT: incomplete, EDDYDB_SPEC_FETCH_DIR: target });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /source\/unified-test-format\/tests\/valid-pass\/poc-change-streams\.json is not in/);
    assert.equal(existsSync(target), false);
  });
});
