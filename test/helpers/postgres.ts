/**
 * A throwaway PostgreSQL cluster for the tests that need one (docs/scale-out.md, "Test plan").
 *
 * The first call of `createTestDatabase` in a test process runs `initdb` into a new temporary folder, starts the
 * server on 127.0.0.1 with a free port and then hands out one database per call; node --test runs each test file in
 * its own process, so each file that uses PostgreSQL gets its own cluster. When the process exits, however it exits,
 * the server is stopped and the folder removed: an exit hook does it for a normal end or a failed test, and a small
 * watchdog process does it when the test process is killed.
 *
 * PostgreSQL refuses to run as root; tests run as root in CI, so as root every PostgreSQL program runs as the
 * `postgres` user (which Debian's package creates) on a folder handed to that user. Settings favour speed over
 * durability (`fsync = off`): nothing here outlives the run.
 *
 * Debian's package also creates a cluster of its own (`main`, port 5432, started by systemd where there is one);
 * nothing here uses or needs it.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import pg from 'pg';

export const POSTGRES_HOW_TO_GET = 'apt-get install -y postgresql';

/** Where Debian and Ubuntu install each major version's server programs. */
const DEBIAN_ROOT = '/usr/lib/postgresql';
const PROGRAMS = ['initdb', 'pg_ctl', 'postgres', 'pg_basebackup'] as const;
const SERVER_USER = 'postgres';
/** Enough for a suite's writers, readers and pools; each costs a few hundred kilobytes of shared memory. */
const MAX_CONNECTIONS = 100;

/** Every wait below is bounded: a broken machine fails a test, it never hangs one. */
const INITDB_TIMEOUT_MS = 120_000;
const START_TIMEOUT_S = 60;
const STOP_TIMEOUT_S = 20;
const CONNECT_TIMEOUT_MS = 20_000;
const STATEMENT_TIMEOUT_MS = 60_000;

/**
 * The folder holding initdb, pg_ctl and postgres: $EDDYDB_PG_BIN when set (also to point the suites at a folder
 * without them, to check that they skip), else the newest version under /usr/lib/postgresql.
 */
export function postgresBinDir(): { dir: string | undefined; looked: string } {
  const override = process.env.EDDYDB_PG_BIN;
  if (override) return { dir: hasPrograms(override) ? override : undefined, looked: `${override} ($EDDYDB_PG_BIN)` };
  const looked = `${DEBIAN_ROOT}/<version>/bin`;
  let versions: string[];
  try {
    versions = readdirSync(DEBIAN_ROOT);
  } catch {
    return { dir: undefined, looked };
  }
  const newestFirst = versions.filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a));
  const found = newestFirst.map((v) => join(DEBIAN_ROOT, v, 'bin')).find(hasPrograms);
  return { dir: found, looked };
}

function hasPrograms(dir: string): boolean {
  return PROGRAMS.every((p) => existsSync(join(dir, p)));
}

