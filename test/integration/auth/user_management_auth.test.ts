// Users made by createUser, with --auth, through the official driver: the first one through the localhost exception,
// then authentication with the credentials createUser stored (SCRAM-SHA-256 and SCRAM-SHA-1), a changed password,
// a role granted or revoked taking effect on a connection already open, and a dropped user locked out.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient, MongoServerError } from 'mongodb';
import { startInProcess } from '../driver/harness.js';
import type { RunningServer } from '../../../src/server/index.js';

describe('users made with createUser, under --auth', () => {
  let server: RunningServer;
  const open: MongoClient[] = [];

  async function connect(auth: string, extra = ''): Promise<MongoClient> {
    const client = new MongoClient(`mongodb://${auth}@${server.address}/${extra}`, { directConnection: true, serverSelectionTimeoutMS: 5000 });
    open.push(client);
    await client.connect();
    return client;
  }

  async function authenticationFails(auth: string, extra = ''): Promise<void> {
    await assert.rejects(connect(auth, extra), (err: unknown) => err instanceof MongoServerError && err.code === 18);
  }

  before(async () => {
    server = await startInProcess({ auth: true });
    // The localhost exception: with no user yet, a loopback client may create the first one.
    const bootstrap = new MongoClient(`mongodb://${server.address}/`, { directConnection: true });
    try {
      await bootstrap.db('admin').command({ createUser: 'root', pwd: 'root-pw', roles: ['root'] });
    } finally {
      await bootstrap.close();
    }
  });

  after(async () => {
    for (const client of open) await client.close();
    await server.close();
  });

  test('the user createUser stored authenticates with SCRAM-SHA-256 and SCRAM-SHA-1', async () => {
    for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-1']) {
      const client = await connect('root:root-pw', `?authMechanism=${mechanism}`);
      const status = await client.db('admin').command({ connectionStatus: 1 });
      assert.deepEqual(status.authInfo.authenticatedUsers, [{ user: 'root', db: 'admin' }]);
    }
    await authenticationFails('root:wrong');
  });

  test('a user with one mechanism, a changed password, roles granted and revoked on an open connection, then dropped', async () => {
    const root = await connect('root:root-pw');
    const shop = root.db('shop');
    // mongod lets a user change its own password with the changeOwnPassword action on its database.
    await shop.command({ createRole: 'selfService', privileges: [{ resource: { db: 'shop', collection: '' }, actions: ['changeOwnPassword'] }], roles: [] });
    await shop.command({ createUser: 'clerk', pwd: 'clerk-pw', roles: ['read', 'selfService'], mechanisms: ['SCRAM-SHA-256'] });
    await authenticationFails('clerk:clerk-pw', 'shop?authSource=shop&authMechanism=SCRAM-SHA-1');
    const clerk = await connect('clerk:clerk-pw', 'shop?authSource=shop');
    await assert.rejects(clerk.db('shop').collection<{ _id: number }>('items').insertOne({ _id: 1 }), (err: unknown) => err instanceof MongoServerError && err.code === 13);
    await shop.command({ grantRolesToUser: 'clerk', roles: ['readWrite'] });
    await clerk.db('shop').collection<{ _id: number }>('items').insertOne({ _id: 1 });
    await shop.command({ revokeRolesFromUser: 'clerk', roles: ['readWrite'] });
    await assert.rejects(clerk.db('shop').collection<{ _id: number }>('items').insertOne({ _id: 2 }), (err: unknown) => err instanceof MongoServerError && err.code === 13);
    assert.deepEqual(await clerk.db('shop').collection<{ _id: number }>('items').find().toArray(), [{ _id: 1 }]);

    // Its own password, yes; its roles, no.
    await clerk.db('shop').command({ updateUser: 'clerk', pwd: 'clerk-pw-2' });
    await authenticationFails('clerk:clerk-pw', 'shop?authSource=shop');
    await connect('clerk:clerk-pw-2', 'shop?authSource=shop');
    await assert.rejects(clerk.db('shop').command({ updateUser: 'clerk', roles: ['readWrite'] }), (err: unknown) => err instanceof MongoServerError && err.code === 13);

    await shop.command({ dropUser: 'clerk' });
    await authenticationFails('clerk:clerk-pw-2', 'shop?authSource=shop');
  });

  test('a user-defined role inherited by a user grants what its privileges say', async () => {
    const root = await connect('root:root-pw');
    const lib = root.db('lib');
    await lib.collection<{ _id: string }>('books').insertOne({ _id: 'b1' });
    await lib.command({ createRole: 'bookReader', privileges: [{ resource: { db: 'lib', collection: 'books' }, actions: ['find'] }], roles: [] });
    await lib.command({ createRole: 'librarian', privileges: [], roles: ['bookReader'] });
    await lib.command({ createUser: 'lee', pwd: 'lee-pw', roles: ['librarian'] });
    const lee = await connect('lee:lee-pw', 'lib?authSource=lib');
    assert.deepEqual(await lee.db('lib').collection('books').find().toArray(), [{ _id: 'b1' }]);
    await assert.rejects(lee.db('lib').collection('other').find().toArray(), (err: unknown) => err instanceof MongoServerError && err.code === 13);
    await lib.command({ dropRole: 'bookReader' });
    await assert.rejects(lee.db('lib').collection('books').find().toArray(), (err: unknown) => err instanceof MongoServerError && err.code === 13);
  });
});
