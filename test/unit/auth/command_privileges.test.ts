import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Int32 } from 'bson';
import type { Document } from '../../../src/bson/types.js';
import type { Authorization } from '../../../src/auth/authorization.js';
import type { Privilege, RoleName } from '../../../src/auth/privilege.js';
import {
  changeStreamPrivileges,
  checkCommandAuthorization,
  commandRequiresAuth,
  hasCommandRequirement,
  requiredPrivilegesOf,
} from '../../../src/commands/support/command_privileges.js';
import { allCommands } from '../../../src/commands/registry.js';
import { MongoServerError } from '../../../src/errors/index.js';
import { roleAuthorization } from '../../helpers/role_authorization.js';

/** The built-in roles tested, the per-database ones granted on `test` (as mongod's commands_lib grants them). */
const ROLES: Record<string, RoleName> = {
  read: { role: 'read', db: 'test' },
  readWrite: { role: 'readWrite', db: 'test' },
  dbAdmin: { role: 'dbAdmin', db: 'test' },
  dbOwner: { role: 'dbOwner', db: 'test' },
  userAdmin: { role: 'userAdmin', db: 'test' },
  enableSharding: { role: 'enableSharding', db: 'test' },
  readAnyDatabase: { role: 'readAnyDatabase', db: 'admin' },
  readWriteAnyDatabase: { role: 'readWriteAnyDatabase', db: 'admin' },
  userAdminAnyDatabase: { role: 'userAdminAnyDatabase', db: 'admin' },
  dbAdminAnyDatabase: { role: 'dbAdminAnyDatabase', db: 'admin' },
  clusterMonitor: { role: 'clusterMonitor', db: 'admin' },
  hostManager: { role: 'hostManager', db: 'admin' },
  clusterManager: { role: 'clusterManager', db: 'admin' },
  clusterAdmin: { role: 'clusterAdmin', db: 'admin' },
  backup: { role: 'backup', db: 'admin' },
  restore: { role: 'restore', db: 'admin' },
  root: { role: 'root', db: 'admin' },
  __system: { role: '__system', db: 'admin' },
};
const ALL = Object.keys(ROLES);

const READ = ['read', 'readAnyDatabase', 'readWrite', 'readWriteAnyDatabase', 'dbOwner', 'backup', 'root', '__system'];
const READ_ANY = ['readAnyDatabase', 'readWriteAnyDatabase', 'backup', 'root', '__system'];
const WRITE = ['readWrite', 'readWriteAnyDatabase', 'dbOwner', 'restore', 'root', '__system'];
const WRITE_NO_RESTORE = ['readWrite', 'readWriteAnyDatabase', 'dbOwner', 'root', '__system'];
const WRITE_DB_ADMIN = ['readWrite', 'readWriteAnyDatabase', 'dbAdmin', 'dbAdminAnyDatabase', 'dbOwner', 'root', '__system'];
const READ_DB_ADMIN = ['read', 'readAnyDatabase', 'readWrite', 'readWriteAnyDatabase', 'dbAdmin', 'dbAdminAnyDatabase', 'dbOwner', 'root', '__system'];
const DB_ADMIN = ['dbAdmin', 'dbAdminAnyDatabase', 'dbOwner', 'root', '__system'];
const USER_ADMIN = ['userAdmin', 'dbOwner', 'userAdminAnyDatabase', 'restore', 'root', '__system'];
const USER_ADMIN_ANY = ['userAdminAnyDatabase', 'restore', 'root', '__system'];
const MONITORING = ['clusterMonitor', 'clusterAdmin', 'root', '__system'];
const HOST_MANAGER = ['hostManager', 'clusterAdmin', 'root', '__system'];
const COLL_STATS = [...READ_DB_ADMIN, 'clusterMonitor', 'clusterAdmin', 'backup'];

