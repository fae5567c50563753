#!/usr/bin/env node
// `npm run spec:fetch`: fills spec/ (git-ignored) with the MongoDB unified-format spec files the spec suites read,
// from the public mongodb/specifications repository at a pinned commit, so a fresh clone can run them.
// The data is MongoDB, Inc.'s under its own licence (CC BY-NC-SA 3.0 US), copied next to the files as LICENSE.md.
//
// Environment:
//   EDDYDB_SPEC_REPO        the git remote (default https://github.com/mongodb/specifications.git)
//   EDDYDB_SPEC_COMMIT      the commit to take the files from (default: the pinned one below)
//   EDDYDB_SPEC_FETCH_DIR   where to put them (default: spec/ in the repository)
//
// Needs git and network access. The target is replaced only once every file is in place, so a failed fetch
// leaves an existing folder as it was.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The commit the suites' skip tables and docs/conformance.md were written against.
const PINNED_COMMIT = '92b3c0b9287bfba1b0ec4084300858d05c654f8c';

const repo = process.env.EDDYDB_SPEC_REPO || 'https://github.com/mongodb/specifications.git';
const commit = process.env.EDDYDB_SPEC_COMMIT || PINNED_COMMIT;
const target = resolve(process.env.EDDYDB_SPEC_FETCH_DIR || fileURLToPath(new URL('../spec', import.meta.url)));

// Upstream path → local path. A folder contributes its *.json files (the .yml beside them are their sources);
// the runner reads one folder per suite, so the CSOT and unified-format change-stream tests join change-streams/.
const LAYOUT = [
  { from: 'source/causal-consistency/tests', to: 'causal-consistency' },
  { from: 'source/change-streams/tests/unified', to: 'change-streams' },
  { from: 'source/client-side-operations-timeout/tests/change-streams.json', to: 'change-streams/csot-change-streams.json' },
  { from: 'source/unified-test-format/tests/valid-pass/poc-change-streams.json', to: 'change-streams/poc-change-streams.json' },
  { from: 'source/crud/tests/unified', to: 'crud' },
  { from: 'source/retryable-writes/tests/unified', to: 'retryable-writes' },
  { from: 'source/transactions/tests/unified', to: 'transactions' },
  { from: 'source/transactions-convenient-api/tests/unified', to: 'transactions-convenient-api' },
  { from: 'source/sessions/tests', to: 'sessions' },
  { from: 'source/retryable-reads/tests/unified', to: 'retryable-reads' },
  { from: 'source/collection-management/tests', to: 'collection-management' },
  { from: 'source/index-management/tests', to: 'index-management' },
  { from: 'source/run-command/tests/unified', to: 'run-command' },
  // connection-string/ and document/ beside operation/ are not in the unified format: the runner cannot read them.
  { from: 'source/read-write-concern/tests/operation', to: 'read-write-concern' },
  { from: 'LICENSE.md', to: 'LICENSE.md' },
];

const isFile = (path) => /\.(json|md)$/.test(path);

function git(cwd, ...args) {
  execFileSync('git', args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
}

const clone = mkdtempSync(join(tmpdir(), 'eddydb-spec-fetch-'));
const staging = `${target}.partial-${process.pid}`;
try {
  console.error(`fetching ${repo} at ${commit}`);
  git(clone, 'init', '-q');
  git(clone, 'remote', 'add', 'origin', repo);
  git(clone, 'sparse-checkout', 'set', '--no-cone', ...LAYOUT.map(({ from }) => (isFile(from) ? `/${from}` : `/${from}/*.json`)));
  // One commit, and (where the server supports partial clone) only the blobs the sparse checkout needs.
  git(clone, 'fetch', '-q', '--depth', '1', '--filter=blob:none', 'origin', commit);
  git(clone, '-c', 'advice.detachedHead=false', 'checkout', '-q', 'FETCH_HEAD');

  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const { from, to } of LAYOUT) {
    const source = join(clone, from);
    if (!existsSync(source)) throw new Error(`${from} is not in ${repo} at ${commit}`);
    const dest = join(staging, to);
    mkdirSync(dirname(dest), { recursive: true });
    if (isFile(from)) cpSync(source, dest);
    else for (const name of readdirSync(source).filter((n) => n.endsWith('.json'))) cpSync(join(source, name), join(dest, name));
  }
  writeFileSync(
    join(staging, 'README.md'),
    [
      '# MongoDB specification test files',
      '',
      `Copied unchanged by scripts/spec-fetch.mjs from ${repo} at commit ${commit}.`,
      'They are licensed by MongoDB, Inc. (see LICENSE.md), not under this project\'s licence; do not commit them.',
      '',
      '| here | upstream |',
      '| --- | --- |',
      ...LAYOUT.map(({ from, to }) => `| ${to} | ${from}${isFile(from) ? '' : '/*.json'} |`),
      '',
    ].join('\n'),
  );
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  console.error(`spec files in ${target}`);
} catch (err) {
  rmSync(staging, { recursive: true, force: true });
  console.error(`spec:fetch failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  rmSync(clone, { recursive: true, force: true });
}
