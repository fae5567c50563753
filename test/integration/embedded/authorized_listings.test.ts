import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Document } from '../../../src/bson/types.js';
import type { Authorization } from '../../../src/auth/authorization.js';
import { dispatch } from '../../../src/commands/dispatch.js';
import type { Client } from '../../../src/index.js';
import { openClient } from '../../helpers/embedded.js';
import { roleAuthorization } from '../../helpers/role_authorization.js';

// listDatabases and listCollections run with a connection's Authorization, as the dispatcher will pass it with
// access control on: they list what the user may see.
let client: Client;
let cleanup: () => Promise<void>;
const connection = { id: 7, remoteAddress: 'test', localAddress: 'test', state: {} };

before(async () => {
  ({ client, cleanup } = await openClient('memory'));
  for (const [db, coll] of [['alpha', 'a1'], ['alpha', 'a2'], ['beta', 'b1'], ['gamma', 'g1']] as const) {
    await client.runCommand(db, { insert: coll, documents: [{ _id: 1 }] });
  }
});
after(() => cleanup());

function run(cmd: Document, authz?: Authorization): Promise<Document> {
  return dispatch(client.serverContext, cmd, connection, authz ? { authz } : {});
}

const names = (reply: Document, path: 'databases' | 'cursor'): string[] =>
  path === 'databases' ? (reply.databases as Document[]).map((d) => d.name as string) : ((reply.cursor as Document).firstBatch as Document[]).map((d) => d.name as string);

test('listDatabases lists every database to whoever may list them all, and only those a user has privileges on otherwise', async () => {
  const all = await run({ listDatabases: 1, nameOnly: true, $db: 'admin' }, roleAuthorization({ user: 'r', db: 'admin' }, [{ role: 'readAnyDatabase', db: 'admin' }]));
  assert.deepEqual(names(all, 'databases').filter((n) => ['alpha', 'beta', 'gamma'].includes(n)), ['alpha', 'beta', 'gamma']);
  const user = roleAuthorization({ user: 'u', db: 'alpha' }, [{ role: 'read', db: 'alpha' }], [{ resource: { db: 'gamma', collection: 'g1' }, actions: ['find'] }]);
  assert.deepEqual(names(await run({ listDatabases: 1, nameOnly: true, $db: 'admin' }, user), 'databases'), ['alpha', 'gamma']);
  const withSizes = await run({ listDatabases: 1, $db: 'admin' }, user);
  assert.deepEqual(names(withSizes, 'databases'), ['alpha', 'gamma']);
  assert.equal(withSizes.totalSize, (withSizes.databases as Document[]).reduce((s, d) => s + (d.sizeOnDisk as number), 0));
});

test('listDatabases: authorizedDatabases true filters even for a user who may list all; false without the privilege is Unauthorized', async () => {
  const admin = roleAuthorization({ user: 'a', db: 'admin' }, [{ role: 'read', db: 'beta' }], [{ resource: { cluster: true }, actions: ['listDatabases'] }]);
  assert.deepEqual(names(await run({ listDatabases: 1, nameOnly: true, $db: 'admin' }, admin), 'databases').filter((n) => ['alpha', 'beta', 'gamma'].includes(n)), ['alpha', 'beta', 'gamma']);
  assert.deepEqual(names(await run({ listDatabases: 1, nameOnly: true, authorizedDatabases: true, $db: 'admin' }, admin), 'databases'), ['beta']);
  const user = roleAuthorization({ user: 'u', db: 'alpha' }, [{ role: 'read', db: 'alpha' }]);
  const refused = await run({ listDatabases: 1, authorizedDatabases: false, $db: 'admin' }, user);
  assert.equal(refused.ok, 0);
  assert.equal(refused.code, 13);
  assert.equal(refused.errmsg, 'Insufficient permissions to list all databases');
});

test('listDatabases without access control lists everything, authorizedDatabases or not', async () => {
  assert.deepEqual(names(await run({ listDatabases: 1, nameOnly: true, authorizedDatabases: true, $db: 'admin' }), 'databases').filter((n) => ['alpha', 'beta', 'gamma'].includes(n)), ['alpha', 'beta', 'gamma']);
});

test('listCollections with authorizedCollections lists only the collections the user has privileges on', async () => {
  const user = roleAuthorization({ user: 'u', db: 'alpha' }, [], [{ resource: { db: 'alpha', collection: 'a2' }, actions: ['insert'] }]);
  const reply = await run({ listCollections: 1, nameOnly: true, authorizedCollections: true, $db: 'alpha' }, user);
  assert.deepEqual(names(reply, 'cursor'), ['a2']);
  const reader = roleAuthorization({ user: 'r', db: 'alpha' }, [{ role: 'read', db: 'alpha' }]);
  assert.deepEqual(names(await run({ listCollections: 1, authorizedCollections: true, $db: 'alpha' }, reader), 'cursor'), ['a1', 'a2']);
  assert.deepEqual(names(await run({ listCollections: 1, $db: 'alpha' }, user), 'cursor'), ['a1', 'a2']);
});