/** [what, command, database, the roles that may run it]. */
const CASES: [string, Document, string, string[]][] = [
  ['find', { find: 'c' }, 'test', READ],
  ['find in another database', { find: 'c' }, 'other', READ_ANY],
  ['count', { count: 'c' }, 'test', READ],
  ['distinct', { distinct: 'c', key: 'a' }, 'test', READ],
  ['explain of find', { explain: { find: 'c' } }, 'test', READ],
  ['explain of an upserting update', { explain: { update: 'c', updates: [{ q: {}, u: {}, upsert: true }] } }, 'test', WRITE_NO_RESTORE],
  ['insert', { insert: 'c', documents: [{}] }, 'test', WRITE],
  ['insert bypassing validation', { insert: 'c', documents: [{}], bypassDocumentValidation: true }, 'test', ['dbOwner', 'restore', 'root', '__system']],
  ['update', { update: 'c', updates: [{ q: {}, u: {} }] }, 'test', WRITE_NO_RESTORE],
  ['update with upsert', { update: 'c', updates: [{ q: {}, u: {}, upsert: true }] }, 'test', WRITE_NO_RESTORE],
  ['delete', { delete: 'c', deletes: [{ q: {}, limit: 0 }] }, 'test', WRITE_NO_RESTORE],
  ['findAndModify update', { findAndModify: 'c', update: { $set: { a: 1 } } }, 'test', WRITE_NO_RESTORE],
  ['findAndModify remove', { findAndModify: 'c', remove: true }, 'test', WRITE_NO_RESTORE],
  ['bulkWrite', { bulkWrite: 1, ops: [{ insert: 0, document: {} }], nsInfo: [{ ns: 'test.c' }] }, 'admin', WRITE],
  ['bulkWrite with numbers for flags and indexes', { bulkWrite: 1, ops: [{ update: new Int32(0), filter: {}, updateMods: {}, upsert: 1 }], nsInfo: [{ ns: 'test.c' }] }, 'admin', WRITE_NO_RESTORE],
  ['bulkWrite in two databases', { bulkWrite: 1, ops: [{ insert: 0, document: {} }, { delete: 1, filter: {} }], nsInfo: [{ ns: 'test.c' }, { ns: 'other.c' }] }, 'admin', ['readWriteAnyDatabase', 'root', '__system']],
  ['aggregate', { aggregate: 'c', pipeline: [], cursor: {} }, 'test', READ],
  ['aggregate $out', { aggregate: 'c', pipeline: [{ $out: 'out' }], cursor: {} }, 'test', WRITE_NO_RESTORE],
  ['aggregate $merge into another database', { aggregate: 'c', pipeline: [{ $merge: { into: { db: 'other', coll: 'x' } } }], cursor: {} }, 'test', ['readWriteAnyDatabase', 'root', '__system']],
  ['aggregate $lookup', { aggregate: 'c', pipeline: [{ $lookup: { from: 'd', localField: 'a', foreignField: 'b', as: 'r' } }], cursor: {} }, 'test', READ],
  ['aggregate $lookup of $documents reads no collection', { aggregate: 'c', pipeline: [{ $lookup: { from: 'secret', pipeline: [{ $documents: [{}] }], as: 'r' } }], cursor: {} }, 'test', READ],
  ['aggregate $unionWith of another database reading it', { aggregate: 'c', pipeline: [{ $unionWith: { coll: 'd', pipeline: [{ $documents: [{}] }] } }], cursor: {} }, 'other', READ_ANY],
  ['aggregate $lookup of system.js', { aggregate: 'c', pipeline: [{ $lookup: { from: 'system.js', pipeline: [], as: 'r' } }], cursor: {} }, 'test', READ],
  ['aggregate $unionWith another database', { aggregate: 'c', pipeline: [{ $unionWith: { coll: 'd', pipeline: [{ $lookup: { from: { db: 'other', coll: 'e' }, pipeline: [], as: 'r' } }] } }], cursor: {} }, 'test', READ_ANY],
  ['aggregate $facet with $lookup', { aggregate: 'c', pipeline: [{ $facet: { a: [{ $lookup: { from: 'system.users', pipeline: [], as: 'r' } }] } }], cursor: {} }, 'test', ['backup', 'root', '__system']],
  ['aggregate $collStats', { aggregate: 'c', pipeline: [{ $collStats: { latencyStats: {} } }], cursor: {} }, 'test', COLL_STATS],
  ['aggregate $indexStats', { aggregate: 'c', pipeline: [{ $indexStats: {} }], cursor: {} }, 'test', MONITORING],
  ['aggregate $currentOp of all users', { aggregate: 1, pipeline: [{ $currentOp: { allUsers: true } }], cursor: {} }, 'admin', MONITORING],
  ['aggregate $currentOp of own operations', { aggregate: 1, pipeline: [{ $currentOp: {} }], cursor: {} }, 'admin', ALL],
  ['aggregate $listSessions of own sessions', { aggregate: 'system.sessions', pipeline: [{ $listSessions: {} }], cursor: {} }, 'config', ALL],
  ['aggregate $listSessions naming only itself', { aggregate: 'system.sessions', pipeline: [{ $listSessions: { users: [{ user: 'u', db: 'admin' }] } }], cursor: {} }, 'config', ALL],
  ['aggregate $listSessions naming another user', { aggregate: 'system.sessions', pipeline: [{ $listSessions: { users: [{ user: 'v', db: 'admin' }] } }], cursor: {} }, 'config', ['clusterMonitor', 'clusterManager', 'clusterAdmin', 'root', '__system']],
  ['aggregate $listSessions of all users', { aggregate: 'system.sessions', pipeline: [{ $listSessions: { allUsers: true } }], cursor: {} }, 'config', ['clusterMonitor', 'clusterManager', 'clusterAdmin', 'root', '__system']],
  ['aggregate $documents', { aggregate: 1, pipeline: [{ $documents: [{ a: 1 }] }], cursor: {} }, 'test', ALL],
  ['collStats', { collStats: 'c' }, 'test', COLL_STATS],
  ['dbStats', { dbStats: 1 }, 'test', [...READ_DB_ADMIN, 'clusterMonitor', 'clusterAdmin']],
  ['listIndexes', { listIndexes: 'c' }, 'test', [...READ_DB_ADMIN, 'backup']],
  ['listCollections', { listCollections: 1 }, 'test', [...READ_DB_ADMIN, 'backup', 'restore']],
  // Every role here has some privilege reaching `test` (any-normal ones included).
  ['listCollections of authorized names', { listCollections: 1, authorizedCollections: true, nameOnly: true }, 'test', ALL],
  // In local, any-normal reaches nothing, but a collection name (system.js, system.profile) reaches every database.
  ['listCollections of authorized names in local', { listCollections: 1, authorizedCollections: true, nameOnly: true }, 'local', ['readAnyDatabase', 'readWriteAnyDatabase', 'dbAdminAnyDatabase', 'clusterMonitor', 'clusterManager', 'clusterAdmin', 'userAdminAnyDatabase', 'backup', 'restore', 'root', '__system']],
  ['listDatabases', { listDatabases: 1 }, 'admin', ALL],
  ['create', { create: 'c' }, 'test', [...WRITE_DB_ADMIN, 'restore']],
  ['create a capped collection', { create: 'c', capped: true, size: 1000 }, 'test', [...WRITE_DB_ADMIN, 'restore']],
  // Who cannot read the view may define it: it learns nothing through it.
  ['create a view', { create: 'v', viewOn: 'c', pipeline: [] }, 'test', [...WRITE_DB_ADMIN, 'restore']],
  ['create a view of another database', { create: 'v', viewOn: 'c', pipeline: [{ $lookup: { from: { db: 'other', coll: 'x' }, pipeline: [], as: 'r' } }] }, 'test', ['readWriteAnyDatabase', 'dbAdmin', 'dbAdminAnyDatabase', 'restore', 'root', '__system']],
  ['createIndexes', { createIndexes: 'c', indexes: [] }, 'test', [...WRITE_DB_ADMIN, 'restore']],
  ['dropIndexes', { dropIndexes: 'c', index: '*' }, 'test', WRITE_DB_ADMIN],
  ['drop', { drop: 'c' }, 'test', [...WRITE_DB_ADMIN, 'restore']],
  ['dropDatabase', { dropDatabase: 1 }, 'test', [...DB_ADMIN, 'clusterAdmin']],
  ['collMod', { collMod: 'c' }, 'test', [...DB_ADMIN, 'restore']],
  ['validate', { validate: 'c' }, 'test', DB_ADMIN],
  ['profile: set the level', { profile: 0 }, 'test', DB_ADMIN],
  ['profile: read the settings', { profile: -1 }, 'test', [...DB_ADMIN, 'clusterMonitor', 'clusterAdmin', 'backup']],
  ['createSearchIndexes', { createSearchIndexes: 'c', indexes: [] }, 'test', [...WRITE_DB_ADMIN, 'restore']],
  ['renameCollection within a database', { renameCollection: 'test.x', to: 'test.y' }, 'admin', WRITE_DB_ADMIN],
  ['renameCollection within a database, dropping the target', { renameCollection: 'test.x', to: 'test.y', dropTarget: true }, 'admin', WRITE_DB_ADMIN],
  ['renameCollection across databases', { renameCollection: 'test.x', to: 'other.y' }, 'admin', ['readWriteAnyDatabase', 'root', '__system']],
  ['createUser', { createUser: 'u', pwd: 'p', roles: [] }, 'test', USER_ADMIN],
  ['createUser granting a role of its database', { createUser: 'u', pwd: 'p', roles: ['read'] }, 'test', USER_ADMIN],
  ['createUser granting a role of another database', { createUser: 'u', pwd: 'p', roles: [{ role: 'read', db: 'other' }] }, 'test', USER_ADMIN_ANY],
  ['dropUser', { dropUser: 'u' }, 'test', USER_ADMIN],
  ['dropAllUsersFromDatabase', { dropAllUsersFromDatabase: 1 }, 'test', USER_ADMIN],
  ['usersInfo of the database', { usersInfo: 1 }, 'test', USER_ADMIN],
  ['usersInfo of every database', { usersInfo: { forAllDBs: true } }, 'admin', ['userAdminAnyDatabase', 'root', '__system']],
  ['grantRolesToUser', { grantRolesToUser: 'u', roles: [{ role: 'read', db: 'other' }] }, 'test', USER_ADMIN_ANY],
  ['revokeRolesFromUser', { revokeRolesFromUser: 'u', roles: ['read'] }, 'test', USER_ADMIN],
  ['updateUser setting roles', { updateUser: 'u', roles: ['read'] }, 'test', USER_ADMIN_ANY],
  ['updateUser setting a password', { updateUser: 'u', pwd: 'p' }, 'test', USER_ADMIN],
  ['createRole with privileges on its database', { createRole: 'r', roles: [], privileges: [{ resource: { db: 'test', collection: 'c' }, actions: ['find'] }] }, 'test', USER_ADMIN],
  ['createRole with a cluster privilege', { createRole: 'r', roles: [], privileges: [{ resource: { cluster: true }, actions: ['serverStatus'] }] }, 'test', USER_ADMIN_ANY],
  ['updateRole', { updateRole: 'r', roles: [] }, 'test', USER_ADMIN_ANY],
  ['grantPrivilegesToRole on any database', { grantPrivilegesToRole: 'r', privileges: [{ resource: { db: '', collection: '' }, actions: ['find'] }] }, 'test', USER_ADMIN_ANY],
  ['revokePrivilegesFromRole', { revokePrivilegesFromRole: 'r', privileges: [{ resource: { db: 'test', collection: '' }, actions: ['find'] }] }, 'test', USER_ADMIN],
  ['rolesInfo of the database', { rolesInfo: 1 }, 'test', USER_ADMIN],
  ['dropRole', { dropRole: 'r' }, 'test', USER_ADMIN],
  ['serverStatus', { serverStatus: 1 }, 'admin', [...MONITORING, 'backup']],
  ['hostInfo', { hostInfo: 1 }, 'admin', MONITORING],
  ['getCmdLineOpts', { getCmdLineOpts: 1 }, 'admin', MONITORING],
  ['getLog', { getLog: 'global' }, 'admin', MONITORING],
  ['getParameter', { getParameter: 1, featureCompatibilityVersion: 1 }, 'admin', [...MONITORING, 'backup', 'restore']],
  ['setParameter', { setParameter: 1, logLevel: 1 }, 'admin', HOST_MANAGER],
  ['replSetGetStatus', { replSetGetStatus: 1 }, 'admin', [...MONITORING, 'clusterManager']],
  ['replSetGetConfig', { replSetGetConfig: 1 }, 'admin', [...MONITORING, 'clusterManager']],
  ['currentOp', { currentOp: 1 }, 'admin', MONITORING],
  ['currentOp of own operations', { currentOp: 1, $ownOps: true }, 'admin', ALL],
  ['killOp (its own operations, killOp checks)', { killOp: 1, op: 12 }, 'admin', ALL],
  ['fsync', { fsync: 1 }, 'admin', HOST_MANAGER],
  ['fsyncUnlock', { fsyncUnlock: 1 }, 'admin', HOST_MANAGER],
  ['top', { top: 1 }, 'admin', MONITORING],
  ['killAllSessions', { killAllSessions: [] }, 'admin', HOST_MANAGER],
  ['getMore (the cursor decides)', { getMore: 1n, collection: 'c' }, 'test', ALL],
  ['endSessions', { endSessions: [] }, 'admin', ALL],
  ['whatsmyuri', { whatsmyuri: 1 }, 'admin', ALL],
  ['find on admin.system.users', { find: 'system.users' }, 'admin', ['userAdminAnyDatabase', 'backup', 'restore', 'root', '__system']],
  ['insert into admin.system.users', { insert: 'system.users', documents: [{}] }, 'admin', ['restore', 'root', '__system']],
  ['find on test.system.users', { find: 'system.users' }, 'test', ['userAdminAnyDatabase', 'backup', 'restore', 'root', '__system']],
  ['find on test.system.js', { find: 'system.js' }, 'test', READ],
  ['find on test.system.profile', { find: 'system.profile' }, 'test', [...DB_ADMIN, 'clusterMonitor', 'clusterAdmin', 'backup']],
  ['find on test.system.views', { find: 'system.views' }, 'test', ['__system']],
  ['find on local.oplog.rs', { find: 'oplog.rs' }, 'local', ['clusterMonitor', 'clusterAdmin', 'backup', 'root', '__system']],
  ['find on config.transactions', { find: 'transactions' }, 'config', ['clusterMonitor', 'clusterManager', 'clusterAdmin', 'backup', 'root', '__system']],
];

