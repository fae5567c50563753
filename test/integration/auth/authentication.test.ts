// Authentication through the official driver: SCRAM-SHA-256 and SCRAM-SHA-1 (with and without speculative
// authentication in the handshake), PLAIN when enabled, wrong passwords and unknown users, connectionStatus and
// logout. Users are written straight into admin.system.users with mongod's stored-credential format, so these
// tests depend only on authentication.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient, MongoServerError } from 'mongodb';
import { startInProcess } from '../driver/harness.js';
import type { RunningServer } from '../../../src/server/index.js';
import { scramCredential } from '../../../src/auth/scram.js';

function userDoc(user: string, db: string, password: string, mechanisms: readonly ('SCRAM-SHA-1' | 'SCRAM-SHA-256')[] = ['SCRAM-SHA-1', 'SCRAM-SHA-256'], roles = [{ role: 'readWrite', db: 'test' }]) {
  const credentials: Record<string, unknown> = {};
  for (const m of mechanisms) credentials[m] = scramCredential(m, user, password);
  return { _id: `${db}.${user}`, user, db, credentials, roles };
}

async function connect(server: RunningServer, auth: string, extra = ''): Promise<MongoClient> {
  const client = new MongoClient(`mongodb://${auth}@${server.address}/${extra}`, { directConnection: true, serverSelectionTimeoutMS: 5000 });
  await client.connect();
  return client;
}

