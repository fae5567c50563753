/**
 * Shared plumbing for the official-driver suites: an in-process server, clients with command monitoring,
 * error assertions, and `eddydb serve` as a child process (for restarts on the same port and --dbpath).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  Long,
  MongoClient,
  MongoServerError,
  type ChangeStream,
  type CommandFailedEvent,
  type CommandStartedEvent,
  type CommandSucceededEvent,
  type Document,
  type MongoClientOptions,
} from 'mongodb';
import { startServer, type RunningServer, type StartServerOptions } from '../../../src/server/index.js';

/** Starts a server in this process on a free port, with an in-memory database and test commands on. */
export function startInProcess(options: Partial<StartServerOptions> = {}): Promise<RunningServer> {
  return startServer({ port: 0, bindIp: '127.0.0.1', dbpath: ':memory:', replSet: 'rs0', enableTestCommands: true, ...options });
}

/** A driver client for `address` ("host:port") as a replica-set member, with command monitoring on. */
export function clientFor(address: string, options: MongoClientOptions = {}): MongoClient {
  return new MongoClient(`mongodb://${address}/?replicaSet=rs0`, { serverSelectionTimeoutMS: 5000, monitorCommands: true, ...options });
}

/** One command monitoring event with its kind. */
export type Monitored =
  | { kind: 'started'; commandName: string; event: CommandStartedEvent }
  | { kind: 'succeeded'; commandName: string; event: CommandSucceededEvent; reply: Document }
  | { kind: 'failed'; commandName: string; event: CommandFailedEvent; failure: Error & { code?: number; errorLabels?: string[] } };

/** Records a client's command monitoring events (killCursors and hello traffic included) in order. */
export class CommandLog {
  readonly events: Monitored[] = [];
  private readonly waiters: { match: (e: Monitored) => boolean; resolve: (e: Monitored) => void }[] = [];

  constructor(client: MongoClient) {
    const push = (e: Monitored): void => {
      this.events.push(e);
      for (const w of [...this.waiters]) {
        if (w.match(e)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    };
    client.on('commandStarted', (event) => push({ kind: 'started', commandName: event.commandName, event }));
    client.on('commandSucceeded', (event) => push({ kind: 'succeeded', commandName: event.commandName, event, reply: event.reply as Document }));
    client.on('commandFailed', (event) => push({ kind: 'failed', commandName: event.commandName, event, failure: event.failure as Error & { code?: number } }));
  }

  clear(): void {
    this.events.length = 0;
  }

  /** The command documents sent, for `name` (all when absent). */
  started(name?: string): (CommandStartedEvent & { command: Document })[] {
    return this.events.flatMap((e) => (e.kind === 'started' && (name === undefined || e.commandName === name) ? [e.event] : []));
  }

  /** The replies of the commands that succeeded. */
  replies(name?: string): Document[] {
    return this.events.flatMap((e) => (e.kind === 'succeeded' && (name === undefined || e.commandName === name) ? [e.reply] : []));
  }

  /** The errors of the commands that failed (server errors carry code and errorLabels). */
  failures(name?: string): (Error & { code?: number; errorLabels?: string[] })[] {
    return this.events.flatMap((e) => (e.kind === 'failed' && (name === undefined || e.commandName === name) ? [e.failure] : []));
  }

  /** Resolves with the first event from now on that `match` accepts; rejects after `timeoutMs`. */
  next(match: (e: Monitored) => boolean, timeoutMs = 5000): Promise<Monitored> {
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (e: Monitored) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error('timed out waiting for a command monitoring event'));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}

/** A cursor id as the driver reports it (Long, or a number when promoted) as a Long. */
export function asLong(id: unknown): Long {
  if (Long.isLong(id)) return id;
  if (typeof id === 'number') return Long.fromNumber(id);
  if (typeof id === 'bigint') return Long.fromBigInt(id);
  assert.fail(`not a cursor id: ${String(id)}`);
}

/**
 * Runs the stream's aggregate now, without consuming an event, as the driver's own unified runner does (the
 * driver sends it lazily on first iteration, which would let writes made in between slip before the start point).
 */
export async function started(stream: object): Promise<Stream> {
  const cursor = (stream as { cursor?: { cursorInit?: () => Promise<void> } }).cursor;
  assert.equal(typeof cursor?.cursorInit, 'function', 'this driver version has ChangeStreamCursor.cursorInit()');
  await cursor!.cursorInit!();
  return stream as Stream;
}

/** A change stream whose events are plain documents (the tests look at fields of every event type). */
export type Stream = ChangeStream<Document, Document>;

/** `stream` typed as a Stream, for streams the tests iterate without starting them first. */
export function loose(stream: object): Stream {
  return stream as Stream;
}

export interface ExpectedError {
  codeName?: string;
  labels?: string[];
  /** Labels that must not be there. */
  notLabels?: string[];
  message?: string | RegExp;
}

/** Asserts that `action` rejects with a MongoServerError of `code` (and the given codeName, labels, message). */
export async function rejectsWith(action: Promise<unknown> | (() => Promise<unknown>), code: number, expected: ExpectedError = {}): Promise<MongoServerError> {
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (err) {
    assert.ok(err instanceof MongoServerError, `expected a MongoServerError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (expected.codeName !== undefined) assert.equal(err.codeName, expected.codeName);
    for (const label of expected.labels ?? []) assert.ok(err.hasErrorLabel(label), `label ${label} missing: ${JSON.stringify(err.errorLabels)}`);
    for (const label of expected.notLabels ?? []) assert.ok(!err.hasErrorLabel(label), `unexpected label ${label}`);
    if (typeof expected.message === 'string') assert.equal(err.message, expected.message);
    else if (expected.message) assert.match(err.message, expected.message);
    return err;
  }
  assert.fail(`expected MongoServerError ${code}, but it succeeded`);
}

/** Polls `check` every 20 ms until it is true, failing after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(20);
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** Turns off every fail point the driver tests set, so each test starts from a server that fails nothing. */
export async function disableFailPoints(client: MongoClient): Promise<void> {
  for (const name of ['failCommand', 'failGetMoreAfterCursorCheckout']) {
    await client.db('admin').command({ configureFailPoint: name, mode: 'off' });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A port that was free a moment ago: listen on 0, read the port, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** dist/test/integration/driver/ → dist/src/cli/main.js */
const MAIN = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

/** `eddydb serve` in a child process. */
export class ChildServer {
  readonly lines: Record<string, unknown>[] = [];
  private stderr = '';
  private pending = '';
  readonly exited: Promise<number | null>;

  private constructor(readonly proc: ChildProcess) {
    proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.pending += chunk;
      const parts = this.pending.split('\n');
      this.pending = parts.pop() ?? '';
      for (const line of parts) {
        if (!line.startsWith('{')) continue;
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not a log line
        }
      }
    });
    proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  }

  /** Spawns `eddydb serve` with `args` and waits for "Waiting for connections"; returns once it listens. */
  static async start(args: string[]): Promise<ChildServer> {
    const child = new ChildServer(spawn(process.execPath, [MAIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (child.lines.some((l) => l.msg === 'Waiting for connections')) return child;
      if (child.proc.exitCode !== null) assert.fail(`server exited with ${child.proc.exitCode}: ${child.stderr}`);
      await sleep(20);
    }
    child.kill();
    assert.fail(`server did not start: ${child.stderr}`);
  }

  /** SIGTERM, then the exit code (0 after a clean shutdown). */
  async stop(): Promise<number | null> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGTERM');
    return this.exited;
  }

  /** SIGKILL if still running (cleanup). */
  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }
}