function runs(authz: Authorization, cmd: Document, db: string): boolean {
  try {
    checkCommandAuthorization(Object.keys(cmd)[0]!, cmd, db, authz);
    return true;
  } catch (err) {
    if (err instanceof MongoServerError && err.code === 13) return false;
    throw err;
  }
}

test("each built-in role runs exactly the commands mongod lets it run", () => {
  const wrong: string[] = [];
  for (const [what, cmd, db, allowed] of CASES) {
    const actual = ALL.filter((name) => runs(roleAuthorization({ user: 'u', db: 'admin' }, [ROLES[name]!]), cmd, db));
    const extra = actual.filter((r) => !allowed.includes(r));
    const missing = allowed.filter((r) => !actual.includes(r));
    if (extra.length + missing.length > 0) wrong.push(`${what}: also allowed ${extra.join(',') || '-'}; refused ${missing.join(',') || '-'}`);
  }
  assert.deepEqual(wrong, []);
});

test('every registered command has its privileges in the table', () => {
  for (const { command, aliases } of allCommands()) {
    for (const name of [command.name, ...(aliases ?? [])]) assert.ok(hasCommandRequirement(name), name);
  }
});

test('the handshake, authentication and liveness commands need no authentication; the rest do', () => {
  const open = ['authenticate', 'buildInfo', 'buildinfo', 'connectionStatus', 'hello', 'isMaster', 'ismaster', 'listCommands', 'logout', 'ping', 'saslContinue', 'saslStart'];
  for (const name of open) assert.equal(commandRequiresAuth(name), false, name);
  for (const name of ['find', 'whatsmyuri', 'endSessions', 'startSession', 'getMore', 'listDatabases', 'usersInfo']) assert.equal(commandRequiresAuth(name), true, name);
  const nobody = roleAuthorization(null, []);
  for (const name of open) checkCommandAuthorization(name, { [name]: 1 }, 'admin', nobody);
});

