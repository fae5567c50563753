/**
 * Scenario 10: what access control costs over the wire. (a) Connection setup: a new MongoClient, `connect`, a
 * first command (`ping`) and `close`, without credentials, with SCRAM-SHA-256 and with SCRAM-SHA-1 (the user's
 * credentials at mongod's default iteration counts), one after the other and a few at a time. (b) Sequential
 * single inserts through the driver as a root user on a server with --auth, against the same inserts on a server
 * without, the two taking turns in short chunks so that a burst of other work on the machine hits both alike.
 */
import { MongoClient, MongoServerError } from 'mongodb';
import { DEFAULT_ITERATIONS, scramCredential } from '../../src/auth/scram.js';
import { makeDoc, type BenchDoc } from '../docs.js';
import { perSecond } from '../stats.js';
import { startServer, type ServerProcess } from '../subjects/server_process.js';
import { makeTempDir } from '../util/tmp.js';
import type { Scenario } from './types.js';

const USER = 'bench';
const PASSWORD = 'bench-Password-1';
const PARALLEL = 4;
/** Inserts per turn when the two servers take turns. */
const CHUNK = 100;

type Mechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-1';

/** A data folder holding one root user with both SCRAM credentials, written while access control is off. */
async function folderWithUser(): Promise<string> {
  const folder = makeTempDir('auth');
  const server = await startServer(folder);
  try {
    const client = new MongoClient(`mongodb://127.0.0.1:${server.port}/?directConnection=true`);
    try {
      const credentials = {
        'SCRAM-SHA-256': scramCredential('SCRAM-SHA-256', USER, PASSWORD),
        'SCRAM-SHA-1': scramCredential('SCRAM-SHA-1', USER, PASSWORD),
      };
      await client.db('admin').collection('system.users').insertOne(
        { _id: `admin.${USER}`, user: USER, db: 'admin', credentials, roles: [{ role: 'root', db: 'admin' }] } as never,
      );
    } finally {
      await client.close();
    }
  } finally {
    await server.stop();
  }
  return folder;
}

function url(port: number, mechanism: Mechanism | null, poolSize: number): string {
  if (mechanism === null) return `mongodb://127.0.0.1:${port}/?directConnection=true&maxPoolSize=${poolSize}`;
  return `mongodb://${USER}:${PASSWORD}@127.0.0.1:${port}/?directConnection=true&maxPoolSize=${poolSize}&authSource=admin&authMechanism=${mechanism}`;
}

/** One client's whole life: connect, one command (which authenticates the pooled connection), close. */
async function connectOnce(port: number, mechanism: Mechanism | null): Promise<void> {
  const client = new MongoClient(url(port, mechanism, 1));
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
  } finally {
    await client.close();
  }
}

/** Connection setups per second: `count` in all, by `parallel` loops. */
async function setupRate(port: number, mechanism: Mechanism | null, count: number, parallel: number): Promise<number> {
  const each = Math.ceil(count / parallel);
  const start = performance.now();
  await Promise.all(Array.from({ length: parallel }, async () => {
    for (let i = 0; i < each; i++) await connectOnce(port, mechanism);
  }));
  return perSecond(each * parallel, performance.now() - start);
}

/** True when the server refuses a find without credentials with Unauthorized (13): authorization is enforced. */
async function authorizationEnforced(port: number): Promise<boolean> {
  const client = new MongoClient(url(port, null, 1));
  try {
    await client.db('bench').collection('probe').findOne({});
    return false;
  } catch (err) {
    if (err instanceof MongoServerError && err.code === 13) return true;
    throw err;
  } finally {
    await client.close();
  }
}

/** The figures mean nothing unless the credentials really authenticate: connectionStatus must name the user. */
async function checkAuthenticates(port: number, mechanism: Mechanism): Promise<void> {
  const client = new MongoClient(url(port, mechanism, 1));
  try {
    const status = await client.db('admin').command({ connectionStatus: 1 });
    const users = status.authInfo?.authenticatedUsers as { user: string }[] | undefined;
    if (users?.length !== 1 || users[0]!.user !== USER) throw new Error(`${mechanism} did not authenticate: ${JSON.stringify(status.authInfo)}`);
  } finally {
    await client.close();
  }
}

