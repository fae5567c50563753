import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, MongoServerError, ObjectId } from 'mongodb';
import { startServer, ServerStartupError, type RunningServer } from '../../../src/server/index.js';
import { eventToEntry, jsonSafe, type LogEntry } from '../../../src/server/log.js';
import { Long, ObjectId as BsonObjectId } from 'bson';
import { dispatch } from '../../../src/commands/dispatch.js';
import { opMsgCommand, opQueryCommand, RawConnection, zlibCompressed } from './raw_socket.js';

function clientFor(server: RunningServer, query = ''): MongoClient {
  return new MongoClient(`mongodb://${server.address}/?replicaSet=rs0&serverSelectionTimeoutMS=5000${query}`);
}

async function rejectsWith(promise: Promise<unknown>, code: number, message?: string | RegExp): Promise<MongoServerError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof MongoServerError, `expected a MongoServerError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected error ${code}`);
}

/** Polls `check` (every 20 ms, up to 2 s) until it returns true. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('eddydb server in-process, through the official driver', () => {
  let server: RunningServer;
  let client: MongoClient;
  const logs: LogEntry[] = [];
  const topologyTypes: string[] = [];

  before(async () => {
    server = await startServer({
      port: 0, bindIp: '127.0.0.1', dbpath: ':memory:', replSet: 'rs0', enableTestCommands: true,
      argv: ['eddydb', 'serve', '--setParameter', 'enableTestCommands=1'],
      log: (e) => logs.push(e),
    });
    client = clientFor(server, '&appName=servertest');
    client.on('topologyDescriptionChanged', (e) => topologyTypes.push(e.newDescription.type));
    await client.connect();
  });

  after(async () => {
    await client?.close();
    await server?.close();
  });

  test('the listening address is logged as mongod does', () => {
    assert.match(server.address, /^127\.0\.0\.1:\d+$/);
    const waiting = logs.find((e) => e.msg === 'Waiting for connections');
    assert.ok(waiting, 'Waiting for connections logged');
    assert.equal(waiting.c, 'NETWORK');
    assert.equal(waiting.s, 'I');
    assert.deepEqual({ port: waiting.attr?.port, address: waiting.attr?.address }, { port: server.port, address: server.address });
    assert.match(waiting.t.$date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
  });

  test('hello answers as the primary of a one-member replica set', async () => {
    const admin = client.db('admin');
    const hello = await admin.command({ hello: 1, helloOk: true });
    assert.equal(hello.ok, 1);
    assert.equal(hello.isWritablePrimary, true);
    assert.equal('ismaster' in hello, false);
    assert.equal(hello.secondary, false);
    assert.equal(hello.setName, 'rs0');
    assert.equal(hello.setVersion, 1);
    assert.deepEqual(hello.hosts, [server.address]);
    assert.equal(hello.primary, server.address);
    assert.equal(hello.me, server.address);
    assert.ok(hello.electionId instanceof ObjectId);
    assert.equal(hello.electionId.toHexString(), '7fffffff0000000000000001');
    assert.equal(hello.minWireVersion, 0);
    assert.equal(hello.maxWireVersion, 25);
    assert.equal(hello.maxBsonObjectSize, 16777216);
    assert.equal(hello.maxMessageSizeBytes, 48000000);
    assert.equal(hello.maxWriteBatchSize, 100000);
    assert.equal(hello.logicalSessionTimeoutMinutes, 30);
    assert.ok(hello.localTime instanceof Date);
    assert.equal(typeof hello.connectionId, 'number');
    assert.equal(hello.readOnly, false);
    assert.equal(hello.helloOk, true);
    assert.equal('topologyVersion' in hello, false, 'no awaitable hello, so no topologyVersion');
    assert.equal('msg' in hello, false, 'not a mongos');
    assert.ok(hello.operationTime, 'operationTime on every reply');
    assert.ok(hello.$clusterTime?.clusterTime, '$clusterTime on every reply');

    for (const legacy of ['isMaster', 'ismaster']) {
      const reply = await admin.command({ [legacy]: 1 });
      assert.equal(reply.ismaster, true, legacy);
      assert.equal('isWritablePrimary' in reply, false, legacy);
      assert.equal('helloOk' in reply, false, `${legacy} without helloOk`);
      assert.equal(reply.setName, 'rs0');
    }
  });

  test('the driver sees a replica set with a primary', () => {
    assert.ok(topologyTypes.includes('ReplicaSetWithPrimary'), `topology types seen: ${topologyTypes.join(', ')}`);
  });

  test('hello refuses client metadata after the first handshake of a connection', async () => {
    await rejectsWith(
      client.db('admin').command({ hello: 1, client: { application: { name: 'again' } } }),
      186,
      'The client metadata document may only be sent in the first hello',
    );
  });

  test('ping, and an unknown command answers CommandNotFound with mongod\'s message', async () => {
    assert.equal((await client.db('test').command({ ping: 1 })).ok, 1);
    const err = await rejectsWith(client.db('test').command({ foo: 1 }), 59, "no such command: 'foo'");
    assert.equal(err.codeName, 'CommandNotFound');
    // Answering isdbgrid would make the server look like a mongos.
    await rejectsWith(client.db('admin').command({ isdbgrid: 1 }), 59, "no such command: 'isdbgrid'");
  });

  test('buildInfo reports version and versionArray', async () => {
    for (const name of ['buildInfo', 'buildinfo']) {
      const info = await client.db('test').command({ [name]: 1 });
      assert.equal(info.version, '8.0.0');
      assert.deepEqual(info.versionArray, [8, 0, 0, 0]);
      assert.equal(info.bits, 64);
      assert.equal(info.debug, false);
      assert.equal(info.maxBsonObjectSize, 16777216);
      assert.deepEqual(info.storageEngines, ['eddydb']);
      assert.equal(info.javascriptEngine, 'none');
      assert.deepEqual(info.modules, []);
      assert.equal('dataLake' in info, false);
      assert.equal('openssl' in info, false);
    }
  });

  test('getParameter: all, named, unknown, and only on admin', async () => {
    const admin = client.db('admin');
    const all = await admin.command({ getParameter: '*' });
    assert.equal(all.enableTestCommands, true);
    assert.deepEqual(all.featureCompatibilityVersion, { version: '8.0' });
    assert.deepEqual(all.authenticationMechanisms, ['MONGODB-X509', 'SCRAM-SHA-1', 'SCRAM-SHA-256']);
    assert.equal(all.requireApiVersion, false);

    const named = await admin.command({ getParameter: 1, featureCompatibilityVersion: 1, noSuchParameter: 1, comment: 'x' });
    const { ok, operationTime, $clusterTime, ...params } = named;
    assert.equal(ok, 1);
    assert.ok(operationTime && $clusterTime);
    assert.deepEqual(params, { featureCompatibilityVersion: { version: '8.0' } });

    const detailed = await admin.command({ getParameter: { showDetails: true }, enableTestCommands: 1 });
    assert.deepEqual(detailed.enableTestCommands, { value: true, settableAtRuntime: false, settableAtStartup: true });

    await rejectsWith(admin.command({ getParameter: 1, noSuchParameter: 1 }), 72, 'no option found to get');
    await rejectsWith(client.db('test').command({ getParameter: '*' }), 13, /may only be run against the admin database/);
  });

  test('getCmdLineOpts reports argv and the parsed options', async () => {
    const opts = await client.db('admin').command({ getCmdLineOpts: 1 });
    assert.deepEqual(opts.argv, ['eddydb', 'serve', '--setParameter', 'enableTestCommands=1']);
    assert.equal(opts.parsed.setParameter.enableTestCommands, '1');
    assert.equal(opts.parsed.replication.replSet, 'rs0');
    assert.equal(opts.parsed.net.bindIp, '127.0.0.1');
  });

  test('insertOne and find round trip', async () => {
    const coll = client.db('servertest').collection('things');
    const inserted = await coll.insertOne({ name: 'a', n: 1 });
    assert.ok(inserted.insertedId instanceof ObjectId);
    await coll.insertMany([{ name: 'b', n: 2 }, { name: 'c', n: 3 }]);
    const found = await coll.find({ n: { $gte: 2 } }).sort({ n: 1 }).toArray();
    assert.deepEqual(found.map((d) => d.name), ['b', 'c']);
  });

  test('serverStatus: identity, storage engine, connections, opcounters, repl; sections can be left out', async () => {
    const admin = client.db('admin');
    const before = await admin.command({ serverStatus: 1 });
    assert.equal(before.process, 'mongod');
    assert.equal(before.version, '8.0.0');
    assert.equal(typeof before.host, 'string');
    assert.equal(before.storageEngine.name, 'eddydb');
    assert.equal(before.storageEngine.persistent, false);
    assert.ok(before.localTime instanceof Date);
    assert.ok(before.uptimeMillis >= 0);
    assert.ok(before.connections.current >= 1);
    assert.ok(before.connections.totalCreated >= before.connections.current);
    assert.ok(before.connections.available > 0);
    assert.equal(before.repl.setName, 'rs0');
    assert.equal(before.repl.isWritablePrimary, true);
    assert.equal(before.repl.primary, server.address);
    assert.deepEqual(before.repl.hosts, [server.address]);
    assert.equal(typeof before.mem.resident, 'number');
    assert.equal(before.asserts.regular, 0);

    await client.db('servertest').collection('counted').insertMany([{ a: 1 }, { a: 2 }, { a: 3 }]);
    await client.db('servertest').collection('counted').find().toArray();
    const afterInsert = await admin.command({ serverStatus: 1 });
    assert.equal(afterInsert.opcounters.insert - before.opcounters.insert, 3);
    assert.ok(afterInsert.opcounters.query - before.opcounters.query >= 1);
    assert.ok(afterInsert.opcounters.command > before.opcounters.command);

    const trimmed = await admin.command({ serverStatus: 1, repl: 0, opcounters: false, host: 0 });
    assert.equal('repl' in trimmed, false);
    assert.equal('opcounters' in trimmed, false);
    assert.equal(typeof trimmed.host, 'string', 'host cannot be left out');
  });

  test('closed connections are no longer counted', async () => {
    const admin = client.db('admin');
    const baseline = (await admin.command({ serverStatus: 1 })).connections;
    const other = clientFor(server);
    await other.connect();
    await other.db('admin').command({ ping: 1 });
    const during = (await admin.command({ serverStatus: 1 })).connections;
    assert.ok(during.current > baseline.current);
    assert.ok(during.totalCreated > baseline.totalCreated);
    await other.close();
    await eventually(async () => (await admin.command({ serverStatus: 1 })).connections.current === baseline.current, 'connection count to drop');
  });

  test('listCommands lists every command and alias, test commands included when enabled, no isdbgrid', async () => {
    const { commands } = await client.db('admin').command({ listCommands: 1 });
    for (const name of ['hello', 'isMaster', 'ismaster', 'buildInfo', 'ping', 'find', 'insert', 'aggregate', 'getMore', 'serverStatus', 'configureFailPoint']) {
      assert.ok(name in commands, `${name} listed`);
    }
    assert.equal('isdbgrid' in commands, false);
    assert.equal(commands.getParameter.adminOnly, true);
    assert.equal(commands.ping.adminOnly, false);
    const names = Object.keys(commands);
    assert.deepEqual(names, [...names].sort());
  });

  test('whatsmyuri, connectionStatus, hostInfo', async () => {
    const admin = client.db('admin');
    assert.match((await admin.command({ whatsmyuri: 1 })).you, /^127\.0\.0\.1:\d+$/);
    const status = await admin.command({ connectionStatus: 1 });
    assert.deepEqual(status.authInfo, { authenticatedUsers: [], authenticatedUserRoles: [] });
    const host = await admin.command({ hostInfo: 1 });
    assert.equal(typeof host.system.hostname, 'string');
    assert.ok(host.system.numCores >= 1);
    assert.equal(typeof host.os.type, 'string');
  });

  test('replSetGetStatus and replSetGetConfig describe a one-member set', async () => {
    const status = await client.db('admin').command({ replSetGetStatus: 1 });
    assert.equal(status.set, 'rs0');
    assert.equal(status.myState, 1);
    assert.equal(status.members.length, 1);
    const [me] = status.members;
    assert.deepEqual(
      { _id: me._id, name: me.name, health: me.health, state: me.state, stateStr: me.stateStr, self: me.self },
      { _id: 0, name: server.address, health: 1, state: 1, stateStr: 'PRIMARY', self: true },
    );
    const { config } = await client.db('admin').command({ replSetGetConfig: 1 });
    assert.equal(config._id, 'rs0');
    assert.equal(config.members[0].host, server.address);
  });

  test('dbStats and collStats count what is stored', async () => {
    const db = client.db('statsdb');
    const coll = db.collection('items');
    await coll.insertMany([{ x: 1 }, { x: 2 }, { x: 3 }, { x: 4 }]);
    await coll.createIndex({ x: 1 });
    await db.createCollection('view1', { viewOn: 'items', pipeline: [] });

    const stats = await db.command({ collStats: 'items' });
    assert.equal(stats.ns, 'statsdb.items');
    assert.equal(stats.count, 4);
    assert.ok(stats.size > 0);
    assert.equal(stats.avgObjSize, Math.trunc(stats.size / 4));
    assert.equal(stats.nindexes, 2);
    assert.deepEqual(Object.keys(stats.indexSizes).sort(), ['_id_', 'x_1']);
    assert.ok(stats.indexSizes._id_ > 0 && stats.indexSizes.x_1 > 0);
    assert.equal(stats.totalIndexSize, stats.indexSizes._id_ + stats.indexSizes.x_1);
    assert.equal(stats.capped, false);
    assert.equal(stats.scaleFactor, 1);

    const scaled = await db.command({ collStats: 'items', scale: 1024 });
    assert.equal(scaled.size, Math.trunc(stats.size / 1024));
    assert.equal(scaled.scaleFactor, 1024);

    const missing = await db.command({ collStats: 'nothing' });
    assert.equal(missing.ok, 1);
    assert.equal(missing.count, 0);
    assert.equal(missing.nindexes, 0);

    await rejectsWith(db.command({ collStats: 'view1' }), 166, 'Namespace statsdb.view1 is a view, not a collection');
    await rejectsWith(db.command({ collStats: 'items', scale: 0 }), 2, 'scale has to be > 0');

    const dbStats = await db.command({ dbStats: 1 });
    assert.equal(dbStats.db, 'statsdb');
    assert.equal(dbStats.collections, 1);
    assert.equal(dbStats.views, 1);
    assert.equal(dbStats.objects, 4);
    assert.equal(dbStats.dataSize, stats.size);
    assert.equal(dbStats.indexes, 2);
    assert.equal(dbStats.indexSize, stats.totalIndexSize);
    assert.equal(dbStats.totalSize, stats.size + stats.totalIndexSize);

    const empty = await client.db('nosuchdb').command({ dbStats: 1 });
    assert.deepEqual([empty.collections, empty.objects, empty.dataSize], [0, 0, 0]);
    await rejectsWith(db.command({ dbStats: 1, scale: -1 }), 2, 'scale has to be >= 1');
  });

  test('authentication fails with AuthenticationFailed, saying that the server has no users; logout is ok', async () => {
    await rejectsWith(
      client.db('admin').command({ saslStart: 1, mechanism: 'SCRAM-SHA-256', payload: Buffer.from('n,,n=u,r=abc') }),
      18,
      'Authentication failed: this server has no users (create one with createUser; see --auth)',
    );
    assert.equal((await client.db('admin').command({ logout: 1 })).ok, 1);
  });

  test('getLog, currentOp, killOp', async () => {
    const admin = client.db('admin');
    assert.deepEqual((await admin.command({ getLog: '*' })).names, ['global', 'startupWarnings']);
    // Startup warnings are tested in startup_warnings.test.ts; without --auth the first is mongod's access-control warning.
    const warnings = (await admin.command({ getLog: 'startupWarnings' })).log as string[];
    assert.equal(JSON.parse(warnings[0]!).id, 22120);
    const global = await admin.command({ getLog: 'global' });
    assert.ok(global.log.some((line: string) => JSON.parse(line).msg === 'Waiting for connections'));
    // The currentOp command is running, so it lists itself.
    const inprog = (await admin.command({ currentOp: 1 })).inprog as { command: { currentOp?: unknown } }[];
    assert.ok(inprog.some((op) => op.command.currentOp === 1));
    assert.equal((await admin.command({ killOp: 1, op: 12345 })).info, 'attempting to kill op');
  });

  test('the handshake records appName for fail points, and logs the client metadata', () => {
    const metadata = logs.find((e) => e.msg === 'client metadata' && JSON.stringify(e.attr).includes('servertest'));
    assert.ok(metadata, 'client metadata logged');
    assert.equal(metadata.c, 'NETWORK');
  });

  test('hello negotiates compression in the client\'s order and tells the connection', async () => {
    let negotiated: string[] | undefined;
    const conn = { id: 999, remoteAddress: '127.0.0.1:1', localAddress: server.address, state: {} as Record<string, unknown> };
    const reply = await dispatch(server.context, { hello: 1, compression: ['snappy', 'zstd', 'zlib'], client: { application: { name: 'x' } }, $db: 'admin' }, conn, {
      setCompressors: (names) => {
        negotiated = names;
      },
    });
    assert.deepEqual(negotiated, ['snappy', 'zlib']);
    assert.deepEqual(reply.compression, ['snappy', 'zlib']);
    assert.equal(conn.state.appName, 'x');

    negotiated = undefined;
    const none = await dispatch(server.context, { hello: 1, compression: ['zstd'], $db: 'admin' }, { ...conn, state: {} }, {
      setCompressors: (names) => {
        negotiated = names;
      },
    });
    assert.deepEqual(negotiated, []);
    assert.equal('compression' in none, false, 'mongod leaves compression out when nothing was agreed');

    const bad = await dispatch(server.context, { hello: 1, compression: 'zlib', $db: 'admin' }, { ...conn, state: {} });
    assert.equal(bad.ok, 0);
    assert.equal(bad.code, 2);
  });

  test('a raw connection: OP_QUERY handshake gets OP_REPLY, then zlib-compressed OP_MSG both ways', async () => {
    const raw = await RawConnection.open(server.port);
    try {
      const hello = await raw.send(opQueryCommand(1, { isMaster: 1, helloOk: true, compression: ['zlib'], client: { application: { name: 'raw' } } }));
      assert.equal(hello.wireOpCode, 1, 'OP_REPLY');
      assert.equal(hello.doc.ismaster, true);
      assert.deepEqual(hello.doc.compression, ['zlib']);
      const ping = await raw.send(zlibCompressed(opMsgCommand(2, { ping: 1, $db: 'admin' })));
      assert.equal(ping.wireOpCode, 2012, 'the reply comes compressed');
      assert.equal(ping.compressorId, 2);
      assert.equal(ping.doc.ok, 1);
      // mongod 6.0+ refuses commands other than the handshake over OP_QUERY.
      const legacy = await raw.send(opQueryCommand(3, { ping: 1 }));
      assert.equal(legacy.doc.ok, 0);
      assert.equal(legacy.doc.code, 352);
    } finally {
      raw.close();
    }
  });

  for (const compressor of ['zlib', 'snappy']) {
  test(`the driver with compressors=${compressor} runs commands and CRUD`, async () => {
    const zipped = clientFor(server, `&compressors=${compressor}`);
    const seen: string[] = [];
    try {
      await zipped.connect();
      const coll = zipped.db('servertest').collection<{ _id: number; text: string }>(`zipped_${compressor}`);
      await coll.insertOne({ _id: 1, text: 'x'.repeat(10_000) });
      const doc = await coll.findOne({ _id: 1 });
      assert.equal(doc?.text.length, 10_000);
      const hello = await zipped.db('admin').command({ hello: 1, compression: [compressor] });
      seen.push(...((hello.compression as string[] | undefined) ?? []));
      assert.deepEqual(seen, [compressor]);
    } finally {
      await zipped.close();
    }
  });
  }
});

describe('eddydb server lifecycle in-process', () => {
  test('close() ends open cursors and later commands fail to connect', async () => {
    const server = await startServer({ port: 0, bindIp: '127.0.0.1', dbpath: ':memory:', replSet: 'rs0', enableTestCommands: false });
    const client = clientFor(server);
    try {
      await client.connect();
      const coll = client.db('t').collection('c');
      await coll.insertMany([{ a: 1 }, { a: 2 }, { a: 3 }]);
      const cursor = coll.find({}, { batchSize: 1 });
      assert.ok(await cursor.next());
      const stream = coll.watch();
      assert.equal(await stream.tryNext(), null);
      assert.equal(server.engine.cursors.size, 2, 'a find cursor and a change stream stay open on the server');
      const getParameter = await client.db('admin').command({ getParameter: 1, enableTestCommands: 1 });
      assert.equal(getParameter.enableTestCommands, false);
      await rejectsWith(client.db('admin').command({ configureFailPoint: 'failCommand', mode: 'off' }), 59);
      await server.close();
      assert.equal(server.engine.cursors.size, 0);
      assert.equal(server.engine.isClosed, true);
      await server.close(); // idempotent
    } finally {
      await client.close(true);
      await server.close();
    }
  });

  test('a second server on the same dbpath refuses with DBPathInUse; the folder is free again after close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eddydb-server-'));
    try {
      const first = await startServer({ port: 0, bindIp: '127.0.0.1', dbpath: dir, replSet: 'rs0', enableTestCommands: false });
      try {
        await assert.rejects(
          startServer({ port: 0, bindIp: '127.0.0.1', dbpath: dir, replSet: 'rs0', enableTestCommands: false }),
          (err: unknown) => {
            assert.ok(err instanceof ServerStartupError);
            assert.equal(err.codeName, 'DBPathInUse');
            assert.equal(err.exitCode, 100);
            assert.match(err.message, /^DBPathInUse: Unable to lock the lock file: .*mongod\.lock \(Resource temporarily unavailable\)\. Another mongod instance is already running on the .* directory$/);
            return true;
          },
        );
      } finally {
        await first.close();
      }
      const again = await startServer({ port: 0, bindIp: '127.0.0.1', dbpath: dir, replSet: 'rs0', enableTestCommands: false });
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a port in use is a SocketException (exit code 48) and leaves nothing open', async () => {
    const first = await startServer({ port: 0, bindIp: '127.0.0.1', dbpath: ':memory:', replSet: 'rs0', enableTestCommands: false });
    try {
      await assert.rejects(
        startServer({ port: first.port, bindIp: '127.0.0.1', dbpath: ':memory:', replSet: 'rs0', enableTestCommands: false }),
        (err: unknown) => err instanceof ServerStartupError && err.exitCode === 48 && /Address already in use/.test(err.message),
      );
    } finally {
      await first.close();
    }
  });

  test('several bind addresses share one port', async (t) => {
    const hasIpv6Loopback = Object.values(networkInterfaces()).some((list) => list?.some((i) => i.address === '::1'));
    if (!hasIpv6Loopback) {
      t.skip('no IPv6 loopback on this machine');
      return;
    }
    const server = await startServer({ port: 0, bindIp: '127.0.0.1,::1', dbpath: ':memory:', replSet: 'rs0', enableTestCommands: false });
    try {
      for (const host of ['127.0.0.1', '[::1]']) {
        const client = new MongoClient(`mongodb://${host}:${server.port}/?directConnection=true&serverSelectionTimeoutMS=3000`);
        try {
          const hello = await client.db('admin').command({ hello: 1 });
          assert.equal(hello.me, `${host}:${server.port}`, 'me is the address the client used');
        } finally {
          await client.close();
        }
      }
    } finally {
      await server.close();
    }
  });

  test('slow commands are logged as mongod does (COMMAND "Slow query")', async () => {
    const logs: LogEntry[] = [];
    const server = await startServer({ port: 0, bindIp: '127.0.0.1', dbpath: ':memory:', replSet: 'rs0', enableTestCommands: false, slowMs: -1, log: (e) => logs.push(e) });
    const client = clientFor(server);
    try {
      await client.db('admin').command({ ping: 1 });
      const slow = logs.find((e) => e.msg === 'Slow query' && (e.attr?.command as { ping?: unknown } | undefined)?.ping !== undefined);
      assert.ok(slow, 'ping logged as slow with slowMs -1');
      assert.equal(slow.c, 'COMMAND');
      assert.equal(slow.id, 51803);
      assert.match(slow.ctx, /^conn\d+$/);
      assert.equal(slow.attr?.type, 'command');
      assert.equal(slow.attr?.ns, 'admin.$cmd');
      assert.equal(typeof slow.attr?.durationMillis, 'number');
      assert.equal(typeof slow.attr?.reslen, 'number');
      assert.equal(slow.attr?.protocol, 'op_msg');
    } finally {
      await client.close();
      await server.close();
    }
    const shutdown = logs.map((e) => e.msg);
    assert.ok(shutdown.includes('Shutdown started') && shutdown.includes('Storage closed'));
  });
});

describe('log lines', () => {
  test('attributes are made JSON-safe', () => {
    const when = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6));
    assert.deepEqual(jsonSafe({ a: 5n, b: 2n ** 64n, c: Long.fromNumber(7), d: new BsonObjectId('7fffffff0000000000000001'), e: when, f: [undefined, NaN] }), {
      a: 5, b: '18446744073709551616', c: 7, d: '7fffffff0000000000000001', e: { $date: '2024-01-02T03:04:05.006+00:00' }, f: [null, 'NaN'],
    });
    const text = JSON.stringify(eventToEntry({ msg: 'Connection ended', id: 4, remote: '127.0.0.1:5', connectionCount: 0 }));
    const entry = JSON.parse(text);
    assert.deepEqual({ s: entry.s, c: entry.c, id: entry.id, ctx: entry.ctx, msg: entry.msg }, { s: 'I', c: 'NETWORK', id: 22944, ctx: 'conn4', msg: 'Connection ended' });
    assert.deepEqual(entry.attr, { remote: '127.0.0.1:5', connectionCount: 0, connectionId: 4 });
  });
});