function refusal(name: string, cmd: Document, db: string, authz: Authorization): MongoServerError {
  try {
    checkCommandAuthorization(name, cmd, db, authz);
  } catch (err) {
    assert.ok(err instanceof MongoServerError);
    return err;
  }
  assert.fail(`${name} was allowed`);
}

test('before authenticating: "Command <name> requires authentication", under the name mongod reports', () => {
  const nobody = roleAuthorization(null, []);
  const err = refusal('find', { find: 'c', $db: 'test' }, 'test', nobody);
  assert.equal(err.code, 13);
  assert.equal(err.codeName, 'Unauthorized');
  assert.equal(err.message, 'Command find requires authentication');
  assert.equal(refusal('collstats', { collstats: 'c' }, 'test', nobody).message, 'Command collStats requires authentication');
  assert.equal(refusal('endSessions', { endSessions: [] }, 'admin', nobody).message, 'Command endSessions requires authentication');
});

test('with the localhost exception, an Authorization granting what createUser needs lets it run unauthenticated', () => {
  const localhost = roleAuthorization(null, [], [{ resource: { db: 'admin', collection: '' }, actions: ['createUser', 'grantRole'] }]);
  checkCommandAuthorization('createUser', { createUser: 'admin', pwd: 'p', roles: [{ role: 'root', db: 'admin' }] }, 'admin', localhost);
  assert.equal(refusal('find', { find: 'c' }, 'admin', localhost).message, 'Command find requires authentication');
});

