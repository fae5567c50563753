/**
 * scripts/compatibility-table.mjs (`npm run docs:compatibility`): the tables at the end of docs/compatibility.md
 * must be what the script generates from the built registries, and `--check` must name the command that
 * regenerates them when they are not.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { childEnv } from '../../helpers/child_env.js';
import { removeDir, tempDir } from '../../helpers/embedded.js';

const SCRIPT = join(process.cwd(), 'scripts', 'compatibility-table.mjs');
const DOC = join(process.cwd(), 'docs', 'compatibility.md');
const REGENERATE = 'npm run build && npm run docs:compatibility';

function check(file: string): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, [SCRIPT, '--check', '--file', file], { env: childEnv(), encoding: 'utf8', timeout: 120_000 });
  return { status: run.status, stderr: run.stderr };
}

describe('docs/compatibility.md generated tables', () => {
  let scratch: string;
  before(() => {
    scratch = tempDir('eddydb-compat-');
  });
  after(() => removeDir(scratch));

  test('are up to date with the registries', () => {
    const { status, stderr } = check(DOC);
    assert.equal(status, 0, `docs/compatibility.md is out of date; regenerate it with \`${REGENERATE}\`\n${stderr}`);
  });

  test('hold a row for the registries\' names, with their states', () => {
    const doc = readFileSync(DOC, 'utf8');
    assert.match(doc, /^\| `\$lookup` \| supported \|$/m);
    assert.match(doc, /^\| `\$geoNear` \| supported \|$/m);
    assert.match(doc, /^\| `\$planCacheStats` \| refused: NotImplemented \(238\) \|$/m);
    assert.match(doc, /^\| Evaluation \| `\$where` \| refused: BadValue \(2\) \|$/m);
    assert.match(doc, /^\| Sharding \| `shardCollection` \| unknown: CommandNotFound \(59\) \|$/m);
    assert.match(doc, /^\| `wildcard` \| refused: CannotCreateIndex \(67\) \|$/m);
    assert.match(doc, /^\| Atlas Search \| `createSearchIndexes` \| refused: SearchNotEnabled \(31082\) \|$/m);
    assert.match(doc, /^\| Query and write operations \| `find` \| supported \|$/m);
  });

  test('out of date: --check fails and names the command that regenerates them', () => {
    const stale = join(scratch, 'compatibility.md');
    writeFileSync(stale, readFileSync(DOC, 'utf8').replace('| `$lookup` | supported |', '| `$lookup` | unknown |'));
    const { status, stderr } = check(stale);
    assert.equal(status, 1);
    assert.match(stderr, /compatibility tables are out of date/);
    assert.ok(stderr.includes(REGENERATE), stderr);
  });

  test('without the markers: --check fails saying which markers', () => {
    const bare = join(scratch, 'bare.md');
    writeFileSync(bare, '# Compatibility notes\n');
    const { status, stderr } = check(bare);
    assert.notEqual(status, 0);
    assert.match(stderr, /must hold the markers <!-- generated: compatibility tables/);
  });
});
