// Access control (--auth) through the official driver: unauthenticated commands, built-in and user-defined roles,
// change streams' find + changeStream requirement at each scope, cursors tied to their user, and a revoked
// privilege ending an open stream at its next getMore. Users and roles are written into admin.system.users/roles
// before access control is turned on (a restart on the same files), so this suite depends only on authorization.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, MongoServerError, type ChangeStream } from 'mongodb';
import { startInProcess } from '../driver/harness.js';
import type { RunningServer } from '../../../src/server/index.js';
import { scramCredential } from '../../../src/auth/scram.js';

type RoleRef = { role: string; db: string };

function user(name: string, roles: RoleRef[]) {
  return { _id: `admin.${name}`, user: name, db: 'admin', credentials: { 'SCRAM-SHA-256': scramCredential('SCRAM-SHA-256', name, `pw-${name}`) }, roles };
}

function role(name: string, privileges: unknown[], roles: RoleRef[] = []) {
  return { _id: `admin.${name}`, role: name, db: 'admin', privileges, roles };
}

async function rejects13(action: Promise<unknown>, message?: string | RegExp): Promise<void> {
  await assert.rejects(action, (err: unknown) => {
    assert.ok(err instanceof MongoServerError, String(err));
    assert.equal(err.code, 13, err.message);
    assert.equal(err.codeName, 'Unauthorized');
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}

describe('authorization with --auth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddydb-authz-'));
  const dbpath = join(dir, 'db');
  let server: RunningServer;
  const clients: MongoClient[] = [];

  async function as(name: string | null, options: Record<string, unknown> = {}): Promise<MongoClient> {
    const auth = name === null ? '' : `${name}:pw-${name}@`;
    const client = new MongoClient(`mongodb://${auth}${server.address}/?authSource=admin`, { directConnection: true, serverSelectionTimeoutMS: 5000, ...options });
    await client.connect();
    clients.push(client);
    return client;
  }

  before(async () => {
    const setup = await startInProcess({ dbpath });
    const client = new MongoClient(`mongodb://${setup.address}/`, { directConnection: true });
    const admin = client.db('admin');
    await admin.collection('system.roles').insertMany([
      role('findOnly', [{ resource: { db: 'test', collection: '' }, actions: ['find'] }]),
      role('streamer', [{ resource: { db: 'test', collection: 'c' }, actions: ['find', 'changeStream'] }]),
      role('inherits', [], [{ role: 'streamer', db: 'admin' }]),
      // root itself may not write admin.system.roles directly (as on mongod); this role may.
      role('roleEditor', [{ resource: { db: 'admin', collection: 'system.roles' }, actions: ['update'] }], [{ role: 'readWrite', db: 'test' }]),
    ] as never[]);
    await admin.collection('system.users').insertMany([
      user('root', [{ role: 'root', db: 'admin' }]),
      user('reader', [{ role: 'read', db: 'test' }]),
      user('writer', [{ role: 'readWrite', db: 'test' }]),
      user('finder', [{ role: 'findOnly', db: 'admin' }]),
      user('streamer', [{ role: 'inherits', db: 'admin' }]),
      user('anyreader', [{ role: 'readAnyDatabase', db: 'admin' }]),
      user('editor', [{ role: 'roleEditor', db: 'admin' }]),
    ] as never[]);
    await client.db('test').collection('c').insertOne({ _id: 1 } as never);
    await client.close();
    await setup.close();
    server = await startInProcess({ dbpath, auth: true });
  });

  after(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('without a user, commands that need privileges fail with "requires authentication"; hello and ping do not', async () => {
    const anonymous = await as(null);
    await anonymous.db('admin').command({ ping: 1 });
    await anonymous.db('admin').command({ hello: 1 });
    await rejects13(anonymous.db('test').collection('c').findOne({}), 'Command find requires authentication');
    await rejects13(anonymous.db('test').collection('c').insertOne({}), 'Command insert requires authentication');
  });

  test('root may not write admin.system.roles directly, as on mongod', async () => {
    const root = await as('root');
    await rejects13(root.db('admin').collection('system.roles').updateOne({ _id: 'admin.streamer' } as never, { $set: { x: 1 } }));
  });

  test('read may find and not insert; readWrite may insert; neither may read admin.system.users', async () => {
    const reader = await as('reader');
    assert.deepEqual(await reader.db('test').collection('c').findOne({ _id: 1 } as never), { _id: 1 });
    await rejects13(reader.db('test').collection('c').insertOne({ x: 1 }), /^not authorized on test to execute command \{ insert: "c"/);
    const writer = await as('writer');
    await writer.db('test').collection('c').insertOne({ _id: 2 } as never);
    for (const client of [reader, writer]) await rejects13(client.db('admin').collection('system.users').findOne({}));
    await rejects13(reader.db('other').collection('c').findOne({}));
  });

  test('a change stream needs find and changeStream: a user with find alone gets 13', async () => {
    const finder = await as('finder');
    await finder.db('test').collection('c').findOne({});
    await rejects13(finder.db('test').collection('c').watch().tryNext());
    const streamer = await as('streamer');
    const stream = streamer.db('test').collection('c').watch();
    try {
      assert.equal(await stream.tryNext(), null);
    } finally {
      await stream.close();
    }
    // A collection privilege does not reach the database or another collection.
    await rejects13(streamer.db('test').watch().tryNext());
    await rejects13(streamer.db('test').collection('d').watch().tryNext());
  });

  test('a cluster stream needs find and changeStream on every database; readAnyDatabase has them, read@test does not', async () => {
    const any = await as('anyreader');
    const stream = any.watch();
    try {
      assert.equal(await stream.tryNext(), null);
    } finally {
      await stream.close();
    }
    const reader = await as('reader');
    await rejects13(reader.watch().tryNext());
    const dbStream = reader.db('test').watch();
    try {
      assert.equal(await dbStream.tryNext(), null);
    } finally {
      await dbStream.close();
    }
  });

  test("another user's getMore on a cursor is refused", async () => {
    const reader = await as('reader', { maxPoolSize: 1 });
    const writer = await as('writer', { maxPoolSize: 1 });
    const first = await reader.db('test').command({ find: 'c', batchSize: 0 });
    const id = first.cursor.id;
    assert.notEqual(String(id), '0');
    await rejects13(writer.db('test').command({ getMore: id, collection: 'c' }), `cursor id ${id} was not created by the authenticated user`);
    await rejects13(writer.db('test').command({ killCursors: 'c', cursors: [id] }));
    const more = await reader.db('test').command({ getMore: id, collection: 'c' });
    assert.ok(more.cursor.nextBatch.length >= 1);
  });

  test('$currentOp without allUsers shows only the user\'s own operations; allUsers and killOp of others need privileges', async () => {
    const reader = await as('reader');
    const root = await as('root');
    const mine = await reader.db('admin').aggregate([{ $currentOp: { idleConnections: true } }]).toArray();
    assert.ok(mine.length >= 1);
    for (const entry of mine) {
      if (entry.active) assert.deepEqual(entry.effectiveUsers, [{ user: 'reader', db: 'admin' }]);
    }
    const everyone = await root.db('admin').aggregate([{ $currentOp: { allUsers: true, idleConnections: true } }]).toArray();
    assert.ok(everyone.length > mine.length);
    await rejects13(reader.db('admin').aggregate([{ $currentOp: { allUsers: true } }]).toArray());
    await rejects13(reader.db('admin').command({ killOp: 1, op: 123456 }));
    await root.db('admin').command({ killOp: 1, op: 123456 });
  });

  test('revoking a privilege ends an open change stream at its next getMore', async () => {
    const root = await as('editor');
    const streamer = await as('streamer');
    const stream: ChangeStream = streamer.db('test').collection('c').watch([], { maxAwaitTimeMS: 50 });
    assert.equal(await stream.tryNext(), null);
    await root.db('test').collection('c').insertOne({ _id: 'seen' } as never);
    const event = await stream.next();
    assert.equal((event as { documentKey: { _id: unknown } }).documentKey._id, 'seen');
    await root.db('admin').collection('system.roles').updateOne({ _id: 'admin.streamer' } as never, { $set: { privileges: [{ resource: { db: 'test', collection: 'c' }, actions: ['find'] }] } });
    await root.db('test').collection('c').insertOne({ _id: 'unseen' } as never);
    await rejects13(stream.next(), /not authorized for getMore with cursor id/);
    assert.equal(stream.closed, true);
  });
});