describe('authentication (SCRAM, PLAIN) through the driver', () => {
  let server: RunningServer;
  const logs: Record<string, unknown>[] = [];

  before(async () => {
    server = await startInProcess({ log: (e: unknown) => logs.push(e as Record<string, unknown>) });
    const admin = new MongoClient(`mongodb://${server.address}/`, { directConnection: true });
    await admin.db('admin').collection('system.users').insertMany([
      userDoc('alice', 'admin', 'secret-Ä'),
      userDoc('bob', 'test', 'pw-bob', ['SCRAM-SHA-1']),
      userDoc('carol', 'admin', 'pw-carol', ['SCRAM-SHA-256'], [{ role: 'read', db: 'test' }]),
    ] as never[]);
    await admin.close();
  });

  after(async () => {
    await server.close();
  });

  test('SCRAM-SHA-256 (the default, chosen from saslSupportedMechs) authenticates and connectionStatus shows the user', async () => {
    const client = await connect(server, `alice:${encodeURIComponent('secret-Ä')}`);
    try {
      const status = await client.db('admin').command({ connectionStatus: 1, showPrivileges: true });
      assert.deepEqual(status.authInfo.authenticatedUsers, [{ user: 'alice', db: 'admin' }]);
      assert.deepEqual(status.authInfo.authenticatedUserRoles, [{ role: 'readWrite', db: 'test' }]);
      assert.ok(Array.isArray(status.authInfo.authenticatedUserPrivileges) && status.authInfo.authenticatedUserPrivileges.length > 0);
    } finally {
      await client.close();
    }
  });

  test('SCRAM-SHA-1 for a user that only has SHA-1 credentials, in its own database', async () => {
    const client = await connect(server, 'bob:pw-bob', 'test?authSource=test');
    try {
      const status = await client.db('test').command({ connectionStatus: 1 });
      assert.deepEqual(status.authInfo.authenticatedUsers, [{ user: 'bob', db: 'test' }]);
    } finally {
      await client.close();
    }
  });

  for (const mechanism of ['SCRAM-SHA-1', 'SCRAM-SHA-256']) {
    test(`explicit ${mechanism}`, async () => {
      const client = await connect(server, `alice:${encodeURIComponent('secret-Ä')}`, `?authMechanism=${mechanism}`);
      await client.db('admin').command({ ping: 1 });
      await client.close();
    });
  }

  test('a wrong password and an unknown user both fail with AuthenticationFailed (18), logged with the remote address', async () => {
    for (const auth of ['alice:wrong', 'nobody:x']) {
      await assert.rejects(connect(server, auth), (err: unknown) => {
        assert.ok(err instanceof MongoServerError, String(err));
        assert.equal(err.code, 18);
        assert.equal(err.message, 'Authentication failed.');
        return true;
      });
    }
    const failures = logs.filter((l) => l.msg === 'Authentication failed');
    assert.ok(failures.length >= 2);
    for (const f of failures) assert.match(String((f.attr as Record<string, unknown>).remote), /^127\.0\.0\.1:\d+$/);
    const text = JSON.stringify(logs);
    for (const secret of ['secret-Ä', 'pw-bob', 'wrong']) assert.ok(!text.includes(secret), `a log line holds ${secret}`);
  });

  test('a user without SCRAM-SHA-256 credentials cannot use that mechanism', async () => {
    await assert.rejects(connect(server, 'bob:pw-bob', 'test?authSource=test&authMechanism=SCRAM-SHA-256'), (err: unknown) => err instanceof MongoServerError && err.code === 18);
  });

  test('PLAIN is refused unless authenticationMechanisms enables it', async () => {
    await assert.rejects(connect(server, 'alice:x', '?authMechanism=PLAIN&authSource=admin'), (err: unknown) => {
      assert.ok(err instanceof MongoServerError, String(err));
      assert.equal(err.code, 334);
      return true;
    });
  });

  test('logout forgets the user of that database', async () => {
    // One connection, so that logout and connectionStatus share it.
    const client = await connect(server, 'carol:pw-carol', '?maxPoolSize=1');
    try {
      const db = client.db('admin');
      assert.equal((await db.command({ connectionStatus: 1 })).authInfo.authenticatedUsers.length, 1);
      await client.db('test').command({ logout: 1 });
      assert.equal((await db.command({ connectionStatus: 1 })).authInfo.authenticatedUsers.length, 1, 'logout of another database keeps the user');
      await db.command({ logout: 1 });
      assert.deepEqual((await db.command({ connectionStatus: 1 })).authInfo.authenticatedUsers, []);
    } finally {
      await client.close();
    }
  });

  test('authentication restrictions: a client or server address outside the user\'s or a role\'s ranges cannot log in', async () => {
    const admin = new MongoClient(`mongodb://${server.address}/`, { directConnection: true });
    try {
      const db = admin.db('admin');
      await db.command({ createUser: 'local_only', pwd: 'pw1', roles: [], authenticationRestrictions: [{ clientSource: ['127.0.0.0/8'], serverAddress: ['127.0.0.1'] }] });
      await db.command({ createUser: 'elsewhere', pwd: 'pw2', roles: [], authenticationRestrictions: [{ clientSource: ['10.0.0.0/8'] }, { serverAddress: ['192.168.0.0/16'] }] });
      await db.command({ createRole: 'remoteRole', privileges: [], roles: [], authenticationRestrictions: [{ clientSource: ['203.0.113.0/24'] }] });
      await db.command({ createUser: 'via_role', pwd: 'pw3', roles: ['remoteRole'] });
      await assert.rejects(db.command({ createUser: 'bad', pwd: 'x', roles: [], authenticationRestrictions: [{ clientSource: ['not-an-address'] }] }), (err: unknown) => err instanceof MongoServerError && err.code === 2);
    } finally {
      await admin.close();
    }
    const ok = await connect(server, 'local_only:pw1');
    assert.deepEqual((await ok.db('admin').command({ connectionStatus: 1 })).authInfo.authenticatedUsers, [{ user: 'local_only', db: 'admin' }]);
    await ok.close();
    for (const auth of ['elsewhere:pw2', 'via_role:pw3']) {
      await assert.rejects(connect(server, auth), (err: unknown) => err instanceof MongoServerError && err.code === 18, auth);
    }
    assert.ok(logs.some((l) => l.msg === 'Authentication failed' && String((l.attr as Record<string, unknown>).error).includes('unmet authentication restrictions')));
  });
});
