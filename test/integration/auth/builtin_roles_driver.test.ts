// Each built-in role through the official driver against a server with --auth: a table of commands each role may
// and may not run, as the MongoDB manual's built-in roles page describes them. Allowed means the command did not
// fail with Unauthorized (13); denied means it did.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient, MongoServerError } from 'mongodb';
import { startInProcess } from '../driver/harness.js';
import type { RunningServer } from '../../../src/server/index.js';

type Probe = (client: MongoClient, role: string) => Promise<unknown>;

const PROBES: Record<string, Probe> = {
  find: (c) => c.db('test').collection('c').findOne({}),
  insert: (c) => c.db('test').collection('c').insertOne({}),
  createIndexes: (c, role) => c.db('test').collection('c').createIndex({ [`f_${role}`]: 1 }),
  createUser: (c, role) => c.db('test').command({ createUser: `made_by_${role}`, pwd: 'pw', roles: [] }),
  serverStatus: (c) => c.db('admin').command({ serverStatus: 1 }),
  watch: async (c) => {
    const stream = c.db('test').collection('c').watch();
    try {
      return await stream.tryNext();
    } finally {
      await stream.close();
    }
  },
  findSystemUsers: (c) => c.db('admin').collection('system.users').findOne({}),
  findOtherDb: (c) => c.db('other').collection('c').findOne({}),
};

const Y = true;
const N = false;
/** role (in test for the per-database roles, else admin) -> whether each probe is allowed, in PROBES' order. */
const TABLE: Record<string, [db: string, allowed: boolean[]]> = {
  read: ['test', [Y, N, N, N, N, Y, N, N]],
  readWrite: ['test', [Y, Y, Y, N, N, Y, N, N]],
  dbAdmin: ['test', [N, N, Y, N, N, N, N, N]],
  userAdmin: ['test', [N, N, N, Y, N, N, N, N]],
  dbOwner: ['test', [Y, Y, Y, Y, N, Y, N, N]],
  readAnyDatabase: ['admin', [Y, N, N, N, N, Y, N, Y]],
  readWriteAnyDatabase: ['admin', [Y, Y, Y, N, N, Y, N, Y]],
  userAdminAnyDatabase: ['admin', [N, N, N, Y, N, N, Y, N]],
  dbAdminAnyDatabase: ['admin', [N, N, Y, N, N, N, N, N]],
  clusterMonitor: ['admin', [N, N, N, N, Y, N, N, N]],
  root: ['admin', [Y, Y, Y, Y, Y, Y, Y, Y]],
};

describe('built-in roles through the driver, with --auth', () => {
  let server: RunningServer;
  const clients: MongoClient[] = [];

  function login(user: string, source: string): MongoClient {
    const client = new MongoClient(`mongodb://${user}:pw-${user}@${server.address}/?authSource=${source}`, { directConnection: true, serverSelectionTimeoutMS: 5000 });
    clients.push(client);
    return client;
  }

  before(async () => {
    server = await startInProcess({ auth: true });
    const first = new MongoClient(`mongodb://${server.address}/`, { directConnection: true });
    await first.db('admin').command({ createUser: 'boss', pwd: 'pw-boss', roles: ['root'] });
    await first.close();
    const boss = login('boss', 'admin');
    await boss.db('test').collection('c').insertOne({ _id: 0 } as never);
    await boss.db('other').collection('c').insertOne({ _id: 0 } as never);
    for (const [role, [db]] of Object.entries(TABLE)) {
      await boss.db(db).command({ createUser: `u_${role}`, pwd: `pw-u_${role}`, roles: [{ role, db }] });
    }
  });

  after(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await server?.close();
  });

  for (const [role, [db, allowed]] of Object.entries(TABLE)) {
    test(`${role}@${db}`, async () => {
      const client = login(`u_${role}`, db);
      const wrong: string[] = [];
      for (const [i, [name, probe]] of Object.entries(PROBES).entries()) {
        let denied = false;
        try {
          await probe(client, role);
        } catch (err) {
          if (!(err instanceof MongoServerError)) throw err;
          denied = err.code === 13;
          if (!denied && allowed[i]) wrong.push(`${name}: failed with ${err.code} ${err.message}`);
        }
        if (denied === allowed[i]) wrong.push(`${name}: ${denied ? 'denied' : 'allowed'}, expected ${allowed[i] ? 'allowed' : 'denied'}`);
      }
      assert.deepEqual(wrong, []);
    });
  }
});