test('not authorized: the command printed as mongod prints it, $db included', () => {
  const reader = roleAuthorization({ user: 'r', db: 'test' }, [ROLES.read!]);
  const err = refusal('insert', { insert: 'c', documents: [{ _id: 1, x: 1.5 }], ordered: true, $db: 'test' }, 'test', reader);
  assert.equal(err.code, 13);
  assert.equal(err.message, 'not authorized on test to execute command { insert: "c", documents: [ { _id: 1, x: 1.5 } ], ordered: true, $db: "test" }');
});

test('documents that came as an OP_MSG sequence (after $db) are not printed, as mongod prints only the body', () => {
  const reader = roleAuthorization({ user: 'r', db: 'test' }, [ROLES.read!]);
  const err = refusal('insert', { insert: 'c', ordered: true, $db: 'test', lsid: { id: 1 }, documents: [{ _id: 1 }] }, 'test', reader);
  assert.equal(err.message, 'not authorized on test to execute command { insert: "c", ordered: true, $db: "test", lsid: { id: 1 } }');
});

test('a huge command is printed cut short, so the refusal always fits in a reply', () => {
  const reader = roleAuthorization({ user: 'r', db: 'test' }, [ROLES.read!]);
  const big = 'x'.repeat(4 * 1024 * 1024);
  const err = refusal('insert', { insert: 'c', documents: [{ big }], $db: 'test' }, 'test', reader);
  assert.ok(err.message.length < 1.1 * 1024 * 1024, String(err.message.length));
  assert.ok(err.message.startsWith('not authorized on test to execute command { insert: "c", documents: [ { big: "xxxx'));
  assert.ok(err.message.endsWith('...'));
});

