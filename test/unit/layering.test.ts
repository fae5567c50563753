// The layering of ARCHITECTURE.md ("Layers"), checked: each layer imports only the layers below it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Rank of each top-level folder of src/: a file may import its own layer and lower ranks only. */
const RANK: Record<string, number> = {
  errors: 0,
  bson: 1,
  storage: 2,
  oplog: 2,
  query: 2,
  engine: 3,
  changestream: 4,
  auth: 4,
  commands: 5,
  wire: 5,
  server: 6,
  client: 6,
  cli: 7,
  'index.ts': 8,
};

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

test('every import goes to the same layer or one below it', () => {
  const src = resolve(process.cwd(), 'src');
  const wrong: string[] = [];
  for (const file of files(src)) {
    const from = relative(src, file).split('/')[0]!;
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/from '(\.[^']+)'/g)) {
      const target = relative(src, resolve(dirname(file), match[1]!)).split('/')[0]!;
      const a = RANK[from];
      const b = RANK[target];
      assert.ok(a !== undefined, `unknown layer ${from}`);
      assert.ok(b !== undefined, `unknown layer ${target} (imported by ${relative(src, file)})`);
      if (target !== from && b >= a) wrong.push(`${relative(src, file)} -> ${match[1]}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('SQL stays in storage/sqlite: no other layer imports better-sqlite3', () => {
  const src = resolve(process.cwd(), 'src');
  const offenders = files(src).filter((f) => !relative(src, f).startsWith('storage/sqlite/') && /from 'better-sqlite3'/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(offenders.map((f) => relative(src, f)), []);
});

test('SQL for PostgreSQL stays in storage/postgres: no other folder imports pg', () => {
  const src = resolve(process.cwd(), 'src');
  const offenders = files(src).filter((f) => !relative(src, f).startsWith('storage/postgres/') && /(from |import\()'pg(\/[^']*)?'/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(offenders.map((f) => relative(src, f)), []);
});

test("only bson/ imports the bson package: one place decides which of its classes and codecs the layers use", () => {
  const src = resolve(process.cwd(), 'src');
  const offenders = files(src).filter((f) => !relative(src, f).startsWith('bson/') && /from 'bson'/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(offenders.map((f) => relative(src, f)), []);
});

test('only the watch command imports the mongodb driver: the server and the engine never load it', () => {
  const src = resolve(process.cwd(), 'src');
  const offenders = files(src).filter((f) => !/^cli\/watch[^/]*\.ts$/.test(relative(src, f)) && /(from |import\()'mongodb(\/[^']*)?'/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(offenders.map((f) => relative(src, f)), []);
});

test('main loads the watch command only when asked: its driver import is dynamic', () => {
  const main = readFileSync(resolve(process.cwd(), 'src', 'cli', 'main.ts'), 'utf8');
  assert.doesNotMatch(main, /from '\.\/watch[^']*'/);
  assert.match(main, /import\('\.\/watch\.js'\)/);
});
