import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anyPrivilegeInDatabase, anyPrivilegeOn, privilegesCover, resourceCovers, type Resource } from '../../../src/auth/privilege.js';

const exact = (db: string, collection: string): Resource => ({ db, collection });
const database = (db: string): Resource => ({ db, collection: '' });
const anyNormal: Resource = { db: '', collection: '' };
const named = (collection: string): Resource => ({ db: '', collection });
const cluster: Resource = { cluster: true };
const anyResource: Resource = { anyResource: true };

// [pattern held, target required, covers] as mongod's resource search lists decide.
const CASES: [string, Resource, Resource, boolean][] = [
  ['exact covers itself', exact('test', 'c'), exact('test', 'c'), true],
  ['exact does not cover a sibling', exact('test', 'c'), exact('test', 'd'), false],
  ['exact does not cover its database', exact('test', 'c'), database('test'), false],
  ['database covers its normal collections', database('test'), exact('test', 'c'), true],
  ['database covers itself', database('test'), database('test'), true],
  ['database does not cover another database', database('test'), exact('other', 'c'), false],
  ['database does not cover its system collections', database('test'), exact('test', 'system.users'), false],
  ['database local does not cover local.replset.*', database('local'), exact('local', 'replset.election'), false],
  ['database local covers local.oplog.rs', database('local'), exact('local', 'oplog.rs'), true],
  ['any-normal covers normal collections', anyNormal, exact('test', 'c'), true],
  ['any-normal covers databases', anyNormal, database('test'), true],
  ['any-normal skips system collections', anyNormal, exact('test', 'system.js'), false],
  ['any-normal skips local', anyNormal, exact('local', 'oplog.rs'), false],
  ['any-normal skips config', anyNormal, exact('config', 'transactions'), false],
  ['any-normal skips the local database', anyNormal, database('local'), false],
  ['any-normal covers itself (a whole-cluster change stream)', anyNormal, anyNormal, true],
  ['any-normal does not cover the cluster', anyNormal, cluster, false],
  ['a collection name covers it in every database', named('c'), exact('x', 'c'), true],
  ['a collection name covers system collections too', named('system.users'), exact('admin', 'system.users'), true],
  ['a collection name does not cover a database', named('c'), database('test'), false],
  ['a database does not cover any-normal', database('test'), anyNormal, false],
  ['the cluster covers only itself', cluster, cluster, true],
  ['the cluster covers no database', cluster, database('admin'), false],
  ['the cluster covers no change stream of any database', cluster, anyNormal, false],
  ['anyResource covers the cluster', anyResource, cluster, true],
  ['anyResource covers system collections', anyResource, exact('admin', 'system.users'), true],
  ['anyResource covers any-normal', anyResource, anyNormal, true],
  ['only anyResource covers anyResource', anyNormal, anyResource, false],
];

test('resourceCovers follows mongod', () => {
  for (const [name, pattern, target, expected] of CASES) assert.equal(resourceCovers(pattern, target), expected, name);
});

test('privilegesCover needs every action of every privilege, actions may come from several privileges', () => {
  const held = [
    { resource: database('test'), actions: ['find'] },
    { resource: exact('test', 'c'), actions: ['insert'] },
  ];
  assert.equal(privilegesCover(held, [{ resource: exact('test', 'c'), actions: ['find', 'insert'] }]), true);
  assert.equal(privilegesCover(held, [{ resource: exact('test', 'd'), actions: ['find', 'insert'] }]), false);
  assert.equal(privilegesCover(held, []), true);
  assert.equal(privilegesCover([{ resource: anyResource, actions: ['anyAction'] }], [{ resource: cluster, actions: ['shutdown', 'internal'] }]), true);
});

test('anyPrivilegeInDatabase and anyPrivilegeOn: what authorizedDatabases and authorizedCollections list', () => {
  assert.equal(anyPrivilegeInDatabase([{ resource: exact('test', 'c'), actions: ['find'] }], 'test'), true);
  assert.equal(anyPrivilegeInDatabase([{ resource: exact('test', 'c'), actions: ['find'] }], 'other'), false);
  assert.equal(anyPrivilegeInDatabase([{ resource: named('c'), actions: ['find'] }], 'other'), true);
  assert.equal(anyPrivilegeInDatabase([{ resource: anyNormal, actions: ['find'] }], 'local'), false);
  assert.equal(anyPrivilegeInDatabase([{ resource: anyNormal, actions: ['find'] }], 'test'), true);
  assert.equal(anyPrivilegeInDatabase([{ resource: cluster, actions: ['listDatabases'] }], 'test'), false);
  assert.equal(anyPrivilegeOn([{ resource: database('test'), actions: ['insert'] }], exact('test', 'c')), true);
  assert.equal(anyPrivilegeOn([{ resource: database('test'), actions: ['insert'] }], exact('test', 'system.views')), false);
});
