// The user and role management commands through the embedded client, on every storage mode: what they store in
// admin.system.users and admin.system.roles, what usersInfo and rolesInfo show, and mongod's errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Client, Document } from '../../../src/index.js';
import { findUser, loadRoles } from '../../../src/auth/user_store.js';
import { credentialMatches, type ScramCredential } from '../../../src/auth/scram.js';
import { modes, type Mode, openClient } from '../../helpers/embedded.js';
import { rejectsWith } from '../../helpers/assertions.js';

/** A reply without the cluster time fields every reply carries. */
function body(reply: Document): Document {
  const { operationTime: _t, $clusterTime: _c, ...rest } = reply;
  return rest;
}

/** A stored credential as SCRAM code takes it: BSON numbers read back as plain numbers. */
function credentialOf(user: Document, mechanism: 'SCRAM-SHA-1' | 'SCRAM-SHA-256'): ScramCredential {
  const stored = (user.credentials as Document)[mechanism] as Document;
  return { iterationCount: Number(stored.iterationCount), salt: String(stored.salt), storedKey: String(stored.storedKey), serverKey: String(stored.serverKey) };
}

const findPriv = (actions: string[], collection = 'c') => ({ resource: { db: 'app', collection }, actions });

async function withClient(mode: Mode, fn: (client: Client) => Promise<void>): Promise<void> {
  const { client, cleanup } = await openClient(mode);
  try {
    await fn(client);
  } finally {
    await cleanup();
  }
}

for (const mode of modes()) {
  describe(`user management (${mode})`, () => {
    it('createUser stores SCRAM credentials, never the password, and findUser reads the user back', async () => {
      await withClient(mode, async (client) => {
        const app = client.db('app');
        assert.deepEqual(body(await app.command({ createUser: 'alice', pwd: 'pa55word', roles: ['read', { role: 'readWrite', db: 'other' }], customData: { team: 'x' }, writeConcern: { w: 1 } })), { ok: 1 });
        const stored = await findUser(client.serverContext.engine, { user: 'alice', db: 'app' });
        assert.ok(stored);
        assert.deepEqual(Object.keys(stored), ['_id', 'userId', 'user', 'db', 'credentials', 'customData', 'roles']);
        assert.equal(stored._id, 'app.alice');
        assert.equal((stored.userId as { sub_type: number }).sub_type, 4);
        assert.deepEqual(stored.roles, [{ role: 'read', db: 'app' }, { role: 'readWrite', db: 'other' }]);
        assert.deepEqual(Object.keys(stored.credentials), ['SCRAM-SHA-1', 'SCRAM-SHA-256']);
        for (const mechanism of ['SCRAM-SHA-1', 'SCRAM-SHA-256'] as const) {
          const credential = credentialOf(stored, mechanism);
          assert.deepEqual(Object.keys(credential), ['iterationCount', 'salt', 'storedKey', 'serverKey']);
          assert.equal(credential.iterationCount, mechanism === 'SCRAM-SHA-1' ? 10_000 : 15_000);
          assert.ok(credentialMatches(mechanism, credential, 'alice', 'pa55word'));
          assert.ok(!credentialMatches(mechanism, credential, 'alice', 'wrong'));
        }
        assert.ok(!JSON.stringify(stored).includes('pa55word'));
        const indexes = await client.db('admin').collection('system.users').listIndexes().toArray();
        assert.deepEqual(indexes.map((i) => [i.name, i.unique ?? false]), [['_id_', false], ['user_1_db_1', true]]);
      });
    });

    it('roles inherit roles: rolesInfo and usersInfo show inheritedRoles and inheritedPrivileges; cycles are refused', async () => {
      await withClient(mode, async (client) => {
        const app = client.db('app');
        await app.command({ createRole: 'base', privileges: [findPriv(['find'])], roles: [] });
        await app.command({ createRole: 'writer', privileges: [findPriv(['insert', 'update'], 'd')], roles: ['base'] });
        await app.command({ createUser: 'bob', pwd: 'pw', roles: ['writer'] });
        const { roles } = await app.command({ rolesInfo: 'writer', showPrivileges: true });
        assert.deepEqual(roles, [{
          _id: 'app.writer', role: 'writer', db: 'app',
          privileges: [findPriv(['insert', 'update'], 'd')],
          roles: [{ role: 'base', db: 'app' }],
          inheritedRoles: [{ role: 'base', db: 'app' }],
          inheritedPrivileges: [findPriv(['insert', 'update'], 'd'), findPriv(['find'])],
          isBuiltin: false,
        }]);
        const [bob] = (await app.command({ usersInfo: 'bob', showPrivileges: true })).users as Document[];
        assert.deepEqual(bob!.inheritedRoles, [{ role: 'writer', db: 'app' }, { role: 'base', db: 'app' }]);
        assert.deepEqual(bob!.inheritedPrivileges, [findPriv(['insert', 'update'], 'd'), findPriv(['find'])]);
        assert.deepEqual(bob!.inheritedAuthenticationRestrictions, []);
        assert.deepEqual(bob!.mechanisms, ['SCRAM-SHA-1', 'SCRAM-SHA-256']);
        assert.equal(bob!.credentials, undefined);
        await rejectsWith(() => app.command({ grantRolesToRole: 'base', roles: ['writer'] }), 49, {
          codeName: 'InvalidRoleModification', message: 'Granting roles to base@app would introduce a cycle in the role graph',
        });
        const stored = await loadRoles(client.serverContext.engine);
        assert.deepEqual([...stored.keys()].sort(), ['app.base', 'app.writer']);
        assert.deepEqual(stored.get('app.writer')!.roles, [{ role: 'base', db: 'app' }]);
      });
    });
  });
}

