// The README's `eddydb watch` example, run as written (the URI pointed at a server this test starts): the command
// line is read from the README, and the line it prints is compared with the one the README shows.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Document } from 'mongodb';
import { startServer, type RunningServer } from '../../../src/server/index.js';
import { run } from '../server/cli_child.js';

/** The README section's shell block and the JSON line it shows. */
function readmeExample(): { command: string; output: string } {
  const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Watching from the command line'));
  const shell = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  const command = shell.replace(/\\\n\s*/g, '').split('\n').find((line) => line.startsWith('npx eddydb watch '))!;
  const output = /```json\n(.*)\n```/.exec(section)![1]!;
  return { command, output };
}

/** Splits a command line as sh does for plain words and single-quoted ones, which is all the example uses. */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

describe('README command-line watch example', () => {
  let server: RunningServer;
  let dir: string;
  before(async () => {
    server = await startServer({ port: 0, bindIp: '127.0.0.1', dbpath: ':memory:', replSet: 'rs0', enableTestCommands: false, quiet: true });
    dir = mkdtempSync(join(tmpdir(), 'eddydb-readme-watch-'));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the insert as the README shows it, and keeps its token in the resume file', async () => {
    const { command, output } = readmeExample();
    const args = words(command.replace('mongodb://127.0.0.1:27017/', `mongodb://${server.address}/`)).slice(2);
    assert.equal(args[0], 'watch');
    const child = run(args, { cwd: dir });
    const client = new MongoClient(`mongodb://${server.address}/?replicaSet=rs0`);
    try {
      // The resume file appears once the stream is open: the insert after it is the first event.
      const tokenFile = join(dir, 'orders.token');
      while (!existsSync(tokenFile)) {
        if (child.proc.exitCode !== null) assert.fail(`the watcher exited: ${child.stderr()}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await client.db('shop').collection('orders').insertOne({ _id: 1, status: 'new' } as Document);
      while (!child.stdout().includes('\n')) {
        if (child.proc.exitCode !== null) assert.fail(`the watcher exited: ${child.stderr()}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await client.close();
      child.proc.kill('SIGTERM');
    }
    assert.equal(await child.exit, 0);
    const printed = JSON.parse(child.stdout()) as Document;
    const shown = JSON.parse(output) as Document;
    // Tokens and times differ from run to run; the shape and everything else is as shown.
    assert.deepEqual(Object.keys(printed), Object.keys(shown));
    for (const field of ['operationType', 'fullDocument', 'ns', 'documentKey']) assert.deepEqual(printed[field], shown[field], field);
    assert.match((printed._id as { _data: string })._data, /^[0-9A-F]+$/);
    assert.deepEqual(Object.keys(printed.clusterTime as Document), ['$timestamp']);
    assert.deepEqual(Object.keys(printed.wallTime as Document), ['$date']);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'orders.token'), 'utf8')), printed._id);
  });
});
