import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Client } from '../../../src/client/client.js';
import { MongoServerError } from '../../../src/errors/index.js';
import { startServer, ServerStartupError } from '../../../src/server/index.js';
import { openSqliteStorage, SQLITE_FILE_NAME } from '../../../src/storage/sqlite/sqlite_storage.js';
import { StorageError } from '../../../src/storage/index.js';

const MAIN = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

/** A closed store with enough data that its file has many pages. */
async function filledStore(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'eddydb-corrupt-'));
  const client = await Client.open(dir);
  const pad = 'p'.repeat(500);
  const docs = Array.from({ length: 2000 }, (_, i) => ({ _id: i, pad, i }));
  await client.runCommand('d', { insert: 'c', documents: docs });
  await client.close();
  return dir;
}

/** Writes garbage over the middle half of the closed store's file. */
function smashMiddle(dir: string): void {
  const file = join(dir, SQLITE_FILE_NAME);
  const size = statSync(file).size;
  assert.ok(size > 64 * 1024, `store file is ${size} bytes`);
  const garbage = Buffer.alloc(Math.floor(size / 2));
  for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 131 + 7) & 0xff;
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, garbage, 0, garbage.length, Math.floor(size / 4));
  } finally {
    closeSync(fd);
  }
}

describe('a corrupted store is refused at startup', () => {
  test('a healthy store reopens; a store with garbage in its middle is refused by Client.open and startServer', async () => {
    const dir = await filledStore();
    try {
      const again = await Client.open(dir);
      const count = await again.runCommand('d', { count: 'c' });
      assert.equal(count.n, 2000);
      await again.close();

      smashMiddle(dir);
      await assert.rejects(openSqliteStorage(dir), (err: unknown) => err instanceof StorageError && err.kind === 'Corrupted');
      await assert.rejects(Client.open(dir), (err: unknown) => {
        assert.ok(err instanceof MongoServerError, String(err));
        assert.match(err.message, /corrupted/);
        return true;
      });
      await assert.rejects(
        startServer({ port: 0, bindIp: '127.0.0.1', dbpath: dir, replSet: 'rs0', enableTestCommands: false }),
        (err: unknown) => {
          assert.ok(err instanceof ServerStartupError, String(err));
          assert.equal(err.exitCode, 100);
          assert.match(err.message, /corrupted/);
          return true;
        },
      );
      // The refusal released the folder: a later open fails on corruption again, not on DBPathInUse.
      await assert.rejects(openSqliteStorage(dir), (err: unknown) => err instanceof StorageError && err.kind === 'Corrupted');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a saved cluster time behind the newest oplog entry is refused', async () => {
    const dir = await filledStore();
    try {
      const db = new Database(join(dir, SQLITE_FILE_NAME));
      db.prepare("UPDATE meta SET value = '1' WHERE key = 'clusterTime'").run();
      db.close();
      await assert.rejects(openSqliteStorage(dir), (err: unknown) => {
        assert.ok(err instanceof StorageError && err.kind === 'Corrupted', String(err));
        assert.match(err.message, /cluster time 1 is behind the newest oplog entry/);
        return true;
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('eddydb serve exits non-zero with a clear message', async () => {
    const dir = await filledStore();
    try {
      smashMiddle(dir);
      const proc = spawn(process.execPath, [MAIN, 'serve', '--port', '0', '--dbpath', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let stdout = '';
      proc.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
      proc.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
      const code = await new Promise<number | null>((r) => proc.on('exit', (c) => r(c)));
      assert.equal(code, 100, stderr);
      assert.match(stderr, /eddydb: Corrupted data: the data file .* is corrupted/);
      assert.ok(!stdout.includes('Waiting for connections'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