test('a password never appears in a refusal', () => {
  const reader = roleAuthorization({ user: 'r', db: 'test' }, [ROLES.read!]);
  const secret = 'correct horse battery staple';
  for (const cmd of [
    { createUser: 'eve', pwd: secret, roles: [], $db: 'test' },
    { updateUser: 'eve', pwd: secret, $db: 'test' },
    { updateUser: 'eve', pwd: secret, customData: { pwd: 'x' }, digestPassword: true, $db: 'test' },
  ]) {
    const err = refusal(Object.keys(cmd)[0]!, cmd, 'test', reader);
    assert.ok(!err.message.includes(secret), err.message);
    assert.match(err.message, /pwd: "xxx"/);
  }
  assert.equal(
    refusal('createUser', { createUser: 'eve', pwd: secret, roles: [], $db: 'test' }, 'test', reader).message,
    'not authorized on test to execute command { createUser: "eve", pwd: "xxx", roles: [], $db: "test" }',
  );
});

test('a user views itself and, with the own-account actions, changes its own password and customData', () => {
  const alice = { user: 'alice', db: 'test' };
  const plain = roleAuthorization(alice, [ROLES.read!]);
  checkCommandAuthorization('usersInfo', { usersInfo: 'alice' }, 'test', plain);
  checkCommandAuthorization('usersInfo', { usersInfo: { user: 'alice', db: 'test' } }, 'admin', plain);
  assert.equal(refusal('usersInfo', { usersInfo: ['alice', 'bob'] }, 'test', plain).code, 13);
  // Built-in roles do not grant changeOwnPassword: a custom role does.
  assert.equal(refusal('updateUser', { updateUser: 'alice', pwd: 'new' }, 'test', plain).code, 13);
  const own = roleAuthorization(alice, [], [{ resource: { db: 'test', collection: '' }, actions: ['changeOwnPassword', 'changeOwnCustomData'] }]);
  checkCommandAuthorization('updateUser', { updateUser: 'alice', pwd: 'new', customData: { a: 1 } }, 'test', own);
  assert.equal(refusal('updateUser', { updateUser: 'bob', pwd: 'new' }, 'test', own).code, 13);
  assert.equal(refusal('updateUser', { updateUser: 'alice', roles: ['readWrite'] }, 'test', own).code, 13);
});

