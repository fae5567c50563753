import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkOkayToGrantPrivilegesToRole, mergePrivileges, removePrivileges, resolvePrivileges } from '../../../src/auth/privilege_document.js';
import type { Privilege } from '../../../src/auth/privilege.js';
import { MongoServerError } from '../../../src/errors/index.js';

const on = (collection: string, actions: string[], db = 'app'): Privilege => ({ resource: { db, collection }, actions });

function fails(fn: () => unknown, code: number, message: string): void {
  assert.throws(fn, (err: unknown) => err instanceof MongoServerError && err.code === code && err.message === message);
}

test('privileges on the same resource merge into one, actions sorted and unique', () => {
  assert.deepEqual(mergePrivileges([on('c', ['update', 'find'])], [on('c', ['find', 'insert']), on('d', ['find']), { resource: { cluster: true }, actions: ['serverStatus'] }]), [
    on('c', ['find', 'insert', 'update']), on('d', ['find']), { resource: { cluster: true }, actions: ['serverStatus'] },
  ]);
});

test('revoking removes actions on the same resource only; a privilege left with none goes', () => {
  assert.deepEqual(removePrivileges([on('c', ['find', 'insert']), on('d', ['find'])], [on('c', ['find']), on('d', ['find']), on('e', ['find'])]), [on('c', ['insert'])]);
});

test('resources are resolved as mongod resolves them', () => {
  assert.deepEqual(resolvePrivileges([{ resource: { db: '', collection: '' }, actions: ['find'] }]), [on('', ['find'], '')]);
  assert.deepEqual(resolvePrivileges([{ resource: { anyResource: true }, actions: ['anyAction'] }]), [{ resource: { anyResource: true }, actions: ['anyAction'] }]);
  fails(() => resolvePrivileges([{ resource: { cluster: false }, actions: ['find'] }]), 2, 'resource: {cluster: false} must be true');
  fails(() => resolvePrivileges([{ resource: { anyResource: true, collection: 'c' }, actions: ['find'] }]), 2, "resource: {anyResource: true} conflicts with resource type 'collection'");
  fails(() => resolvePrivileges([{ resource: { collection: 'c' }, actions: ['find'] }]), 2, "resource {collection: '...'} must include 'db' field as well");
  fails(() => resolvePrivileges([{ resource: { db: 'app', collection: 'a$b' }, actions: ['find'] }]), 2, "'a$b' is not a valid collection name");
  fails(() => resolvePrivileges([{ resource: { db: 'app', collection: '' }, actions: ['find', 'fly'] }]), 2, "Unknown action type in privilege set: 'fly'");
});

test('a role outside admin holds privileges on its own database only', () => {
  checkOkayToGrantPrivilegesToRole({ role: 'r', db: 'admin' }, [{ resource: { cluster: true }, actions: ['serverStatus'] }]);
  checkOkayToGrantPrivilegesToRole({ role: 'r', db: 'app' }, [on('', ['find']), on('c', ['find'])]);
  fails(() => checkOkayToGrantPrivilegesToRole({ role: 'r', db: 'app' }, [on('c', ['find'], '')]), 49,
    "Roles on the 'app' database cannot be granted privileges that target other databases or the cluster");
});