export const auth: Scenario = {
  name: 'auth',
  title: '10. Access control: authenticated connection setup, and single inserts with --auth',
  subjects: ['eddydb-wire'],
  headline: 'authInsertRatio',
  fullRunRounds: 3,
  async run(_subject, quick) {
    const connects = quick ? 60 : 400;
    const inserts = quick ? 3_000 : 20_000;
    const warmup = quick ? 200 : 1_000;
    const folder = await folderWithUser();
    const servers: ServerProcess[] = [];
    try {
      const withAuth = await startServer(folder, ['--auth']);
      servers.push(withAuth);
      // The same history for both folders (a user written, then a restart), so only --auth differs.
      const withoutAuth = await startServer(await folderWithUser());
      servers.push(withoutAuth);
      const enforced = await authorizationEnforced(withAuth.port);

      // (a) Warm-up: the driver caches the salted password after its first conversation, as it does in an
      // application, so the figures are the round trips and the server's work rather than the client's PBKDF2.
      for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-1'] as const) await checkAuthenticates(withAuth.port, mechanism);
      for (const mechanism of [null, 'SCRAM-SHA-256', 'SCRAM-SHA-1'] as const) await setupRate(withAuth.port, mechanism, 10, 1);
      const connectNoAuthPerSec = await setupRate(withAuth.port, null, connects, 1);
      const connectScram256PerSec = await setupRate(withAuth.port, 'SCRAM-SHA-256', connects, 1);
      const connectScram1PerSec = await setupRate(withAuth.port, 'SCRAM-SHA-1', connects, 1);
      const connectNoAuthParallelPerSec = await setupRate(withAuth.port, null, connects, PARALLEL);
      const connectScram256ParallelPerSec = await setupRate(withAuth.port, 'SCRAM-SHA-256', connects, PARALLEL);

      // (b) One client per server, each warmed up; then short chunks alternating between the two (A B B A ...), so
      // a burst of other work on a shared machine lands on both alike, each side's time summed.
      const authClient = new MongoClient(url(withAuth.port, 'SCRAM-SHA-256', 1));
      const plainClient = new MongoClient(url(withoutAuth.port, null, 1));
      const elapsed = [0, 0];
      try {
        await Promise.all([authClient.connect(), plainClient.connect()]);
        const colls = [authClient, plainClient].map((c) => c.db('bench').collection<BenchDoc>('auth_inserts'));
        let next = 0;
        for (const coll of colls) for (let i = 0; i < warmup; i++) await coll.insertOne(makeDoc(next++));
        for (let chunk = 0; chunk < inserts / CHUNK; chunk++) {
          for (const side of chunk % 2 === 0 ? [0, 1] : [1, 0]) {
            const coll = colls[side]!;
            const start = performance.now();
            for (let i = 0; i < CHUNK; i++) await coll.insertOne(makeDoc(next++));
            elapsed[side] += performance.now() - start;
          }
        }
      } finally {
        await Promise.all([authClient.close(), plainClient.close()]);
      }
      const insertsPerSecAuth = perSecond(inserts, elapsed[0]!);
      const insertsPerSecNoAuth = perSecond(inserts, elapsed[1]!);
      const notes = [
        enforced
          ? 'authorization enforced: a find without credentials failed with Unauthorized (13), so every insert was checked against the user\'s privileges'
          : 'authorization NOT enforced by this build (a find without credentials succeeded): the insert figures compare authentication alone',
      ];
      return {
        work: {
          connects, parallel: PARALLEL, inserts, chunk: CHUNK, warmupInserts: warmup,
          iterationsSha256: DEFAULT_ITERATIONS['SCRAM-SHA-256'], iterationsSha1: DEFAULT_ITERATIONS['SCRAM-SHA-1'],
          authorizationEnforced: enforced,
        },
        metrics: {
          connectNoAuthPerSec,
          connectScram256PerSec,
          connectScram1PerSec,
          connectNoAuthParallelPerSec,
          connectScram256ParallelPerSec,
          scram256SetupRatio: connectNoAuthPerSec > 0 ? connectScram256PerSec / connectNoAuthPerSec : null,
          insertsPerSecAuth,
          insertsPerSecNoAuth,
          authInsertRatio: insertsPerSecNoAuth > 0 ? insertsPerSecAuth / insertsPerSecNoAuth : null,
        },
        serverPeakRssKiB: withAuth.peakRssKiB(),
        notes,
      };
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  },
};