test('collMod of a view must change viewOn and pipeline together (InvalidOptions)', () => {
  const root = roleAuthorization({ user: 'r', db: 'admin' }, [ROLES.root!]);
  const err = refusal('collMod', { collMod: 'v', viewOn: 'c' }, 'test', root);
  assert.equal(err.codeName, 'InvalidOptions');
  assert.equal(err.message, "Must specify both 'viewOn' and 'pipeline' when modifying a view and auth is enabled");
  checkCommandAuthorization('collMod', { collMod: 'v', viewOn: 'c', pipeline: [] }, 'test', root);
  // Without collMod the refusal is Unauthorized, checked first.
  const reader = roleAuthorization({ user: 'r', db: 'test' }, [ROLES.read!]);
  assert.equal(refusal('collMod', { collMod: 'v', viewOn: 'c' }, 'test', reader).codeName, 'Unauthorized');
});

test('create: createCollection or insert on the namespace', () => {
  const inserter = roleAuthorization({ user: 'i', db: 'test' }, [], [{ resource: { db: 'test', collection: 'c' }, actions: ['insert'] }]);
  checkCommandAuthorization('create', { create: 'c' }, 'test', inserter);
  assert.equal(refusal('create', { create: 'd' }, 'test', inserter).code, 13);
});

test('renameCollection within a database: a user who cannot read the source may not rename onto what it reads', () => {
  const privileges: Privilege[] = [
    { resource: { db: 'test', collection: '' }, actions: ['renameCollectionSameDB'] },
    { resource: { db: 'test', collection: 'readable' }, actions: ['find'] },
  ];
  const renamer = roleAuthorization({ user: 'u', db: 'test' }, [], privileges);
  checkCommandAuthorization('renameCollection', { renameCollection: 'test.a', to: 'test.b' }, 'admin', renamer);
  assert.equal(refusal('renameCollection', { renameCollection: 'test.a', to: 'test.readable' }, 'admin', renamer).code, 13);
  checkCommandAuthorization('renameCollection', { renameCollection: 'test.readable', to: 'test.b' }, 'admin', renamer);
});

// The change stream cases of mongod's jstests/auth/change_streams_required_privileges.js, users as its roles.
const ACTIONS = { find_only: ['find'], change_stream_only: ['changeStream'], find_and_change_stream: ['find', 'changeStream'], write: ['insert', 'update', 'remove'] };
type Kind = keyof typeof ACTIONS;
function streamUser(scope: 'coll' | 'db' | 'admin_db' | 'any_db' | 'cluster', kind: Kind): Authorization {
  const resource =
    scope === 'coll' ? { db: 'test', collection: 'coll' }
    : scope === 'db' ? { db: 'test', collection: '' }
    : scope === 'admin_db' ? { db: 'admin', collection: '' }
    : scope === 'any_db' ? { db: '', collection: '' }
    : { cluster: true as const };
  return roleAuthorization({ user: `${scope}_${kind}`, db: 'admin' }, [], [{ resource, actions: ACTIONS[kind] }]);
}
const builtin = (role: RoleName): Authorization => roleAuthorization({ user: role.role, db: role.db }, [role]);