describe('user management: each command and its errors', () => {
  it('createUser refuses duplicates, unknown roles, a missing pwd, a pwd in $external, empty mechanisms', async () => {
    await withClient('memory', async (client) => {
      const app = client.db('app');
      await app.command({ createUser: 'u', pwd: 'p', roles: [] });
      await rejectsWith(() => app.command({ createUser: 'u', pwd: 'p', roles: [] }), 51003, { codeName: 'Location51003', message: 'User "u@app" already exists' });
      await rejectsWith(() => app.command({ createUser: 'v', pwd: 'p', roles: ['nope', { role: 'gone', db: 'x' }] }), 31, {
        codeName: 'RoleNotFound', message: 'Could not find roles: nope@app, gone@x',
      });
      await rejectsWith(() => app.command({ createUser: 'v', pwd: 'p', roles: ['nope'] }), 31, { message: 'Could not find role: nope@app' });
      await rejectsWith(() => app.command({ createUser: 'v', roles: [] }), 2, {
        message: "Must provide a 'pwd' field for all user documents, except those with '$external' as the user's source db",
      });
      await rejectsWith(() => client.db('$external').command({ createUser: 'CN=x', pwd: 'p', roles: [] }), 2, {
        message: "Cannot set the password for users defined on the '$external' database",
      });
      await rejectsWith(() => app.command({ createUser: 'v', pwd: 'p', roles: [], mechanisms: [] }), 2, { message: 'mechanisms field must not be empty' });
      await rejectsWith(() => app.command({ createUser: 'v', pwd: 'p', roles: [], mechanisms: ['BAD'] }), 2, { message: "Unknown auth mechanism 'BAD'" });
      await rejectsWith(() => app.command({ createUser: 'v', pwd: 'p' }), 40414, { message: "BSON field 'createUser.roles' is missing but a required field" });
      await rejectsWith(() => app.command({ createUser: 'v', pwd: 'p', roles: null }), 10065, { codeName: 'Location10065', message: 'invalid parameter: expected an object (roles)' });
      await rejectsWith(() => app.command({ createUser: 'v', pwd: true, roles: [] }), 14, { message: "BSON field 'createUser.pwd' is the wrong type 'bool', expected type 'string'" });
      await rejectsWith(() => app.command({ createUser: 'v', pwd: 'p', roles: [], passwordDigestor: 'server' }), 40415, { message: "BSON field 'createUser.passwordDigestor' is an unknown field." });
      await rejectsWith(() => app.command({ createUser: 'v', pwd: 'p', roles: [3] }), 2, { message: 'Role name must be either a document or string' });
      await rejectsWith(() => app.command({ createUser: '', pwd: 'p', roles: [] }), 2, { message: "User document needs 'user' field to be non-empty" });
      await rejectsWith(() => app.command({ createUser: 'v', pwd: '', roles: [] }), 50687, { message: 'Error preflighting UTF-8 conversion: U_STRING_NOT_TERMINATED_WARNING' });
      await rejectsWith(() => app.command({ createUser: 'v', pwd: 'p\u0000w', roles: [] }), 50692, { message: 'Error preflighting normalization: U_STRINGPREP_PROHIBITED_ERROR' });
      await rejectsWith(() => client.db('local').command({ createUser: 'v', pwd: 'p', roles: [] }), 2, { message: 'Cannot create users in the local database' });
    });
  });

  it('createUser: mechanisms, digestPassword: false (SCRAM-SHA-1 only) and $external users', async () => {
    await withClient('memory', async (client) => {
      const app = client.db('app');
      const engine = client.serverContext.engine;
      await app.command({ createUser: 'only256', pwd: 'p', roles: [], mechanisms: ['SCRAM-SHA-256'] });
      assert.deepEqual(Object.keys((await findUser(engine, { user: 'only256', db: 'app' }))!.credentials), ['SCRAM-SHA-256']);
      await rejectsWith(() => app.command({ createUser: 'digested', pwd: 'abc', roles: [], digestPassword: false }), 2, {
        message: 'Use of SCRAM-SHA-256 requires undigested passwords',
      });
      // The client's digest is MD5 of "user:mongo:password" in hex, which SCRAM-SHA-1 then hashes as its password.
      const { createHash } = await import('node:crypto');
      const digest = createHash('md5').update('digested:mongo:secret').digest('hex');
      await app.command({ createUser: 'digested', pwd: digest, roles: [], digestPassword: false, mechanisms: ['SCRAM-SHA-1'] });
      const digested = (await findUser(engine, { user: 'digested', db: 'app' }))!;
      assert.ok(credentialMatches('SCRAM-SHA-1', credentialOf(digested, 'SCRAM-SHA-1'), 'digested', 'secret'));
      await client.db('$external').command({ createUser: 'CN=client', roles: [{ role: 'read', db: 'app' }] });
      const [ext] = (await client.db('$external').command({ usersInfo: 'CN=client', showCredentials: true })).users as Document[];
      assert.deepEqual(ext!.credentials, { external: true });
      assert.deepEqual(ext!.mechanisms, ['external']);
    });
  });

  it('usersInfo: 1, a name, {user, db}, a list, forAllDBs, filter, showCredentials, showCustomData; the refused forms', async () => {
    await withClient('memory', async (client) => {
      const [a, b] = [client.db('a'), client.db('b')];
      await a.command({ createUser: 'zed', pwd: 'p', roles: [], customData: { n: 1 } });
      await a.command({ createUser: 'amy', pwd: 'p', roles: ['read'] });
      await b.command({ createUser: 'bea', pwd: 'p', roles: [], mechanisms: ['SCRAM-SHA-256'] });
      const names = (r: Document) => (r.users as Document[]).map((u) => `${u.user}@${u.db}`);
      assert.deepEqual(names(await a.command({ usersInfo: 1 })), ['amy@a', 'zed@a']);
      assert.deepEqual(names(await b.command({ usersInfo: { forAllDBs: true } })), ['amy@a', 'bea@b', 'zed@a']);
      assert.deepEqual(names(await b.command({ usersInfo: ['bea', { user: 'zed', db: 'a' }, 'missing'] })), ['bea@b', 'zed@a']);
      assert.deepEqual(names(await b.command({ usersInfo: { user: 'amy', db: 'a' } })), ['amy@a']);
      assert.deepEqual(names(await a.command({ usersInfo: 1, filter: { roles: { role: 'read', db: 'a' } } })), ['amy@a']);
      assert.deepEqual(names(await b.command({ usersInfo: { forAllDBs: true }, filter: { mechanisms: 'SCRAM-SHA-1' } })), ['amy@a', 'zed@a']);
      const [zed] = (await a.command({ usersInfo: 'zed' })).users as Document[];
      assert.deepEqual(Object.keys(zed!), ['_id', 'userId', 'user', 'db', 'customData', 'roles', 'mechanisms']);
      assert.deepEqual(zed!.customData, { n: 1 });
      const [hidden] = (await a.command({ usersInfo: 'zed', showCustomData: false })).users as Document[];
      assert.equal(hidden!.customData, undefined);
      const [withCredentials] = (await a.command({ usersInfo: 'zed', showCredentials: true })).users as Document[];
      assert.deepEqual(Object.keys(withCredentials!.credentials as Document), ['SCRAM-SHA-1', 'SCRAM-SHA-256']);
      await rejectsWith(() => a.command({ usersInfo: 1, showPrivileges: true }), 20, {
        codeName: 'IllegalOperation', message: 'Privilege or restriction details require exact-match usersInfo queries.',
      });
      await rejectsWith(() => a.command({ usersInfo: [] }), 2, { message: '$and/$or/$nor must be a nonempty array' });
      await rejectsWith(() => a.command({ usersInfo: null }), 2, { message: 'UserName must be either a string or an object' });
      await rejectsWith(() => a.command({ usersInfo: { foo: 'bar' } }), 2, { message: "UserName contains an unknown field named: 'foo" });
      await rejectsWith(() => a.command({ usersInfo: [{ user: 'x' }] }), 2, { message: 'UserName must contain a field named: db' });
      await rejectsWith(() => a.command({ usersInfo: { user: 1, db: 'a' } }), 2, { message: 'UserName must contain a string field named: user. But, has type int' });
    });
  });

  it('updateUser: password, mechanisms trimmed, customData, roles; its errors', async () => {
    await withClient('memory', async (client) => {
      const app = client.db('app');
      const engine = client.serverContext.engine;
      await app.command({ createUser: 'u', pwd: 'old', roles: [] });
      await app.command({ updateUser: 'u', pwd: 'new', customData: { k: 2 }, roles: ['read'] });
      const updated = (await findUser(engine, { user: 'u', db: 'app' }))!;
      assert.ok(credentialMatches('SCRAM-SHA-256', credentialOf(updated, 'SCRAM-SHA-256'), 'u', 'new'));
      assert.deepEqual(updated.roles, [{ role: 'read', db: 'app' }]);
      assert.deepEqual(((await app.command({ usersInfo: 'u' })).users as Document[])[0]!.customData, { k: 2 });
      await app.command({ updateUser: 'u', mechanisms: ['SCRAM-SHA-256'] });
      assert.deepEqual(Object.keys((await findUser(engine, { user: 'u', db: 'app' }))!.credentials), ['SCRAM-SHA-256']);
      await rejectsWith(() => app.command({ updateUser: 'u', mechanisms: ['SCRAM-SHA-1'] }), 2, { message: 'mechanisms field must be a subset of previously set mechanisms' });
      await rejectsWith(() => app.command({ updateUser: 'u' }), 2, { message: 'Must specify at least one field to update in updateUser' });
      await rejectsWith(() => app.command({ updateUser: 'nobody', pwd: 'x' }), 11, { codeName: 'UserNotFound', message: 'User nobody@app not found' });
      await rejectsWith(() => app.command({ updateUser: 'u', roles: ['nope'] }), 31, { message: 'Could not find role: nope@app' });
    });
  });

  it('grantRolesToUser, revokeRolesFromUser, dropUser and dropAllUsersFromDatabase', async () => {
    await withClient('memory', async (client) => {
      const app = client.db('app');
      const engine = client.serverContext.engine;
      await app.command({ createUser: 'u', pwd: 'p', roles: ['read'] });
      await app.command({ grantRolesToUser: 'u', roles: ['readWrite', 'read', { role: 'read', db: 'x' }] });
      assert.deepEqual((await findUser(engine, { user: 'u', db: 'app' }))!.roles, [{ role: 'read', db: 'app' }, { role: 'readWrite', db: 'app' }, { role: 'read', db: 'x' }]);
      await app.command({ revokeRolesFromUser: 'u', roles: ['read'] });
      assert.deepEqual((await findUser(engine, { user: 'u', db: 'app' }))!.roles, [{ role: 'readWrite', db: 'app' }, { role: 'read', db: 'x' }]);
      await rejectsWith(() => app.command({ grantRolesToUser: 'u', roles: [] }), 2, { message: 'grantRolesToUser command requires a non-empty "roles" array' });
      await rejectsWith(() => app.command({ grantRolesToUser: 'ghost', roles: ['read'] }), 11, { message: 'Could not find user "ghost" for db "app"' });
      await rejectsWith(() => app.command({ revokeRolesFromUser: 'u', roles: ['nope'] }), 31, { message: 'Could not find role: nope@app' });
      assert.deepEqual(body(await app.command({ dropUser: 'u' })), { ok: 1 });
      assert.equal(await findUser(engine, { user: 'u', db: 'app' }), null);
      await rejectsWith(() => app.command({ dropUser: 'u' }), 11, { message: "User 'u@app' not found" });
      await app.command({ createUser: 'x', pwd: 'p', roles: [] });
      await app.command({ createUser: 'y', pwd: 'p', roles: [] });
      await client.db('other').command({ createUser: 'z', pwd: 'p', roles: [] });
      assert.deepEqual(body(await app.command({ dropAllUsersFromDatabase: 1 })), { n: 2, ok: 1 });
      assert.deepEqual(body(await app.command({ dropAllUsersFromDatabase: 1 })), { n: 0, ok: 1 });
      assert.ok(await findUser(engine, { user: 'z', db: 'other' }));
    });
  });

  it('createRole and updateRole: privileges checked and merged, built-in names and other databases refused', async () => {
    await withClient('memory', async (client) => {
      const app = client.db('app');
      await app.command({ createRole: 'r', privileges: [findPriv(['find']), findPriv(['insert'])], roles: [] });
      const [r] = (await app.command({ rolesInfo: 'r', showPrivileges: true })).roles as Document[];
      assert.deepEqual(r!.privileges, [findPriv(['find', 'insert'])]);
      await rejectsWith(() => app.command({ createRole: 'r', privileges: [], roles: [] }), 51002, { codeName: 'Location51002', message: 'Role "r@app" already exists' });
      await rejectsWith(() => app.command({ createRole: 'read', privileges: [], roles: [] }), 2, { message: 'Cannot create roles with the same name as a built-in role' });
      await rejectsWith(() => app.command({ createRole: '', privileges: [], roles: [] }), 2, { message: 'Role name must be non-empty' });
      await rejectsWith(() => app.command({ createRole: 'x', privileges: [findPriv(['find', 'fly', 'swim'])], roles: [] }), 2, {
        message: "Unknown action types in privilege set: 'fly', 'swim'",
      });
      await rejectsWith(() => app.command({ createRole: 'x', privileges: [{ resource: { db: 'other', collection: '' }, actions: ['find'] }], roles: [] }), 49, {
        message: "Roles on the 'app' database cannot be granted privileges that target other databases or the cluster",
      });
      await rejectsWith(() => app.command({ createRole: 'x', privileges: [], roles: [{ role: 'read', db: 'other' }] }), 49, {
        message: "Roles on the 'app' database cannot be granted roles from other databases",
      });
      await rejectsWith(() => app.command({ createRole: 'x', privileges: [], roles: ['nope'] }), 31, { message: "Cannot grant roles to 'x@app': Could not find role: nope@app" });
      await rejectsWith(() => app.command({ createRole: 'x', privileges: [{ resource: { cluster: true, db: 'a' }, actions: ['find'] }], roles: [] }), 2, {
        message: "resource: {cluster: true} conflicts with resource type 'db'",
      });
      await rejectsWith(() => app.command({ createRole: 'x', privileges: [{ resource: { db: 'app' }, actions: ['find'] }], roles: [] }), 2, {
        message: "resource pattern must contain 'collection' or 'systemBuckets' specifier",
      });
      await rejectsWith(() => app.command({ createRole: 'x', privileges: [{ resource: { db: 'app', collection: '' }, actions: [] }], roles: [] }), 2, {
        message: "'actions' field of privilege resource must not be empty",
      });
      await rejectsWith(() => app.command({ createRole: 'x', privileges: [{ resource: { db: 'app', collection: '' } }], roles: [] }), 40414, {
        message: "BSON field 'createRole.privileges.actions' is missing but a required field",
      });
      await rejectsWith(() => app.command({ createRole: 'x', privileges: [{ resource: { db: 'app', collection: '', x: 1 }, actions: ['find'] }], roles: [] }), 40415, {
        message: "BSON field 'createRole.privileges.resource.x' is an unknown field.",
      });
      await client.db('admin').command({ createRole: 'ops', privileges: [{ resource: { cluster: true }, actions: ['serverStatus'] }], roles: [{ role: 'read', db: 'app' }] });
      await app.command({ updateRole: 'r', privileges: [findPriv(['update'])], roles: ['read'] });
      const [after] = (await app.command({ rolesInfo: 'r', showPrivileges: true })).roles as Document[];
      assert.deepEqual([after!.privileges, after!.roles], [[findPriv(['update'])], [{ role: 'read', db: 'app' }]]);
      await rejectsWith(() => app.command({ updateRole: 'r' }), 2, { message: 'Must specify at least one field to update in updateRole' });
      await rejectsWith(() => app.command({ updateRole: 'nope', roles: [] }), 31, { message: 'Could not find role: nope@app' });
    });
  });

  it('grant and revoke privileges and roles of a role; dropRole and dropAllRolesFromDatabase clean up references', async () => {
    await withClient('memory', async (client) => {
      const app = client.db('app');
      await app.command({ createRole: 'a', privileges: [findPriv(['find'])], roles: [] });
      await app.command({ createRole: 'b', privileges: [], roles: [] });
      await app.command({ grantPrivilegesToRole: 'b', privileges: [findPriv(['insert', 'find']), findPriv(['find'], 'd')] });
      await app.command({ revokePrivilegesFromRole: 'b', privileges: [findPriv(['find'])] });
      const [b] = (await app.command({ rolesInfo: 'b', showPrivileges: true })).roles as Document[];
      assert.deepEqual(b!.privileges, [findPriv(['insert']), findPriv(['find'], 'd')]);
      await app.command({ grantRolesToRole: 'b', roles: ['a', 'read'] });
      await app.command({ revokeRolesFromRole: 'b', roles: ['read'] });
      await app.command({ createUser: 'u', pwd: 'p', roles: ['a', 'b', 'read'] });
      await rejectsWith(() => app.command({ grantRolesToRole: 'b', roles: ['b'] }), 49, { message: 'Cannot grant role b@app to itself.' });
      await rejectsWith(() => app.command({ grantPrivilegesToRole: 'read', privileges: [findPriv(['find'])] }), 2, { message: 'read@app is a built-in role and cannot be modified' });
      await rejectsWith(() => app.command({ grantPrivilegesToRole: 'ghost', privileges: [findPriv(['find'])] }), 31, { message: 'Role ghost@app not found' });
      await rejectsWith(() => app.command({ dropRole: 'read' }), 2, { message: 'read@app is a built-in role and cannot be modified' });
      await rejectsWith(() => app.command({ dropRole: 'ghost' }), 31, { message: 'Could not find role: ghost@app' });
      assert.deepEqual(body(await app.command({ dropRole: 'a' })), { ok: 1 });
      const engine = client.serverContext.engine;
      assert.deepEqual((await findUser(engine, { user: 'u', db: 'app' }))!.roles, [{ role: 'b', db: 'app' }, { role: 'read', db: 'app' }]);
      assert.deepEqual((await loadRoles(engine)).get('app.b')!.roles, []);
      await app.command({ createRole: 'c', privileges: [], roles: ['b'] });
      assert.deepEqual(body(await app.command({ dropAllRolesFromDatabase: 1 })), { n: 2, ok: 1 });
      assert.deepEqual((await findUser(engine, { user: 'u', db: 'app' }))!.roles, [{ role: 'read', db: 'app' }], 'built-in roles stay granted');
      assert.equal((await loadRoles(engine)).size, 0);
    });
  });

  it('rolesInfo: 1 with showBuiltinRoles, a built-in role, asUserFragment, and the refused forms', async () => {
    await withClient('memory', async (client) => {
      const app = client.db('app');
      await app.command({ createRole: 'mine', privileges: [findPriv(['find'])], roles: ['read'] });
      const all = (await app.command({ rolesInfo: 1, showBuiltinRoles: true })).roles as Document[];
      assert.ok(all.some((r) => r.role === 'read' && r.isBuiltin === true));
      assert.deepEqual(all.filter((r) => !r.isBuiltin).map((r) => r.role), ['mine']);
      assert.deepEqual((await app.command({ rolesInfo: 1 })).roles, [{
        _id: 'app.mine', role: 'mine', db: 'app', roles: [{ role: 'read', db: 'app' }], isBuiltin: false, inheritedRoles: [{ role: 'read', db: 'app' }],
      }]);
      const [read] = (await app.command({ rolesInfo: { role: 'read', db: 'app' }, showPrivileges: true })).roles as Document[];
      assert.deepEqual(Object.keys(read!), ['db', 'role', 'roles', 'privileges', 'inheritedRoles', 'inheritedPrivileges', 'isBuiltin']);
      assert.deepEqual(read!.inheritedPrivileges, read!.privileges);
      const fragment = body(await app.command({ rolesInfo: ['mine'], showPrivileges: 'asUserFragment' }));
      assert.deepEqual(Object.keys(fragment), ['userFragment', 'ok']);
      assert.deepEqual((fragment.userFragment as Document).inheritedRoles, [{ role: 'mine', db: 'app' }, { role: 'read', db: 'app' }]);
      assert.deepEqual((await app.command({ rolesInfo: ['nope'] })).roles, []);
      await rejectsWith(() => app.command({ rolesInfo: 1, showPrivileges: 'asUserFragment' }), 20, { message: 'Cannot get user fragment for all roles in a database' });
      await rejectsWith(() => app.command({ rolesInfo: true }), 2, { message: 'RoleName must be either a string or an object' });
      await rejectsWith(() => app.command({ rolesInfo: 'x', showPrivileges: 'yes' }), 2);
    });
  });

  it('every change tells access control to refresh', async () => {
    await withClient('memory', async (client) => {
      const control = client.serverContext.accessControl;
      const before = control.generation;
      const app = client.db('app');
      await app.command({ createUser: 'u', pwd: 'p', roles: [] });
      await app.command({ createRole: 'r', privileges: [], roles: [] });
      await app.command({ grantRolesToUser: 'u', roles: ['r'] });
      await app.command({ usersInfo: 1 });
      await app.command({ dropRole: 'r' });
      await app.command({ dropUser: 'u' });
      assert.equal(control.generation - before, 5);
    });
  });
});
