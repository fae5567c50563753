/**
 * The user and role management commands through the official driver against an in-process server: the reply
 * shapes and BSON types a driver sees, mongod's errors over the wire, role inheritance, and that a password never
 * reaches currentOp, the profiler or the slow-query log.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Binary, Int32, type Document, type MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import type { LogEntry } from '../../../src/server/log.js';
import { findUser } from '../../../src/auth/user_store.js';
import { clientFor, rejectsWith, startInProcess } from './harness.js';

describe('user and role management through the driver', () => {
  let server: RunningServer;
  let client: MongoClient;
  const logged: LogEntry[] = [];

  before(async () => {
    server = await startInProcess({ slowMs: 0, log: (entry) => logged.push(entry) });
    client = clientFor(server.address);
  });

  after(async () => {
    await client?.close();
    await server?.close();
  });

  test('createUser, then usersInfo with credentials: the stored shapes and types', async () => {
    const db = client.db('shop');
    const reply = await db.command({ createUser: 'ann', pwd: 'ann-secret', roles: ['readWrite'], customData: { desk: 4 }, writeConcern: { w: 'majority' } });
    assert.equal(Number(reply.ok), 1);
    const { users } = await db.command({ usersInfo: 'ann', showCredentials: true }, { promoteValues: false });
    assert.equal(users.length, 1);
    const ann = users[0] as Document;
    assert.deepEqual(Object.keys(ann), ['_id', 'userId', 'user', 'db', 'credentials', 'customData', 'roles', 'mechanisms']);
    assert.ok(ann.userId instanceof Binary);
    assert.equal(ann.userId.sub_type, 4);
    assert.equal(ann.userId.length(), 16);
    assert.deepEqual([ann._id, ann.user, ann.db], ['shop.ann', 'ann', 'shop']);
    assert.deepEqual(ann.roles, [{ role: 'readWrite', db: 'shop' }]);
    assert.deepEqual(ann.mechanisms, ['SCRAM-SHA-1', 'SCRAM-SHA-256']);
    const sha256 = ann.credentials['SCRAM-SHA-256'];
    assert.deepEqual(Object.keys(sha256), ['iterationCount', 'salt', 'storedKey', 'serverKey']);
    assert.ok(sha256.iterationCount instanceof Int32);
    assert.equal(Number(sha256.iterationCount), 15000);
    assert.equal(Buffer.from(sha256.salt, 'base64').length, 28);
    assert.equal(Number(ann.credentials['SCRAM-SHA-1'].iterationCount), 10000);
    assert.equal(Buffer.from(ann.credentials['SCRAM-SHA-1'].salt, 'base64').length, 16);
    assert.ok(!JSON.stringify(ann).includes('ann-secret'));
    const stored = await findUser(server.engine, { user: 'ann', db: 'shop' });
    assert.equal(stored?._id, 'shop.ann');
    const [plain] = (await db.command({ usersInfo: 'ann' })).users as Document[];
    assert.equal(plain!.credentials, undefined);
  });

  test('the password never appears in currentOp, the profile or the slow-query log', async () => {
    const db = client.db('audit');
    await db.command({ profile: 2 });
    await db.command({ createUser: 'pat', pwd: 'pat-very-secret', roles: [] });
    await db.command({ updateUser: 'pat', pwd: 'pat-newer-secret' });
    await db.command({ profile: 0 });
    const entries = await db.collection('system.profile').find({ 'command.createUser': { $exists: true } }).toArray();
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.command.pwd, 'xxx');
    const updates = await db.collection('system.profile').find({ 'command.updateUser': { $exists: true } }).toArray();
    assert.equal(updates[0]!.command.pwd, 'xxx');
    const text = JSON.stringify(logged) + JSON.stringify(await db.collection('system.profile').find().toArray());
    assert.ok(!text.includes('pat-very-secret') && !text.includes('pat-newer-secret'), 'no password logged or profiled');
    assert.ok(logged.some((e) => e.msg === 'Slow query' && JSON.stringify(e.attr).includes('"createUser":"pat"')), 'the slow-query line is there, redacted');
  });

  test('errors come back with mongod codes, codeNames and messages', async () => {
    const db = client.db('shop');
    await rejectsWith(db.command({ createUser: 'ann', pwd: 'x', roles: [] }), 51003, { codeName: 'Location51003', message: 'User "ann@shop" already exists' });
    await rejectsWith(db.command({ createUser: 'ben', pwd: 'x', roles: ['ghost'] }), 31, { codeName: 'RoleNotFound', message: 'Could not find role: ghost@shop' });
    await rejectsWith(db.command({ dropUser: 'ghost' }), 11, { codeName: 'UserNotFound', message: "User 'ghost@shop' not found" });
    await rejectsWith(db.command({ createRole: 'read', privileges: [], roles: [] }), 2, { codeName: 'BadValue' });
    await rejectsWith(db.command({ createRole: 'r', privileges: [{ resource: { db: 'shop', collection: '' }, actions: ['teleport'] }], roles: [] }), 2, {
      message: "Unknown action type in privilege set: 'teleport'",
    });
    await rejectsWith(db.command({ usersInfo: 1, showPrivileges: true }), 20, { codeName: 'IllegalOperation' });
    await rejectsWith(db.command({ createUser: 'ben', pwd: 'x', roles: [], bogus: 1 }), 40415, { message: "BSON field 'createUser.bogus' is an unknown field." });
  });

  test('a role inheriting a role: rolesInfo and usersInfo show what it adds up to; a cycle is refused', async () => {
    const db = client.db('lib');
    const onBooks = (actions: string[]) => ({ resource: { db: 'lib', collection: 'books' }, actions });
    await db.command({ createRole: 'reader', privileges: [onBooks(['find'])], roles: [] });
    await db.command({ createRole: 'editor', privileges: [onBooks(['update'])], roles: ['reader'] });
    await db.command({ createUser: 'eve', pwd: 'x', roles: ['editor'] });
    const { roles } = await db.command({ rolesInfo: { role: 'editor', db: 'lib' }, showPrivileges: true });
    assert.deepEqual(roles, [{
      _id: 'lib.editor', role: 'editor', db: 'lib', privileges: [onBooks(['update'])], roles: [{ role: 'reader', db: 'lib' }],
      inheritedRoles: [{ role: 'reader', db: 'lib' }], inheritedPrivileges: [onBooks(['update']), onBooks(['find'])],
      isBuiltin: false,
    }]);
    const [eve] = (await db.command({ usersInfo: [{ user: 'eve', db: 'lib' }], showPrivileges: true })).users as Document[];
    assert.deepEqual(eve!.inheritedRoles, [{ role: 'editor', db: 'lib' }, { role: 'reader', db: 'lib' }]);
    assert.deepEqual(eve!.inheritedPrivileges, [onBooks(['find', 'update'])]);
    await rejectsWith(db.command({ grantRolesToRole: 'reader', roles: ['editor'] }), 49, { codeName: 'InvalidRoleModification' });
    const dropped = await db.command({ dropAllRolesFromDatabase: 1, writeConcern: { w: 1 } }, { promoteValues: false });
    assert.deepEqual([dropped.n, dropped.ok].map(Number), [2, 1]);
    assert.ok(dropped.n instanceof Int32);
    const gone = await db.command({ dropAllUsersFromDatabase: 1 });
    assert.equal(Number(gone.n), 1);
  });
});