test('change streams: the privileges of mongod\'s change_streams_required_privileges test', () => {
  const USERS: Record<string, Authorization> = {
    write: streamUser('coll', 'write'),
    find_only: streamUser('coll', 'find_only'),
    find_and_change_stream: streamUser('coll', 'find_and_change_stream'),
    change_stream_only: streamUser('coll', 'change_stream_only'),
    db_write: streamUser('db', 'write'),
    db_find_only: streamUser('db', 'find_only'),
    db_find_and_change_stream: streamUser('db', 'find_and_change_stream'),
    db_change_stream_only: streamUser('db', 'change_stream_only'),
    db_read: builtin({ role: 'read', db: 'test' }),
    admin_db_find_only: streamUser('admin_db', 'find_only'),
    admin_db_find_and_change_stream: streamUser('admin_db', 'find_and_change_stream'),
    admin_db_change_stream_only: streamUser('admin_db', 'change_stream_only'),
    admin_db_read: builtin({ role: 'read', db: 'admin' }),
    any_db_find_only: streamUser('any_db', 'find_only'),
    any_db_find_and_change_stream: streamUser('any_db', 'find_and_change_stream'),
    any_db_change_stream_only: streamUser('any_db', 'change_stream_only'),
    cluster_find_only: streamUser('cluster', 'find_only'),
    cluster_find_and_change_stream: streamUser('cluster', 'find_and_change_stream'),
    cluster_change_stream_only: streamUser('cluster', 'change_stream_only'),
  };
  const STREAMS: [string, Document, string, string[]][] = [
    ['on a collection', { aggregate: 'coll', pipeline: [{ $changeStream: {} }], cursor: {} }, 'test', ['find_and_change_stream', 'db_find_and_change_stream', 'db_read', 'any_db_find_and_change_stream']],
    ['on a database', { aggregate: 1, pipeline: [{ $changeStream: {} }], cursor: {} }, 'test', ['db_find_and_change_stream', 'db_read', 'any_db_find_and_change_stream']],
    ['on the cluster', { aggregate: 1, pipeline: [{ $changeStream: { allChangesForCluster: true } }], cursor: {} }, 'admin', ['any_db_find_and_change_stream']],
  ];
  for (const [what, cmd, db, allowed] of STREAMS) {
    const actual = Object.keys(USERS).filter((name) => runs(USERS[name]!, cmd, db));
    assert.deepEqual(actual.sort(), [...allowed].sort(), what);
  }
});

test('changeStreamPrivileges and requiredPrivilegesOf give what a cursor keeps for its getMores', () => {
  assert.deepEqual(changeStreamPrivileges('test', 'coll'), [{ resource: { db: 'test', collection: 'coll' }, actions: ['changeStream', 'find'] }]);
  assert.deepEqual(changeStreamPrivileges('test', null), [{ resource: { db: 'test', collection: '' }, actions: ['changeStream', 'find'] }]);
  assert.deepEqual(changeStreamPrivileges('admin', null), [{ resource: { db: '', collection: '' }, actions: ['changeStream', 'find'] }]);
  assert.deepEqual(requiredPrivilegesOf('find', { find: 'c' }, 'test'), [{ resource: { db: 'test', collection: 'c' }, actions: ['find'] }]);
  assert.deepEqual(
    requiredPrivilegesOf('aggregate', { aggregate: 'c', pipeline: [{ $match: {} }, { $lookup: { from: 'd', pipeline: [], as: 'x' } }] }, 'test'),
    [
      { resource: { db: 'test', collection: 'c' }, actions: ['find'] },
      { resource: { db: 'test', collection: 'd' }, actions: ['find'] },
    ],
  );
  assert.deepEqual(
    requiredPrivilegesOf('aggregate', { aggregate: 'c', pipeline: [{ $changeStream: {} }] }, 'test'),
    [{ resource: { db: 'test', collection: 'c' }, actions: ['changeStream', 'find'] }],
  );
  const ownSessions = { aggregate: 'system.sessions', pipeline: [{ $listSessions: { users: [{ user: 'u', db: 'admin' }] } }] };
  assert.deepEqual(requiredPrivilegesOf('aggregate', ownSessions, 'config', [{ user: 'u', db: 'admin' }]), []);
  assert.deepEqual(requiredPrivilegesOf('aggregate', ownSessions, 'config'), [{ resource: { cluster: true }, actions: ['listSessions'] }]);
});

test('a command the table does not know is refused to all but __system', () => {
  const root = roleAuthorization({ user: 'r', db: 'admin' }, [ROLES.root!]);
  assert.equal(refusal('frobnicate', { frobnicate: 1 }, 'admin', root).code, 13);
  checkCommandAuthorization('frobnicate', { frobnicate: 1 }, 'admin', roleAuthorization({ user: 's', db: 'admin' }, [ROLES.__system!]));
});
