/**
 * The scale-out crash test (docs/scale-out.md, section 14): three `eddydb serve` processes on one PostgreSQL
 * database. Writers (the official driver, retryWrites off so that an acknowledged write is exactly one commit) write
 * continuously, three through one server each and one through the list of all three; watchers on every server (a
 * collection, a database and a cluster stream on each) and one through the list log every event. Servers are killed
 * with SIGKILL at random moments (seeded; EDDYDB_CRASH_SEED replays it) and restarted on their ports, and PostgreSQL
 * itself is stopped as if it crashed and started again once, all under load. Then:
 *   1. every acknowledged write is reflected in the final data;
 *   2. each watcher saw exactly the committed changes in its scope, none missing, none repeated, in one order;
 *   3. a write whose outcome the client could not know is either present with its event or absent without one;
 *   4. the history read from the beginning is the same, event for event and token for token, on every server.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { MongoClient, type MongoClientOptions, type ResumeToken } from 'mongodb';
import { requireOptional } from '../../helpers/optional.js';
import { POSTGRES_HOW_TO_GET, postgresMissing, startCluster, type PostgresCluster } from '../../helpers/postgres.js';
import { checkRun } from '../crash/checks.js';
import { catchUpAndStop, readTruth, Watcher } from '../crash/watcher.js';
import { finalDocuments, prng, splitNs, Writer, type CrashDoc, type WriteRecord } from '../crash/workload.js';
import { ChildServer, freePort, sleep } from '../driver/harness.js';
import pg from 'pg';

const SUITE = 'several servers on one PostgreSQL: crashes lose nothing, every server delivers one order';
const SERVERS = 3;
const MARKER_NS = 'crash_z.marker';
/** Generous: a resume or a write waits for a restart, of a server or of PostgreSQL. */
const SELECTION_MS = 15_000;
const KILLS = 6;

const seedText = process.env.EDDYDB_CRASH_SEED;
const SEED = seedText !== undefined ? Number(seedText) >>> 0 : (Math.random() * 2 ** 32) >>> 0;

