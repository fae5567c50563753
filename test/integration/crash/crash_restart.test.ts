/**
 * Crash and restart: `eddydb serve` runs as a child process while writers (the official driver, one
 * MongoClient each, retryWrites off so that an acknowledged write is exactly one commit) write continuously and three
 * watchers (a collection, a database and the cluster) log every event. The server is killed with SIGKILL at random
 * moments (seeded; the seed is printed, EDDYDB_CRASH_SEED replays it), restarted on the same --dbpath and port, and
 * finally stopped with SIGTERM while writes are in flight. Then:
 *   1. every acknowledged write is reflected in the final data;
 *   2. each watcher saw exactly the committed changes in its scope (the truth: a cluster stream read from
 *      Timestamp(1, 0)), none missing, none repeated, none out of order;
 *   3. a write whose outcome the client could not know is either present with its event or absent without one;
 * plus: each crashed store passes SQLite's integrity check, and after the clean SIGTERM the embedded client opening
 * the folder sees the same data and the same change history.
 * Run once with --synchronous normal and once with --synchronous full.
 */
import { after, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { MongoClient, Timestamp, type Document, type MongoClientOptions, type ResumeToken } from 'mongodb';
import { Client } from '../../../src/index.js';
import { SQLITE_FILE_NAME } from '../../../src/storage/sqlite/sqlite_storage.js';
import { ChildServer, freePort, sleep } from '../driver/harness.js';
import { canon, checkRun } from './checks.js';
import { catchUpAndStop, readTruth, Watcher } from './watcher.js';
import { finalDocuments, NAMESPACES, prng, splitNs, Writer, type CrashDoc, type WriteRecord } from './workload.js';

const WRITERS = 4;
const MARKER_NS = 'crash_z.marker';
/** Generous: a resume or a write waits for a restart, which takes well under a second. */
const SELECTION_MS = 10_000;

const seedText = process.env.EDDYDB_CRASH_SEED;
const SEED = seedText !== undefined ? Number(seedText) >>> 0 : (Math.random() * 2 ** 32) >>> 0;

interface Scenario {
  synchronous: 'normal' | 'full';
  kills: number;
  seed: number;
}

describe('crash and restart: nothing acknowledged is lost, no change is lost or repeated', () => {
  const children: ChildServer[] = [];
  const clients: MongoClient[] = [];
  const dirs: string[] = [];
  /** Writers and watchers of the runs, halted first if a run failed midway. */
  const loops: { halt(): void }[] = [];

  after(async () => {
    for (const loop of loops) loop.halt();
    for (const c of clients) await c.close(true).catch(() => undefined);
    for (const child of children) child.kill();
    await Promise.all(children.map((c) => c.exited));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function serve(args: string[]): Promise<ChildServer> {
    const child = await ChildServer.start(args);
    children.push(child);
    return child;
  }

  async function run(t: TestContext, scenario: Scenario): Promise<void> {
    const random = prng(scenario.seed);
    t.diagnostic(`seed ${scenario.seed} (EDDYDB_CRASH_SEED=${SEED} replays this file), synchronous ${scenario.synchronous}`);
    const dir = mkdtempSync(join(tmpdir(), 'eddydb-crash-'));
    dirs.push(dir);
    const dbpath = join(dir, 'db');
    const port = await freePort();
    const args = ['--port', String(port), '--dbpath', dbpath, '--replSet', 'rs0', '--quiet', '--synchronous', scenario.synchronous];
    let server = await serve(args);

    const uri = `mongodb://127.0.0.1:${port}/?replicaSet=rs0`;
    const connect = (options: MongoClientOptions = {}): MongoClient => {
      const client = new MongoClient(uri, { serverSelectionTimeoutMS: SELECTION_MS, heartbeatFrequencyMS: 500, ...options });
      clients.push(client);
      return client;
    };

    // Watchers first, so that they see every write.
    const resume = (token: ResumeToken | undefined, batchSize: number) => ({ maxAwaitTimeMS: 100, batchSize, ...(token ? { resumeAfter: token } : {}) });
    // The collection watcher's client gives up server selection quickly, so that its driver's own resume usually
    // fails while the server restarts and the watcher reopens the stream with resumeAfter itself.
    const wc = [250, SELECTION_MS, SELECTION_MS].map((ms) => connect({ monitorCommands: true, serverSelectionTimeoutMS: ms }));
    const watchers = [
      new Watcher('collection stream crash_a.orders', wc[0]!, (token) => wc[0]!.db('crash_a').collection('orders').watch([], resume(token, 10)), 20_000),
      // Slower than the writers: it falls behind and resumes from old tokens, reading back from storage.
      new Watcher('database stream crash_a', wc[1]!, (token) => wc[1]!.db('crash_a').watch([], resume(token, 50)), 20_000, { every: 10, ms: 40 }),
      new Watcher('cluster stream', wc[2]!, (token) => wc[2]!.watch([], resume(token, 500)), 20_000),
    ];
    const scopes: ((ns: string) => boolean)[] = [(ns) => ns === 'crash_a.orders', (ns) => ns.startsWith('crash_a.'), () => true];
    loops.push(...watchers);
    for (const w of watchers) await w.start();

    const writers = Array.from({ length: WRITERS }, (_, i) => new Writer(i, connect({ retryWrites: false }), prng((random() * 2 ** 32) >>> 0), {
      idsPerNamespace: 5,
      readBackTimeoutMs: 30_000,
    }));
    loops.push(...writers);
    for (const w of writers) w.start();
    const acked = (): number => writers.reduce((sum, w) => sum + w.acked, 0);
    /** Waits until `count` more writes are acknowledged: a kill then lands among writes in full flow. */
    const ackedMore = async (count: number): Promise<void> => {
      const target = acked() + count;
      const deadline = Date.now() + 30_000;
      while (acked() < target) {
        assert.ok(Date.now() < deadline, `writers stalled at ${acked()} acknowledged writes`);
        await sleep(5);
      }
    };

    // SIGKILL at random moments; keep a copy of each crashed store for the integrity check.
    const snapshots: string[] = [];
    let startupKills = 0;
    const started = Date.now();
    for (let k = 0; k < scenario.kills; k++) {
      // Mostly among writes in full flow; sometimes right as the restarted server starts listening.
      await ackedMore(random() < 0.2 ? 0 : 20 + Math.floor(random() * 780));
      await sleep(Math.floor(random() * 10));
      server.proc.kill('SIGKILL');
      await server.exited;
      snapshots.push(snapshot(dbpath, join(dir, `crash-${k}`)));
      // Sometimes the restarted server is killed again while it opens the store.
      if (random() < 0.3) {
        startupKills++;
        await killDuringStartup(args, Math.floor(random() * 30));
      }
      server = await serve(args);
    }

    // A clean SIGTERM with writes in flight: nothing acknowledged may be lost either.
    await ackedMore(40 + Math.floor(random() * 360));
    const writersDone = writers.map((w) => w.stop());
    assert.equal(await server.stop(), 0, 'clean SIGTERM shutdown exits with 0');
    server = await serve(args);
    await Promise.all(writersDone);
    const writeSeconds = (Date.now() - started) / 1000;

    // Everything before the marker is decided; the truth is read up to it.
    const reader = connect();
    await reader.db(splitNs(MARKER_NS)[0]).collection<CrashDoc>(splitNs(MARKER_NS)[1]).insertOne({ _id: 'end' });
    const truth = await readTruth(connect(), (e) => e.ns === MARKER_NS);
    await catchUpAndStop(watchers, truth, scopes, 30_000);

    const finalDocs = await finalDocuments(reader);

    // The verdicts.
    const logs = writers.map((w) => w.log);
    const watched = watchers.map((w, i) => ({ name: w.name, events: w.events, startToken: w.startToken, inScope: scopes[i]! }));
    const { problems, unknownApplied, unknownNotApplied } = checkRun(logs, truth, finalDocs, watched, (ns) => ns === MARKER_NS);

    const all = logs.flat();
    const count = (pick: (r: WriteRecord) => boolean): number => all.filter(pick).length;
    t.diagnostic(
      `${scenario.kills} SIGKILLs during writes + ${startupKills} during startup + 1 SIGTERM in ${writeSeconds.toFixed(1)} s; writes ${all.length}: acknowledged ${count((r) => r.outcome === 'acked')}, ` +
        `failed ${count((r) => r.outcome === 'failed')}, unknown ${count((r) => r.outcome === 'unknown')} ` +
        `(${unknownApplied} committed with their event, ${unknownNotApplied} absent without one); ` +
        `by kind ${['insert', 'update', 'replace', 'delete'].map((k) => `${k} ${count((r) => r.kind === k)}`).join(', ')}`,
    );
    const failures = new Map<string, number>();
    for (const r of all) {
      if (r.outcome === 'acked') continue;
      const reason = `${r.outcome} ${r.errorCode ?? r.error?.split(':')[0]}`;
      failures.set(reason, (failures.get(reason) ?? 0) + 1);
    }
    t.diagnostic(`not acknowledged: ${[...failures].map(([k, n]) => `${k} x${n}`).join(', ')}`);
    t.diagnostic(`truth: ${truth.length} committed changes; documents at the end: ${finalDocs.size}`);
    for (const w of watchers) {
      t.diagnostic(`${w.name}: ${w.events.length} events, ${w.driverResumes} automatic driver resumes (aggregates the driver sent), ${w.reopens.length} reopens with resumeAfter`);
    }
    assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problems (seed ${scenario.seed})`);

    // The run exercised what it claims to.
    assert.ok(count((r) => r.outcome === 'acked') >= 200, 'enough acknowledged writes');
    for (const kind of ['insert', 'update', 'replace', 'delete'] as const) assert.ok(count((r) => r.kind === kind && r.outcome === 'acked') > 0, `some ${kind}s`);
    for (const w of watchers) {
      assert.ok(w.events.length > 0, `${w.name} saw events`);
      assert.ok(w.driverResumes + w.reopens.length >= 1, `${w.name} had to resume`);
    }

    // Clean stop, then the store as the crashes left it and as the clean stop left it.
    await closeAll(clients);
    assert.equal(await server.stop(), 0);
    for (const copy of snapshots) assert.equal(integrity(copy), 'ok', `integrity of the store after a SIGKILL (${copy})`);
    assert.equal(integrity(dbpath), 'ok', 'integrity after SIGTERM');

    const embedded = await Client.open(dbpath);
    try {
      for (const ns of NAMESPACES) {
        const [db, coll] = splitNs(ns);
        const docs = await embedded.db(db).collection(coll).find({}).toArray();
        const expected = [...finalDocs].filter(([key]) => key.startsWith(`${ns}/`)).map(([, doc]) => canon(doc)).sort();
        assert.deepEqual(docs.map((d) => canon(d as Document)).sort(), expected, `${ns} opened embedded after SIGTERM`);
      }
      const stream = embedded.watch([], { startAtOperationTime: new Timestamp({ t: 1, i: 0 }), batchSize: 1000 });
      const tokens: string[] = [];
      for (let change = await stream.tryNext(); change; change = await stream.tryNext()) tokens.push((change._id as { _data: string })._data);
      await stream.close();
      assert.deepEqual(tokens, truth.map((e) => e.token), 'the embedded client reads the same change history');
    } finally {
      await embedded.close();
    }
  }

  test('SIGKILL during writes, synchronous normal', { timeout: 120_000 }, async (t) => {
    await run(t, { synchronous: 'normal', kills: 10, seed: SEED });
  });

  test('SIGKILL during writes, synchronous full', { timeout: 120_000 }, async (t) => {
    await run(t, { synchronous: 'full', kills: 8, seed: (SEED + 1) >>> 0 });
  });
});

/** dist/test/integration/crash/ → dist/src/cli/main.js */
const MAIN = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

/** Starts `eddydb serve` and kills it `delayMs` after it logs "eddydb starting" (it opens the store next). */
async function killDuringStartup(args: string[], delayMs: number): Promise<void> {
  const proc = spawn(process.execPath, [MAIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  let out = '';
  const starting = new Promise<void>((resolve) => {
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('eddydb starting')) resolve();
    });
    void exited.then(() => resolve());
  });
  await starting;
  await sleep(delayMs);
  proc.kill('SIGKILL');
  await exited;
}

/** Closes the clients still open (the server is up, so endSessions gets its answer). */
async function closeAll(clients: MongoClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
}

/** Copies the database files of a stopped server (the WAL too: that is where recent commits live). */
function snapshot(dbpath: string, to: string): string {
  mkdirSync(to, { recursive: true });
  for (const suffix of ['', '-wal']) {
    const from = join(dbpath, SQLITE_FILE_NAME + suffix);
    if (existsSync(from)) copyFileSync(from, join(to, SQLITE_FILE_NAME + suffix));
  }
  return to;
}

/** SQLite's own verdict on a data folder ('ok' when sound); recovers the WAL of a crashed copy first. */
function integrity(folder: string): unknown {
  const db = new Database(join(folder, SQLITE_FILE_NAME));
  try {
    return db.pragma('integrity_check', { simple: true });
  } finally {
    db.close();
  }
}
