import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { allCommands, findCommand } from '../../../src/commands/registry.js';

const names = allCommands().map((r) => r.command.name);

test('the table is sorted by name, and no name or alias is registered twice', () => {
  assert.deepEqual(names, [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  const all = allCommands().flatMap((r) => [r.command.name, ...(r.aliases ?? [])]);
  assert.deepEqual(all.filter((n, i) => all.indexOf(n) !== i), []);
});

test('every file in src/commands is one command, registered under the file name', () => {
  const dir = resolve(process.cwd(), 'src/commands');
  const entryFiles = new Set(['registry.ts', 'dispatch.ts']);
  const commandFiles = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !entryFiles.has(f) && !statSync(join(dir, f)).isDirectory())
    .map((f) => f.slice(0, -'.ts'.length))
    .sort();
  assert.deepEqual([...names].sort(), commandFiles);
});

test('aliases find the command they belong to; test-only commands need test commands enabled', () => {
  for (const { command, aliases } of allCommands()) {
    for (const alias of aliases ?? []) assert.equal(findCommand(alias, true), command, alias);
  }
  assert.equal(findCommand('isMaster', false)?.name, 'hello');
  assert.equal(findCommand('configureFailPoint', false), undefined);
  assert.equal(findCommand('configureFailPoint', true)?.name, 'configureFailPoint');
  assert.equal(findCommand('isdbgrid', true), undefined);
});