if (requireOptional(SUITE, postgresMissing(), POSTGRES_HOW_TO_GET)) describe(SUITE, () => {
  const children: ChildServer[] = [];
  const clients: MongoClient[] = [];
  const loops: { halt(): void }[] = [];
  let cluster: PostgresCluster | undefined;

  after(async () => {
    for (const loop of loops) loop.halt();
    for (const c of clients) await c.close(true).catch(() => undefined);
    for (const child of children) child.kill();
    await Promise.all(children.map((c) => c.exited));
  });

  async function serve(args: string[]): Promise<ChildServer> {
    const child = await ChildServer.start(args);
    children.push(child);
    return child;
  }

  test('SIGKILL of random servers and a PostgreSQL crash under load', { timeout: 240_000 }, async (t) => {
    const random = prng(SEED);
    t.diagnostic(`seed ${SEED} (EDDYDB_CRASH_SEED replays it)`);
    cluster = startCluster('fast');
    const admin = new pg.Client({ host: cluster.host, port: cluster.port, user: cluster.user, database: 'postgres' });
    await admin.connect();
    await admin.query('CREATE DATABASE scaleout_crash');
    await admin.end();
    const pgUri = `postgresql://${cluster.user}@${cluster.host}:${cluster.port}/scaleout_crash`;

    const ports: number[] = [];
    for (let i = 0; i < SERVERS; i++) ports.push(await freePort());
    const argsOf = (i: number) => ['--port', String(ports[i]), '--pgUri', pgUri, '--quiet'];
    const servers: ChildServer[] = [];
    for (let i = 0; i < SERVERS; i++) servers.push(await serve(argsOf(i)));

    const one = (i: number) => `mongodb://127.0.0.1:${ports[i]}/?directConnection=true`;
    const all = `mongodb://${ports.map((p) => `127.0.0.1:${p}`).join(',')}/`;
    const connect = (uri: string, options: MongoClientOptions = {}): MongoClient => {
      const client = new MongoClient(uri, { serverSelectionTimeoutMS: SELECTION_MS, heartbeatFrequencyMS: 500, ...options });
      clients.push(client);
      return client;
    };

    // Watchers first, so that they see every write: a collection, a database and a cluster stream on each server,
    // and a cluster stream through the router list, which the driver moves to another server when its own dies.
    const resume = (token: ResumeToken | undefined) => ({ maxAwaitTimeMS: 100, batchSize: 100, ...(token ? { resumeAfter: token } : {}) });
    const watchers: Watcher[] = [];
    const scopes: ((ns: string) => boolean)[] = [];
    for (let i = 0; i < SERVERS; i++) {
      const client = connect(one(i), { monitorCommands: true });
      watchers.push(new Watcher(`collection stream crash_a.orders on server ${i}`, client, (token) => client.db('crash_a').collection('orders').watch([], resume(token)), 60_000));
      scopes.push((ns) => ns === 'crash_a.orders');
      watchers.push(new Watcher(`database stream crash_a on server ${i}`, client, (token) => client.db('crash_a').watch([], resume(token)), 60_000));
      scopes.push((ns) => ns.startsWith('crash_a.'));
      watchers.push(new Watcher(`cluster stream on server ${i}`, client, (token) => client.watch([], resume(token)), 60_000));
      scopes.push(() => true);
    }
    const routed = connect(all, { monitorCommands: true });
    watchers.push(new Watcher('cluster stream through the router list', routed, (token) => routed.watch([], resume(token)), 60_000));
    scopes.push(() => true);
    loops.push(...watchers);
    for (const w of watchers) await w.start();

    const writerUris = [one(0), one(1), one(2), all];
    const writers = writerUris.map((uri, i) => new Writer(i, connect(uri, { retryWrites: false }), prng((random() * 2 ** 32) >>> 0), {
      idsPerNamespace: 5,
      readBackTimeoutMs: 60_000,
    }));
    loops.push(...writers);
    for (const w of writers) w.start();
    const acked = (): number => writers.reduce((sum, w) => sum + w.acked, 0);
    const ackedMore = async (count: number): Promise<void> => {
      const target = acked() + count;
      const deadline = Date.now() + 60_000;
      while (acked() < target) {
        assert.ok(Date.now() < deadline, `writers stalled at ${acked()} acknowledged writes`);
        await sleep(5);
      }
    };

    const started = Date.now();
    const postgresCrashAt = Math.floor(random() * KILLS);
    for (let k = 0; k < KILLS; k++) {
      await ackedMore(20 + Math.floor(random() * 200));
      if (k === postgresCrashAt) {
        // PostgreSQL goes down as if it crashed, with every server's sessions cut, and comes back.
        cluster.stop('immediate');
        await sleep(Math.floor(random() * 300));
        cluster.start();
        await ackedMore(20);
      }
      const victim = Math.floor(random() * SERVERS);
      await sleep(Math.floor(random() * 10));
      servers[victim]!.proc.kill('SIGKILL');
      await servers[victim]!.exited;
      // Sometimes the others carry the load for a while before it comes back.
      if (random() < 0.5) await ackedMore(10 + Math.floor(random() * 50));
      servers[victim] = await serve(argsOf(victim));
    }
    await ackedMore(50);
    await Promise.all(writers.map((w) => w.stop()));
    const writeSeconds = (Date.now() - started) / 1000;

    // Everything before the marker is decided; the truth is read up to it, on every server.
    const reader = connect(one(0));
    await reader.db(splitNs(MARKER_NS)[0]).collection<CrashDoc>(splitNs(MARKER_NS)[1]).insertOne({ _id: 'end' });
    const truths = [];
    for (let i = 0; i < SERVERS; i++) truths.push(await readTruth(connect(one(i)), (e) => e.ns === MARKER_NS));
    const truth = truths[0]!;
    await catchUpAndStop(watchers, truth, scopes, 60_000);

    const finalDocs = await finalDocuments(reader);

    const logs = writers.map((w) => w.log);
    const watched = watchers.map((w, i) => ({ name: w.name, events: w.events, startToken: w.startToken, inScope: scopes[i]! }));
    const { problems, unknownApplied, unknownNotApplied } = checkRun(logs, truth, finalDocs, watched, (ns) => ns === MARKER_NS);
    for (let i = 1; i < SERVERS; i++) {
      const same = truths[i]!.length === truth.length && truths[i]!.every((e, j) => e.token === truth[j]!.token && e.operationType === truth[j]!.operationType);
      if (!same) problems.push(`server ${i}'s history differs from server 0's (${truths[i]!.length} against ${truth.length} events)`);
    }

    const records = logs.flat();
    const count = (pick: (r: WriteRecord) => boolean): number => records.filter(pick).length;
    t.diagnostic(
      `${KILLS} SIGKILLs and a PostgreSQL crash in ${writeSeconds.toFixed(1)} s; writes ${records.length}: acknowledged ${count((r) => r.outcome === 'acked')}, ` +
        `failed ${count((r) => r.outcome === 'failed')}, unknown ${count((r) => r.outcome === 'unknown')} ` +
        `(${unknownApplied} committed with their event, ${unknownNotApplied} absent without one)`,
    );
    t.diagnostic(`truth: ${truth.length} committed changes; documents at the end: ${finalDocs.size}`);
    for (const w of watchers) t.diagnostic(`${w.name}: ${w.events.length} events, ${w.driverResumes} driver resumes, ${w.reopens.length} reopens`);
    assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problems (seed ${SEED})`);

    assert.ok(count((r) => r.outcome === 'acked') >= 200, 'enough acknowledged writes');
    for (const w of watchers) assert.ok(w.events.length > 0, `${w.name} saw events`);
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    for (const server of servers) assert.equal(await server.stop(), 0);
  });
});
