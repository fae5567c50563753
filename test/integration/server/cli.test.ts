import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { SERVER_VERSION } from '../../../src/commands/support/context.js';
import { listeningPort, run, stop } from './cli_child.js';

describe('eddydb serve as a child process', () => {
  test('serves the driver, refuses a second server on the same dbpath, shuts down on SIGTERM and keeps the data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eddydb-cli-'));
    const dbpath = join(dir, 'db'); // created by the server
    const first = run(['serve', '--port', '0', '--dbpath', dbpath, '--setParameter', 'enableTestCommands=1']);
    try {
      const port = await listeningPort(first);
      const waiting = first.lines.find((l) => l.msg === 'Waiting for connections')!;
      assert.equal((waiting.attr as { address: string }).address, `127.0.0.1:${port}`);
      assert.ok(existsSync(join(dbpath, 'mongod.lock')), 'the data folder was created and locked');

      const client = new MongoClient(`mongodb://127.0.0.1:${port}/?replicaSet=rs0&serverSelectionTimeoutMS=5000`);
      try {
        await client.connect();
        const hello = await client.db('admin').command({ hello: 1 });
        assert.equal(hello.setName, 'rs0');
        assert.deepEqual(hello.hosts, [`127.0.0.1:${port}`]);
        const opts = await client.db('admin').command({ getCmdLineOpts: 1 });
        assert.ok(opts.argv.includes('enableTestCommands=1'));
        assert.equal(opts.parsed.setParameter.enableTestCommands, '1');
        assert.equal((await client.db('admin').command({ getParameter: '*' })).enableTestCommands, true);
        await client.db('app').collection<{ _id: string; n: number }>('kept').insertOne({ _id: 'survivor', n: 1 });
      } finally {
        await client.close();
      }

      const second = run(['serve', '--port', '0', '--dbpath', dbpath]);
      const code = await second.exit;
      assert.equal(code, 100, 'mongod exits with 100 on DBPathInUse');
      assert.match(second.stderr(), /DBPathInUse: Unable to lock the lock file: .*mongod\.lock \(Resource temporarily unavailable\)\. Another mongod instance is already running on the .* directory/);
      const fatal = second.lines.find((l) => l.s === 'F');
      assert.ok(fatal, 'the refusal is logged');
      assert.match(JSON.stringify(fatal.attr), /DBPathInUse/);

      assert.equal(await stop(first), 0, 'clean SIGTERM shutdown exits 0');
      const messages = first.lines.map((l) => l.msg);
      assert.ok(messages.includes('Received signal'));
      assert.ok(messages.includes('Now exiting'));
      assert.equal(existsSync(join(dbpath, 'mongod.lock')), false, 'the lock file is removed on shutdown');

      const again = run(['--port=0', `--dbpath=${dbpath}`, '--quiet']);
      try {
        const port2 = await listeningPort(again);
        const client2 = new MongoClient(`mongodb://127.0.0.1:${port2}/?replicaSet=rs0&serverSelectionTimeoutMS=5000`);
        try {
          const doc = await client2.db('app').collection<{ _id: string; n: number }>('kept').findOne({ _id: 'survivor' });
          assert.deepEqual(doc, { _id: 'survivor', n: 1 });
        } finally {
          await client2.close();
        }
        assert.equal(again.lines.some((l) => l.msg === 'Connection accepted'), false, '--quiet leaves connection events out');
      } finally {
        assert.equal(await stop(again), 0);
      }
    } finally {
      first.proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('SIGINT also shuts down cleanly, with an in-memory database', async () => {
    const child = run(['serve', '--port', '0', '--inMemory']);
    await listeningPort(child);
    child.proc.kill('SIGINT');
    assert.equal(await child.exit, 0);
  });

  test('a bad flag prints a clear message and exits with 2', async () => {
    const child = run(['serve', '--prot', '1']);
    assert.equal(await child.exit, 2);
    assert.match(child.stderr(), /unrecognised option '--prot'/);
    assert.match(child.stderr(), /eddydb --help/);
  });

  test('--version prints eddydb\'s own version and the MongoDB version it speaks', async () => {
    const child = run(['--version']);
    assert.equal(await child.exit, 0);
    const manifest = JSON.parse(readFileSync(fileURLToPath(new URL('../../../../package.json', import.meta.url)), 'utf8')) as { version: string };
    assert.equal(child.stdout(), `eddydb ${manifest.version} (speaks MongoDB server version v${SERVER_VERSION})\n`);
  });

  test('--help lists the flags and exits 0', async () => {
    const child = run(['--help']);
    assert.equal(await child.exit, 0);
    const flags = ['--port', '--bind_ip', '--dbpath', '--replSet', '--setParameter', '--oplogSizeMB', '--inMemory', '--maxConns'];
    flags.push('--reservedLoopbackConns', '--maxEstablishingConns', '--idleConnectionTimeoutMS', '--partialMessageTimeoutMS');
    for (const flag of flags) {
      assert.ok(child.stdout().includes(flag), `help lists ${flag}`);
    }
  });
});