/** One line saying why a cluster cannot be started here, or undefined when it can: requireOptional's shape. */
export function postgresMissing(): string | undefined {
  const { dir, looked } = postgresBinDir();
  if (dir === undefined) return `PostgreSQL's server programs (${PROGRAMS.join(', ')}) not found in ${looked}`;
  if (isRoot() && !userExists(SERVER_USER)) return `running as root and there is no '${SERVER_USER}' user to run PostgreSQL as`;
  return undefined;
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function userExists(name: string): boolean {
  return spawnSync('id', ['-u', name], { encoding: 'utf8', timeout: 10_000 }).status === 0;
}

/** A running cluster: connect as `user` to `host:port`, no password (trust authentication on 127.0.0.1). */
export interface PostgresCluster {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** The temporary folder: the data directory, the log and the Unix socket are inside it. */
  readonly dir: string;
  /** The server log so far, for a failing test's message. */
  log(): string;
  /**
   * Stops the server: `immediate` as a crash (every session cut at once, recovery at the next start), `fast` with
   * sessions ended cleanly. Returns once it is down.
   */
  stop(mode: 'immediate' | 'fast'): void;
  /** Starts a stopped server again on the same port and data; returns once it accepts connections. */
  start(): void;
  /**
   * A streaming-replication standby of this cluster (a base backup, then `standby.signal`), on a port of its own,
   * removed when the process exits; with `synchronous`, this cluster waits for the standby at every commit, so that
   * a failover loses no acknowledged write.
   */
  standby(options?: { synchronous?: boolean }): PostgresStandby;
}

/** A standby: a cluster in recovery until `promote()` makes it a primary. */
export interface PostgresStandby extends PostgresCluster {
  /** Ends recovery (pg_ctl promote) and returns once the server accepts writes. */
  promote(): void;
}

/** A database of its own for one test file; `drop()` removes it (the cluster itself goes when the process ends). */
export interface TestDatabase {
  readonly name: string;
  readonly cluster: PostgresCluster;
  /** `postgresql://user@host:port/name` */
  readonly uri: string;
  /** Settings for `new pg.Client(...)` / `new pg.Pool(...)`, with bounded connect and statement times. */
  config(extra?: pg.ClientConfig): pg.ClientConfig;
  drop(): Promise<void>;
}

let cluster: PostgresCluster | undefined;
let databaseCount = 0;

/**
 * Starts this process's cluster if it is not running yet, and creates an empty database named after the calling
 * test file (`prefix`, else the file's name) and a counter.
 */
export async function createTestDatabase(prefix?: string): Promise<TestDatabase> {
  const running = cluster ?? (cluster = startCluster());
  const stem = (prefix ?? basename(process.argv[1] ?? 'test').replace(/\.test\.js$/, '')).toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const name = `${stem.slice(0, 40)}_${process.pid}_${++databaseCount}`;
  const config = (extra: pg.ClientConfig = {}): pg.ClientConfig => ({
    host: running.host,
    port: running.port,
    user: running.user,
    database: name,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    ...extra,
  });
  await onMaintenanceDatabase(running, async (admin) => {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
  });
  return {
    name,
    cluster: running,
    uri: `postgresql://${running.user}@${running.host}:${running.port}/${name}`,
    config,
    drop: () =>
      onMaintenanceDatabase(running, async (admin) => {
        // WITH (FORCE) ends the sessions a failed test left open instead of waiting for them.
        await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      }),
  };
}

async function onMaintenanceDatabase(running: PostgresCluster, work: (admin: pg.Client) => Promise<void>): Promise<void> {
  const admin = new pg.Client({
    host: running.host,
    port: running.port,
    user: running.user,
    database: 'postgres',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
  });
  await admin.connect();
  try {
    await work(admin);
  } finally {
    await admin.end();
  }
}

/**
 * How a cluster trades durability: `fast` (the tests' default) spares the disk flushes a power loss would need;
 * `durable` keeps PostgreSQL's defaults, so every commit waits for its WAL flush, as in a deployment (the bench's).
 */
export type ClusterDurability = 'fast' | 'durable';

/** The settings of each durability, appended to postgresql.conf. */
const DURABILITY_SETTINGS: Readonly<Record<ClusterDurability, readonly string[]>> = {
  fast: [
    '# a throwaway cluster for tests: speed over durability.',
    'fsync = off',
    // PostgreSQL's default: a commit's WAL is written out before it is acknowledged, so a crash of the server
    // (a stop in immediate mode) loses no acknowledged write; fsync off only spares the disk flush, which
    // matters for a power loss, not here.
    'synchronous_commit = on',
    'full_page_writes = off',
    'shared_buffers = 32MB',
    // No statistics or maintenance work competing with the tests on a small machine.
    'autovacuum = off',
  ],
  durable: ['# durable like a deployment: every commit waits for its WAL flush.', 'fsync = on', 'synchronous_commit = on', 'shared_buffers = 128MB'],
};

/**
 * Starts a throwaway cluster in a new temporary folder, stopped and removed when this process exits however it
 * exits. Tests get theirs through `createTestDatabase`; the bench starts a durable one.
 */
export function startCluster(durability: ClusterDurability = 'fast'): PostgresCluster {
  const missing = postgresMissing();
  if (missing !== undefined) throw new Error(`cannot start PostgreSQL: ${missing}`);
  const bin = postgresBinDir().dir!;
  const dir = mkdtempSync(join(tmpdir(), 'eddydb-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  let started = false;
  const stop = (): void => {
    if (started) runAs(bin, 'pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w', '-t', String(STOP_TIMEOUT_S)], (STOP_TIMEOUT_S + 5) * 1000);
    started = false;
    rmSync(dir, { recursive: true, force: true });
  };
  // Both before anything is started, so that a failure or a kill half-way still cleans up.
  process.on('exit', stop);
  startWatchdog(dir, data, process.pid);
  try {
    if (isRoot()) chownSync(dir, idOf('-u'), idOf('-g'));
    check(
      runAs(bin, 'initdb', ['-D', data, '-U', SERVER_USER, '--auth=trust', '--encoding=UTF8', '--locale=C', ...(durability === 'fast' ? ['--no-sync'] : []), '--no-instructions'], INITDB_TIMEOUT_MS),
      'initdb',
    );
    // A free port can be taken by someone else before the server binds it: try a few.
    let lastFailure = '';
    for (let attempt = 0; attempt < 3 && !started; attempt++) {
      const port = freePortSync();
      appendFileSync(
        join(data, 'postgresql.conf'),
        [
          '',
          `port = ${port}`,
          "listen_addresses = '127.0.0.1'",
          `unix_socket_directories = '${dir}'`,
          `max_connections = ${MAX_CONNECTIONS}`,
          ...DURABILITY_SETTINGS[durability],
          "log_min_messages = 'warning'",
          '',
        ].join('\n'),
      );
      const result = runAs(bin, 'pg_ctl', ['start', '-D', data, '-l', logFile, '-w', '-t', String(START_TIMEOUT_S)], (START_TIMEOUT_S + 10) * 1000);
      if (result.status === 0) {
        started = true;
        return runningCluster(bin, dir, data, port);
      }
      lastFailure = `${describe(result)}\n${readLog(logFile)}`;
      runAs(bin, 'pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w', '-t', String(STOP_TIMEOUT_S)], (STOP_TIMEOUT_S + 5) * 1000);
    }
    throw new Error(`PostgreSQL did not start: ${lastFailure}`);
  } catch (err) {
    stop();
    process.removeListener('exit', stop);
    throw err;
  }
}

/** The handle of a cluster running from `data` on `port`. */
function runningCluster(bin: string, dir: string, data: string, port: number): PostgresCluster {
  const logFile = join(dir, 'server.log');
  return {
    host: '127.0.0.1',
    port,
    user: SERVER_USER,
    dir,
    log: () => readLog(logFile),
    stop: (mode) => {
      check(runAs(bin, 'pg_ctl', ['stop', '-D', data, '-m', mode, '-w', '-t', String(STOP_TIMEOUT_S)], (STOP_TIMEOUT_S + 5) * 1000), 'pg_ctl stop');
    },
    start: () => {
      check(runAs(bin, 'pg_ctl', ['start', '-D', data, '-l', logFile, '-w', '-t', String(START_TIMEOUT_S)], (START_TIMEOUT_S + 10) * 1000), 'pg_ctl start');
    },
    standby: (options = {}) => startStandby(bin, port, data, options.synchronous === true),
  };
}

/** See `PostgresCluster.standby`. */
function startStandby(bin: string, primaryPort: number, primaryData: string, synchronous: boolean): PostgresStandby {
  const dir = mkdtempSync(join(tmpdir(), 'eddydb-pg-standby-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  let started = false;
  const remove = (): void => {
    if (started) runAs(bin, 'pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w', '-t', String(STOP_TIMEOUT_S)], (STOP_TIMEOUT_S + 5) * 1000);
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', remove);
  startWatchdog(dir, data, process.pid);
  if (isRoot()) chownSync(dir, idOf('-u'), idOf('-g'));
  // -R writes standby.signal and the primary's address; the copied postgresql.conf gets this server's own port.
  check(runAs(bin, 'pg_basebackup', ['-D', data, '-h', '127.0.0.1', '-p', String(primaryPort), '-U', SERVER_USER, '-X', 'stream', '-R'], INITDB_TIMEOUT_MS), 'pg_basebackup');
  const port = freePortSync();
  appendFileSync(join(data, 'postgresql.conf'), ['', '# the standby', `port = ${port}`, `unix_socket_directories = '${dir}'`, "synchronous_standby_names = ''", ''].join('\n'));
  check(runAs(bin, 'pg_ctl', ['start', '-D', data, '-l', logFile, '-w', '-t', String(START_TIMEOUT_S)], (START_TIMEOUT_S + 10) * 1000), 'pg_ctl start (standby)');
  started = true;
  if (synchronous) {
    appendFileSync(join(primaryData, 'postgresql.conf'), ['', "synchronous_standby_names = '*'", ''].join('\n'));
    check(runAs(bin, 'pg_ctl', ['reload', '-D', primaryData], 30_000), 'pg_ctl reload');
  }
  return {
    ...runningCluster(bin, dir, data, port),
    promote: () => {
      check(runAs(bin, 'pg_ctl', ['promote', '-D', data, '-w', '-t', String(START_TIMEOUT_S)], (START_TIMEOUT_S + 10) * 1000), 'pg_ctl promote');
    },
  };
}

/** Runs one of PostgreSQL's programs, as the postgres user when this process is root. */
function runAs(bin: string, program: string, args: string[], timeoutMs: number): SpawnSyncReturns<string> {
  const path = join(bin, program);
  const [command, commandArgs] = isRoot() ? asServerUser(path, args) : [path, args];
  return spawnSync(command, commandArgs, {
    encoding: 'utf8',
    timeout: timeoutMs,
    // pg_ctl leaves the server running with its output in the log file; nothing may keep these pipes open.
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: tmpdir(),
  });
}

function asServerUser(path: string, args: string[]): [string, string[]] {
  if (existsSync('/usr/sbin/runuser') || existsSync('/sbin/runuser')) return ['runuser', ['-u', SERVER_USER, '--', path, ...args]];
  const quoted = [path, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return ['su', [SERVER_USER, '-s', '/bin/sh', '-c', quoted]];
}

function check(result: SpawnSyncReturns<string>, what: string): void {
  if (result.status !== 0) throw new Error(`${what} failed: ${describe(result)}`);
}

function describe(result: SpawnSyncReturns<string>): string {
  if (result.error) return result.error.message;
  return `exit status ${result.status ?? result.signal}: ${`${result.stdout}${result.stderr}`.trim()}`;
}

function idOf(which: '-u' | '-g'): number {
  const id = Number(spawnSync('id', [which, SERVER_USER], { encoding: 'utf8', timeout: 10_000 }).stdout.trim());
  if (!Number.isInteger(id)) throw new Error(`cannot find the ${SERVER_USER} user's ids`);
  return id;
}

function readLog(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8');
  } catch {
    return '(no server log)';
  }
}

/**
 * A port nobody listens on right now, found by binding port 0 in a child process: a synchronous answer keeps
 * startCluster one straight sequence.
 */
function freePortSync(): number {
  const probe = spawnSync(
    process.execPath,
    ['-e', "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close();});"],
    { encoding: 'utf8', timeout: 10_000 },
  );
  const port = Number(probe.stdout);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`no free port: ${describe(probe)}`);
  return port;
}

/**
 * When the test process dies without running its exit hook (SIGKILL, a runner's timeout), a detached shell notices
 * within a second, shuts the server down at once if it runs (SIGQUIT to the postmaster is pg_ctl's immediate mode)
 * and removes the folder. After a normal exit it finds the folder gone and ends.
 */
function startWatchdog(dir: string, data: string, owner: number): void {
  const script = [
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done',
    // initdb or pg_ctl may still be running, orphaned: retry until the folder stays gone, for at most 30 s.
    'n=0',
    'while [ -e "$3" ] && [ $n -lt 30 ]; do',
    '  if [ -f "$2/postmaster.pid" ]; then kill -QUIT "$(head -n 1 "$2/postmaster.pid")" 2>/dev/null; sleep 1; fi',
    '  rm -rf "$3" 2>/dev/null',
    '  if [ -e "$3" ]; then sleep 1; fi',
    '  n=$((n+1))',
    'done',
  ].join('\n');
  const child = spawn('/bin/sh', ['-c', script, 'eddydb-pg-watchdog', String(owner), data, dir], { detached: true, stdio: 'ignore' });
  child.unref();
}
