import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACTION_TYPES, checkActionTypes, isActionType } from '../../../src/auth/action_types.js';
import { builtinRoleNames, builtinRolePrivileges, isBuiltinRole } from '../../../src/auth/builtin_roles.js';
import { MongoServerError } from '../../../src/errors/index.js';

const PER_DATABASE = ['dbAdmin', 'dbOwner', 'enableSharding', 'read', 'readWrite', 'userAdmin'];

test('per-database roles exist in every database, the others only in admin', () => {
  assert.deepEqual(builtinRoleNames('test').map((r) => r.role), PER_DATABASE);
  assert.ok(builtinRoleNames('test').every((r) => r.db === 'test'));
  const admin = builtinRoleNames('admin').map((r) => r.role);
  for (const role of ['root', 'readAnyDatabase', 'clusterMonitor', 'backup', 'restore', '__system', ...PER_DATABASE]) assert.ok(admin.includes(role), role);
  assert.deepEqual(admin, [...admin].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
  assert.equal(isBuiltinRole({ role: 'readAnyDatabase', db: 'test' }), false);
  assert.equal(builtinRolePrivileges({ role: 'readAnyDatabase', db: 'test' }), undefined);
  assert.equal(isBuiltinRole({ role: 'readAnyDatabase', db: 'admin' }), true);
  assert.equal(isBuiltinRole({ role: 'read', db: 'anything' }), true);
  assert.equal(isBuiltinRole({ role: 'toString', db: 'admin' }), false);
  assert.equal(isBuiltinRole({ role: 'myRole', db: 'admin' }), false);
  assert.equal(isBuiltinRole({ role: 'read', db: '$external' }), false);
  assert.equal(isBuiltinRole({ role: 'read', db: 'a.b' }), false);
  assert.deepEqual(builtinRoleNames('$external'), []);
});

test('read grants its actions on its database and its system.js', () => {
  const readActions = ['changeStream', 'collStats', 'dbHash', 'dbStats', 'find', 'killCursors', 'listCollections', 'listIndexes', 'listSearchIndexes', 'planCacheRead'];
  assert.deepEqual(builtinRolePrivileges({ role: 'read', db: 'test' }), [
    { resource: { db: 'test', collection: '' }, actions: readActions },
    { resource: { db: 'test', collection: 'system.js' }, actions: readActions },
  ]);
});

test('composite roles merge the privileges of the roles they include, one privilege per resource', () => {
  const dbOwner = builtinRolePrivileges({ role: 'dbOwner', db: 'test' })!;
  const onDb = dbOwner.find((p) => 'db' in p.resource && p.resource.db === 'test' && p.resource.collection === '')!;
  for (const action of ['insert', 'dropDatabase', 'createUser', 'grantRole']) assert.ok(onDb.actions.includes(action), action);
  const keys = dbOwner.map((p) => JSON.stringify(p.resource));
  assert.equal(new Set(keys).size, keys.length);
  const root = builtinRolePrivileges({ role: 'root', db: 'admin' })!;
  assert.ok(root.some((p) => 'cluster' in p.resource && p.actions.includes('serverStatus') && p.actions.includes('shutdown')));
  assert.ok(root.some((p) => 'anyResource' in p.resource && p.actions.includes('validate')));
  assert.deepEqual(builtinRolePrivileges({ role: '__system', db: 'admin' }), [{ resource: { anyResource: true }, actions: ['anyAction'] }]);
});

test('a caller cannot change the table through what it is given', () => {
  const first = builtinRolePrivileges({ role: 'read', db: 'test' })!;
  (first[0]!.actions as string[]).push('dropDatabase');
  assert.equal(builtinRolePrivileges({ role: 'read', db: 'test' })![0]!.actions.includes('dropDatabase'), false);
});

test('every action a built-in role grants is an action mongod knows', () => {
  for (const db of ['admin', 'test']) {
    for (const role of builtinRoleNames(db)) {
      for (const p of builtinRolePrivileges(role)!) for (const a of p.actions) assert.ok(isActionType(a), `${role.role}: ${a}`);
    }
  }
  assert.equal(new Set(ACTION_TYPES).size, ACTION_TYPES.length);
});

test('unknown actions are BadValue, each named once, in byte order', () => {
  checkActionTypes(['find', 'insert', 'anyAction']);
  const refused = (actions: string[]): MongoServerError => {
    try {
      checkActionTypes(actions);
    } catch (err) {
      return err as MongoServerError;
    }
    assert.fail('accepted');
  };
  const one = refused(['find', 'fnd']);
  assert.equal(one.code, 2);
  assert.equal(one.codeName, 'BadValue');
  assert.equal(one.message, "Unknown action type in privilege set: 'fnd'");
  assert.equal(refused(['zap', 'Zap', 'find', 'zap']).message, "Unknown action types in privilege set: 'Zap', 'zap'");
});
