// MONGODB-X509 through the official driver: a TLS client certificate verified against --tlsCAFile names a user of
// $external, who then holds that user's roles under --auth. Certificates are made with openssl at run time.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, MongoServerError } from 'mongodb';
import { startServer, type RunningServer, type StartServerOptions } from '../../../src/server/index.js';
import { makeCertificates, opensslMissing, OPENSSL_HOW_TO_GET, type TestCertificates } from '../../helpers/certificates.js';
import { requireOptional } from '../../helpers/optional.js';

const SUITE = 'MONGODB-X509 authentication';

if (requireOptional(SUITE, opensslMissing(), OPENSSL_HOW_TO_GET)) describe(SUITE, () => {
  let certs: TestCertificates;
  let server: RunningServer;
  const dir = mkdtempSync(join(tmpdir(), 'eddydb-x509-'));

  function tlsOptions(): Partial<StartServerOptions> {
    return { tlsMode: 'requireTLS', tlsCertificateKeyFile: certs.server, tlsCAFile: certs.ca, tlsAllowConnectionsWithoutCertificates: true };
  }

  function client(cert: string | undefined, auth: string, address = server.address): MongoClient {
    return new MongoClient(`mongodb://${address}/?${auth}`, {
      directConnection: true, serverSelectionTimeoutMS: 3000, tls: true, tlsCAFile: certs.ca, ...(cert ? { tlsCertificateKeyFile: cert } : {}),
    });
  }

  before(async () => {
    certs = makeCertificates();
    const base = { port: 0, bindIp: '127.0.0.1', dbpath: join(dir, 'db'), replSet: 'rs0', enableTestCommands: false, ...tlsOptions() } as StartServerOptions;
    const setup = await startServer(base);
    const c = client(undefined, '', setup.address);
    await c.db('admin').collection('system.users').insertOne({
      _id: `$external.${certs.clientSubject}`, user: certs.clientSubject, db: '$external', credentials: { external: true }, roles: [{ role: 'read', db: 'test' }],
    } as never);
    await c.db('test').collection('c').insertOne({ _id: 1 } as never);
    await c.close();
    await setup.close();
    server = await startServer({ ...base, auth: true });
  });

  after(async () => {
    await server?.close();
    certs?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the client certificate authenticates as its subject, with that user\'s roles', async () => {
    const c = client(certs.client, 'authMechanism=MONGODB-X509');
    try {
      const status = await c.db('admin').command({ connectionStatus: 1 });
      assert.deepEqual(status.authInfo.authenticatedUsers, [{ user: certs.clientSubject, db: '$external' }]);
      assert.deepEqual(await c.db('test').collection('c').findOne({}), { _id: 1 });
      await assert.rejects(c.db('test').collection('c').insertOne({}), (err: unknown) => err instanceof MongoServerError && err.code === 13);
    } finally {
      await c.close();
    }
  });

  test('without a client certificate, or naming another user, X509 fails with 18', async () => {
    for (const [cert, auth] of [[undefined, 'authMechanism=MONGODB-X509'], [certs.client, 'authMechanism=MONGODB-X509&authSource=$external']] as const) {
      const c = client(cert, auth);
      const c2 = cert ? new MongoClient(`mongodb://someoneelse@${server.address}/?authMechanism=MONGODB-X509`, { directConnection: true, serverSelectionTimeoutMS: 3000, tls: true, tlsCAFile: certs.ca, tlsCertificateKeyFile: cert }) : c;
      try {
        await assert.rejects(c2.db('admin').command({ ping: 1 }), (err: unknown) => {
          assert.ok(err instanceof MongoServerError, String(err));
          assert.equal(err.code, 18);
          return true;
        });
      } finally {
        await c.close();
        if (c2 !== c) await c2.close();
      }
    }
  });
});
