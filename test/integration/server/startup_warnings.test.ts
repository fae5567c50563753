/**
 * mongod's startup warnings: logged (component CONTROL, severity W, tagged startupWarnings) and returned by
 * getLog('startupWarnings') as the JSON of those lines, which mongosh shows on connecting.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient } from 'mongodb';
import { startServer, type LogEntry, type RunningServer, type StartServerOptions } from '../../../src/server/index.js';

const ROOT = process.getuid?.() === 0;

describe('startup warnings', () => {
  const servers: RunningServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  async function start(options: Partial<StartServerOptions>): Promise<{ server: RunningServer; logs: LogEntry[]; ids: number[] }> {
    const logs: LogEntry[] = [];
    const server = await startServer({
      port: 0, bindIp: '127.0.0.1', dbpath: ':memory:', replSet: 'rs0', enableTestCommands: false, log: (e) => logs.push(e), ...options,
    });
    servers.push(server);
    const ids = server.context.stats.startupWarnings.map((line) => (JSON.parse(line) as LogEntry).id);
    return { server, logs, ids };
  }

  test('without --auth: mongod\'s access-control warning, in the log and in getLog(\'startupWarnings\')', async () => {
    const { server, logs, ids } = await start({});
    assert.deepEqual(ids, ROOT ? [22120, 22138] : [22120]);
    const client = new MongoClient(`mongodb://${server.address}/?replicaSet=rs0&serverSelectionTimeoutMS=5000`);
    try {
      const reply = await client.db('admin').command({ getLog: 'startupWarnings' });
      assert.equal(reply.totalLinesWritten, ids.length);
      const first = JSON.parse(reply.log[0]) as LogEntry;
      assert.equal(first.s, 'W');
      assert.equal(first.c, 'CONTROL');
      assert.equal(first.ctx, 'initandlisten');
      assert.equal(first.msg, 'Access control is not enabled for the database. Read and write access to data and configuration is unrestricted');
      assert.deepEqual(first.tags, ['startupWarnings']);
      assert.match(first.t.$date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
      // The very line the log received, and it is in the global log too.
      const logged = logs.find((l) => l.id === 22120)!;
      assert.equal(reply.log[0], JSON.stringify(logged));
      const global = (await client.db('admin').command({ getLog: 'global' })).log as string[];
      assert.ok(global.includes(reply.log[0]));
      // Warnings come before the server listens, as in mongod.
      assert.ok(logs.findIndex((l) => l.id === 22120) < logs.findIndex((l) => l.msg === 'Waiting for connections'));
    } finally {
      await client.close();
    }
  });

  test('bound to every interface without --auth: a loud warning that anyone on the network can read and write', async () => {
    const { server, ids } = await start({ bindIp: '0.0.0.0' });
    assert.deepEqual(ids.slice(0, 2), [22120, 0]);
    const exposed = JSON.parse(server.context.stats.startupWarnings[1]!) as LogEntry;
    assert.equal(exposed.s, 'W');
    assert.match(exposed.msg, /^This server is bound to all network interfaces and access control is not enabled\. Anyone who can reach it over the network can read and change all data and configuration\./);
    assert.deepEqual(exposed.attr, { bindIp: ['0.0.0.0'] });
    const client = new MongoClient(`mongodb://127.0.0.1:${server.port}/?directConnection=true&serverSelectionTimeoutMS=5000`);
    try {
      const reply = await client.db('admin').command({ getLog: 'startupWarnings' });
      assert.equal((JSON.parse(reply.log[1]) as LogEntry).msg, exposed.msg);
    } finally {
      await client.close();
    }
    const { ids: loopbackIds } = await start({ bindIp: 'localhost' });
    assert.equal(loopbackIds.includes(0), false, 'loopback addresses expose nothing');
  });

  test('with --auth: no access-control warning, bound anywhere', async () => {
    const { ids, logs } = await start({ auth: true, bindIp: '0.0.0.0' });
    assert.deepEqual(ids, ROOT ? [22138] : []);
    assert.equal(logs.some((l) => l.id === 22120), false);
  });

  test('a key file turns access control on and becomes the cluster key, never logged', async () => {
    const key = 'c2VjcmV0LWNsdXN0ZXIta2V5';
    const { server, ids, logs } = await start({ keyFile: key });
    assert.equal(server.context.options.auth, true);
    assert.equal(server.context.options.clusterKey, key);
    assert.equal(ids.includes(22120), false);
    assert.equal(logs.some((l) => JSON.stringify(l).includes(key)), false);
    assert.equal(JSON.stringify(server.context.options.parsed).includes(key), false);
  });

  test('a command line that names no address gets mongod\'s bound-to-localhost warning', async () => {
    const { ids } = await start({ parsed: {} });
    assert.equal(ids.at(-1), 22140);
    const { ids: named } = await start({ parsed: { net: { bindIp: '127.0.0.1' } } });
    assert.equal(named.includes(22140), false);
  });
});
