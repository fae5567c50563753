/**
 * A throwaway PostgreSQL cluster for the `eddydb-pg*` subjects: initdb into a temporary folder, a server on
 * 127.0.0.1 and a free port, one database. Unlike test/helpers/postgres.ts (which trades durability for speed) it
 * keeps `fsync = on` and `synchronous_commit = on`: the figures include the WAL flush a deployment pays on every
 * commit. The cluster goes when the child process exits, however it exits: an exit hook stops it, and a detached
 * watchdog does it when the child is killed (the orchestrator's time limit).
 *
 * PostgreSQL refuses to run as root, so as root its programs run as the `postgres` user (Debian's package makes it).
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DEBIAN_ROOT = '/usr/lib/postgresql';
const PROGRAMS = ['initdb', 'pg_ctl', 'postgres'] as const;
const SERVER_USER = 'postgres';

/** $EDDYDB_PG_BIN when set (as for the tests: also to check the skip), else the newest version Debian installed. */
function binDir(): string | undefined {
  const override = process.env.EDDYDB_PG_BIN;
  if (override) return PROGRAMS.every((p) => existsSync(join(override, p))) ? override : undefined;
  let versions: string[];
  try {
    versions = readdirSync(DEBIAN_ROOT);
  } catch {
    return undefined;
  }
  return versions
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(DEBIAN_ROOT, v, 'bin'))
    .find((dir) => PROGRAMS.every((p) => existsSync(join(dir, p))));
}

const isRoot = (): boolean => process.getuid?.() === 0;

/** One line saying why no cluster can be started here, or undefined when one can. */
export function postgresMissing(): string | undefined {
  if (binDir() === undefined) return `PostgreSQL's server programs (${PROGRAMS.join(', ')}) not found in ${process.env.EDDYDB_PG_BIN || `${DEBIAN_ROOT}/<version>/bin`}`;
  if (isRoot() && spawnSync('id', ['-u', SERVER_USER], { timeout: 10_000 }).status !== 0) return `running as root and there is no '${SERVER_USER}' user`;
  return undefined;
}

function run(bin: string, program: string, args: string[], timeoutMs: number): SpawnSyncReturns<string> {
  const path = join(bin, program);
  const [command, commandArgs] = isRoot() ? ['runuser', ['-u', SERVER_USER, '--', path, ...args]] : [path, args];
  // pg_ctl leaves the server running with its output in the log file; nothing may keep these pipes open.
  return spawnSync(command, commandArgs, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'], cwd: tmpdir() });
}

function check(result: SpawnSyncReturns<string>, what: string): void {
  if (result.status !== 0) throw new Error(`${what} failed: ${result.error?.message ?? `${result.stdout}${result.stderr}`.trim()}`);
}

function freePortSync(): number {
  const probe = spawnSync(
    process.execPath,
    ['-e', "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close();});"],
    { encoding: 'utf8', timeout: 10_000 },
  );
  const port = Number(probe.stdout);
  if (!Number.isInteger(port) || port <= 0) throw new Error('no free port for PostgreSQL');
  return port;
}

/** When the child dies without its exit hook, a detached shell stops the server (SIGQUIT: immediate mode) and removes the folder. */
function startWatchdog(dir: string, data: string): void {
  const script = [
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done',
    'n=0',
    'while [ -e "$3" ] && [ $n -lt 30 ]; do',
    '  if [ -f "$2/postmaster.pid" ]; then kill -QUIT "$(head -n 1 "$2/postmaster.pid")" 2>/dev/null; sleep 1; fi',
    '  rm -rf "$3" 2>/dev/null; [ -e "$3" ] && sleep 1; n=$((n+1))',
    'done',
  ].join('\n');
  spawn('/bin/sh', ['-c', script, 'eddydb-bench-pg-watchdog', String(process.pid), data, dir], { detached: true, stdio: 'ignore' }).unref();
}

let uri: `postgresql://${string}` | undefined;

/** Starts this process's cluster (once) and returns a `postgresql://` URI of an empty database on it. */
export function startPostgres(): `postgresql://${string}` {
  if (uri !== undefined) return uri;
  const missing = postgresMissing();
  if (missing !== undefined) throw new Error(`cannot start PostgreSQL: ${missing}`);
  const bin = binDir()!;
  const dir = mkdtempSync(join(tmpdir(), 'eddydb-bench-pg-'));
  const data = join(dir, 'data');
  let started = false;
  const stop = (): void => {
    if (started) run(bin, 'pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w', '-t', '20'], 25_000);
    started = false;
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', stop);
  startWatchdog(dir, data);
  try {
    if (isRoot()) {
      const id = (flag: string): number => Number(spawnSync('id', [flag, SERVER_USER], { encoding: 'utf8' }).stdout.trim());
      chownSync(dir, id('-u'), id('-g'));
    }
    check(run(bin, 'initdb', ['-D', data, '-U', SERVER_USER, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-instructions'], 120_000), 'initdb');
    const port = freePortSync();
    appendFileSync(
      join(data, 'postgresql.conf'),
      [
        '',
        '# bench/util/postgres.ts: durable like a deployment (every commit waits for its WAL flush).',
        `port = ${port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${dir}'`,
        'fsync = on',
        'synchronous_commit = on',
        'shared_buffers = 128MB',
        "log_min_messages = 'warning'",
        '',
      ].join('\n'),
    );
    check(run(bin, 'pg_ctl', ['start', '-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60'], 70_000), 'pg_ctl start');
    started = true;
    uri = `postgresql://${SERVER_USER}@127.0.0.1:${port}/postgres`;
    return uri;
  } catch (err) {
    stop();
    process.removeListener('exit', stop);
    throw err;
  }
}
