/**
 * TLS on the wire port, through the official driver (and Node's TLS client where the driver does not show enough):
 * each --tlsMode, client certificates required or not and valid or not, disabled protocol versions, an encrypted
 * key, refused option combinations, the command line, and pymongo. The certificates are made with `openssl` at run
 * time; without it the suite is one skipped test.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { MongoClient } from 'mongodb';
import { startServer, ServerStartupError, type LogEntry, type RunningServer, type StartServerOptions } from '../../../src/server/index.js';
import { makeCertificates, opensslMissing, OPENSSL_HOW_TO_GET, type TestCertificates } from '../../helpers/certificates.js';
import { requireOptional } from '../../helpers/optional.js';
import { PYMONGO_HOW_TO_GET, PYTHON, pymongoMissing } from '../../helpers/python.js';
import { listeningPort, run, stop } from './cli_child.js';

const SUITE = 'TLS on the wire port';

/** Documents inserted by the clients of the suite, numbered so that no two collide. */
let nextId = 1;

interface Started {
  server: RunningServer;
  logs: LogEntry[];
}

/** Client TLS settings: a CA to trust the server, and optionally a certificate to present. */
interface ClientTls {
  ca: string;
  cert?: string;
}

if (requireOptional(SUITE, opensslMissing(), OPENSSL_HOW_TO_GET)) describe(SUITE, () => {
  let certs: TestCertificates;
  const servers: RunningServer[] = [];

  before(() => {
    certs = makeCertificates();
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    certs?.remove();
  });

  async function start(options: Partial<StartServerOptions>): Promise<Started> {
    const logs: LogEntry[] = [];
    const server = await startServer({
      port: 0, bindIp: '127.0.0.1', dbpath: ':memory:', replSet: 'rs0', enableTestCommands: false,
      log: (entry) => logs.push(entry),
      ...options,
    });
    servers.push(server);
    return { server, logs };
  }

  /**
   * Runs `ping` and an insert-and-find; resolves to 'ok' or to the driver's error message. A refused client fails
   * server selection, so it gets a short selection timeout; a TLS client of a plain server waits for a handshake
   * that never comes, so it also gets a short connect timeout.
   */
  async function tryClient(server: RunningServer, clientTls?: ClientTls, whileConnected?: () => void): Promise<string> {
    const client = new MongoClient(`mongodb://${server.address}/?replicaSet=rs0`, {
      serverSelectionTimeoutMS: 1500,
      connectTimeoutMS: 1500,
      ...(clientTls ? { tls: true, tlsCAFile: clientTls.ca, ...(clientTls.cert ? { tlsCertificateKeyFile: clientTls.cert } : {}) } : {}),
    });
    try {
      await client.db('admin').command({ ping: 1 });
      const items = client.db('app').collection<{ _id: number }>('items');
      await items.insertOne({ _id: nextId++ });
      assert.ok((await items.countDocuments()) > 0);
      whileConnected?.();
      return 'ok';
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    } finally {
      await client.close();
    }
  }

  /** The errors the server logged when it ended connections during their first bytes. */
  const refusals = (logs: LogEntry[]): string[] => logs
    .filter((l) => l.msg === 'Error receiving request from client. Ending connection from remote')
    .map((l) => String(l.attr?.error));

  /** The client-certificate subjects of the connections that ran a command. */
  const peerSubjects = (server: RunningServer): (string | undefined)[] =>
    [...server.context.connections.values()].filter((c) => c.tls).map((c) => c.tls!.peerSubject);

  test('disabled (the default): plain clients work, a TLS client gets no handshake', async () => {
    const { server, logs } = await start({});
    assert.equal(await tryClient(server), 'ok');
    assert.notEqual(await tryClient(server, { ca: certs.ca }), 'ok');
    assert.equal(logs.find((l) => l.msg === 'Waiting for connections')?.attr?.ssl, 'off');
  });

  for (const mode of ['allowTLS', 'preferTLS'] as const) {
    test(`${mode}: plain and TLS clients on the same port`, async () => {
      const { server, logs } = await start({ tlsMode: mode, tlsCertificateKeyFile: certs.server });
      assert.equal(await tryClient(server, { ca: certs.ca }), 'ok');
      assert.equal(await tryClient(server), 'ok');
      assert.equal(await tryClient(server, { ca: certs.ca }), 'ok');
      let tlsConnections: (string | undefined)[] = [];
      assert.equal(await tryClient(server, { ca: certs.ca, cert: certs.client }, () => (tlsConnections = peerSubjects(server))), 'ok');
      assert.ok(tlsConnections.length > 0, 'the connections know they speak TLS');
      assert.deepEqual(tlsConnections.filter((s) => s !== undefined), [], 'no CA file: no client certificate is asked for');
      let plainConnections = -1;
      assert.equal(await tryClient(server, undefined, () => (plainConnections = peerSubjects(server).length)), 'ok');
      assert.equal(plainConnections, 0, 'plain connections have no tls field');
      assert.equal(logs.find((l) => l.msg === 'Waiting for connections')?.attr?.ssl, 'on');
      const notedPlain = logs.some((l) => l.msg === "SSL mode is set to 'preferred' and connection is not using SSL.");
      assert.equal(notedPlain, mode === 'preferTLS', 'preferTLS notes each plain connection, as mongod');
      const accepted = logs.find((l) => l.msg === 'Accepted TLS connection from peer');
      assert.match(String(accepted?.attr?.protocol), /^TLSv1\.[23]$/);
      // mongod's warning for TLS without a CA file is logged, but is not one of the startup warnings.
      assert.ok(logs.some((l) => l.id === 22133 && l.s === 'W' && l.tags === undefined));
    });
  }

  test('requireTLS: a plain client is refused and logged with mongod\'s reason; TLS clients work', async () => {
    const { server, logs } = await start({ tlsMode: 'requireTLS', tlsCertificateKeyFile: certs.server });
    assert.notEqual(await tryClient(server), 'ok');
    assert.ok(refusals(logs).includes('SSLHandshakeFailed: The server is configured to only allow SSL connections'), refusals(logs).join('\n'));
    assert.equal(await tryClient(server, { ca: certs.ca }), 'ok');
    assert.ok(logs.some((l) => l.msg === 'Connection ended'), 'a refused connection is accounted as ended');
    assert.equal(server.context.stats.connections.current, [...server.context.connections.values()].length);
  });

  test('a CA file: a client certificate is required, must verify, and gives the connection its subject', async () => {
    const { server, logs } = await start({ tlsMode: 'requireTLS', tlsCertificateKeyFile: certs.server, tlsCAFile: certs.ca });
    assert.notEqual(await tryClient(server, { ca: certs.ca }), 'ok', 'no certificate');
    assert.notEqual(await tryClient(server, { ca: certs.ca, cert: certs.rogue }), 'ok', 'a certificate the CA did not sign');
    assert.deepEqual([...new Set(refusals(logs))], [
      'SSLHandshakeFailed: no SSL certificate provided by peer; connection rejected',
      'SSLHandshakeFailed: SSL peer certificate validation failed: self-signed certificate',
    ]);
    let subjects: (string | undefined)[] = [];
    assert.equal(await tryClient(server, { ca: certs.ca, cert: certs.client }, () => (subjects = peerSubjects(server))), 'ok');
    assert.ok(subjects.length > 0);
    assert.ok(subjects.every((s) => s === certs.clientSubject), JSON.stringify(subjects));
    assert.equal(server.context.stats.startupWarnings.some((w) => JSON.parse(w).id === 22124), false);
  });

  test('--tlsAllowConnectionsWithoutCertificates: no certificate is fine, a bad one is still refused', async () => {
    const { server, logs } = await start({
      tlsMode: 'requireTLS', tlsCertificateKeyFile: certs.server, tlsCAFile: certs.ca, tlsAllowConnectionsWithoutCertificates: true,
    });
    let subjects: (string | undefined)[] = [];
    assert.equal(await tryClient(server, { ca: certs.ca }, () => (subjects = peerSubjects(server))), 'ok');
    assert.ok(subjects.length > 0);
    assert.deepEqual(subjects.filter((s) => s !== undefined), []);
    assert.ok(logs.some((l) => l.msg === 'No SSL certificate provided by peer' && l.s === 'W'));
    assert.notEqual(await tryClient(server, { ca: certs.ca, cert: certs.rogue }), 'ok');
    assert.ok(refusals(logs).includes('SSLHandshakeFailed: SSL peer certificate validation failed: self-signed certificate'));
    assert.equal(await tryClient(server, { ca: certs.ca, cert: certs.client }, () => (subjects = peerSubjects(server))), 'ok');
    assert.ok(subjects.includes(certs.clientSubject));
  });

  test('--tlsAllowInvalidCertificates: a bad certificate connects without an identity; none at all is still refused', async () => {
    const { server, logs } = await start({
      tlsMode: 'requireTLS', tlsCertificateKeyFile: certs.server, tlsCAFile: certs.ca, tlsAllowInvalidCertificates: true,
    });
    let subjects: (string | undefined)[] = [];
    assert.equal(await tryClient(server, { ca: certs.ca, cert: certs.rogue }, () => (subjects = peerSubjects(server))), 'ok');
    assert.ok(subjects.length > 0);
    assert.deepEqual(subjects.filter((s) => s !== undefined), [], 'an invalid certificate is no identity');
    const warned = logs.find((l) => l.msg === 'SSL peer certificate validation failed');
    assert.equal(warned?.s, 'W');
    assert.equal(warned?.attr?.reason, 'self-signed certificate');
    assert.notEqual(await tryClient(server, { ca: certs.ca }), 'ok');
    assert.ok(refusals(logs).includes('SSLHandshakeFailed: no SSL certificate provided by peer; connection rejected'));
    const warnings = server.context.stats.startupWarnings.map((w) => JSON.parse(w));
    assert.ok(warnings.some((w) => w.id === 22124 && /will not be considered permissible for authentication/.test(w.msg)));
  });

  test('a connection that sends nothing, or half-closes before its first byte, is closed while negotiating', async () => {
    const { server, logs } = await start({ tlsMode: 'allowTLS', tlsCertificateKeyFile: certs.server, partialMessageTimeoutMS: 300 });
    const closedByServer = (halfClose: boolean): Promise<void> => new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: server.port, allowHalfOpen: true }, () => {
        if (halfClose) socket.end();
      });
      socket.on('error', reject);
      socket.on('data', () => reject(new Error('the server answered a client that said nothing')));
      // The server's close arrives as the end of what the client reads (the client keeps its half open).
      socket.on('end', () => {
        socket.destroy();
        resolve();
      });
    });
    await closedByServer(false);
    assert.ok(logs.some((l) => l.msg === 'Closing a connection that did not finish its TLS negotiation in time'));
    await closedByServer(true);
    assert.equal(await tryClient(server), 'ok', 'the server still serves');
  });

  /** Node's TLS client: the protocol version the server agreed to, or the handshake's error. */
  function handshake(server: RunningServer, options: tls.ConnectionOptions = {}): Promise<string> {
    return new Promise((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: server.port, ca: readFileSync(certs.ca), ...options }, () => {
        const protocol = socket.getProtocol() ?? 'none';
        socket.end();
        resolve(protocol);
      });
      socket.on('error', (err) => resolve(`error: ${err.message}`));
    });
  }

  test('--tlsDisabledProtocols: TLS1_3 disabled still connects with TLS 1.2; the default speaks 1.3', async () => {
    const { server: modern } = await start({ tlsMode: 'requireTLS', tlsCertificateKeyFile: certs.server });
    assert.equal(await handshake(modern), 'TLSv1.3');
    const { server } = await start({ tlsMode: 'requireTLS', tlsCertificateKeyFile: certs.server, tlsDisabledProtocols: 'TLS1_3' });
    assert.equal(await handshake(server), 'TLSv1.2');
    assert.match(await handshake(server, { minVersion: 'TLSv1.3' }), /^error: /, 'a client that insists on 1.3 is refused');
    assert.equal(await tryClient(server, { ca: certs.ca }), 'ok');
    const { server: only13 } = await start({ tlsMode: 'requireTLS', tlsCertificateKeyFile: certs.server, tlsDisabledProtocols: 'TLS1_0,TLS1_1,TLS1_2' });
    assert.match(await handshake(only13, { maxVersion: 'TLSv1.2' }), /^error: /);
    assert.equal(await handshake(only13), 'TLSv1.3');
  });

  test('an encrypted key works with its password; a wrong or missing password stops the start', async () => {
    const { server } = await start({
      tlsMode: 'requireTLS', tlsCertificateKeyFile: certs.serverEncrypted, tlsCertificateKeyFilePassword: certs.serverPassword,
    });
    assert.equal(await tryClient(server, { ca: certs.ca }), 'ok');
    for (const password of ['wrong', undefined]) {
      await assert.rejects(start({
        tlsMode: 'requireTLS', tlsCertificateKeyFile: certs.serverEncrypted, ...(password ? { tlsCertificateKeyFilePassword: password } : {}),
      }), (err: unknown) => {
        assert.ok(err instanceof ServerStartupError, String(err));
        assert.equal(err.codeName, 'InvalidSSLConfiguration');
        assert.match(err.message, /^InvalidSSLConfiguration: Can not set up PEM key file: /);
        return true;
      });
    }
  });

  test('option combinations mongod refuses are BadValue with its words (exit code 2); unreadable files stop the start', async () => {
    const refused = async (options: Partial<StartServerOptions>, message: string, codeName = 'BadValue', exitCode = 2): Promise<void> => {
      await assert.rejects(start(options), (err: unknown) => {
        assert.ok(err instanceof ServerStartupError, String(err));
        assert.equal(err.codeName, codeName);
        assert.equal(err.exitCode, exitCode);
        assert.equal(err.message, message);
        return true;
      });
    };
    await refused({ tlsMode: 'requireTLS' }, 'BadValue: need tlsCertificateKeyFile or certificateSelector when TLS is enabled');
    await refused({ tlsMode: 'allowTLS', tlsCAFile: certs.ca }, 'BadValue: need tlsCertificateKeyFile or certificateSelector when TLS is enabled');
    await refused({ tlsCAFile: certs.ca }, 'BadValue: need to enable TLS via the sslMode/tlsMode flag when using TLS configuration parameters');
    await refused({ tlsMode: 'disabled', tlsCertificateKeyFile: certs.server }, 'BadValue: need to enable TLS via the sslMode/tlsMode flag when using TLS configuration parameters');
    await refused({ tlsMode: 'sometimesTLS' as StartServerOptions['tlsMode'] }, 'BadValue: unsupported value for tlsMode sometimesTLS');
    await refused({ tlsMode: 'requireTLS', tlsCertificateKeyFile: certs.server, tlsDisabledProtocols: 'TLS1_2,SSL3' }, "BadValue: Unrecognized disabledProtocols 'SSL3'");
    const missing = join(certs.dir, 'missing.pem');
    await assert.rejects(start({ tlsMode: 'requireTLS', tlsCertificateKeyFile: missing }), (err: unknown) => {
      assert.ok(err instanceof ServerStartupError);
      assert.equal(err.codeName, 'InvalidSSLConfiguration');
      assert.ok(err.message.startsWith(`InvalidSSLConfiguration: Cannot read certificate key file: ${missing}: `), err.message);
      return true;
    });
    await assert.rejects(start({ tlsMode: 'requireTLS', tlsCertificateKeyFile: certs.ca }), /Can not set up PEM key file/, 'a PEM without a key');
  });

  test('eddydb serve: TLS flags, getCmdLineOpts\' net.tls with the password redacted, and a refused combination', async () => {
    const bad = run(['serve', '--port', '0', '--inMemory', '--tlsMode', 'requireTLS']);
    assert.equal(await bad.exit, 2);
    assert.match(bad.stderr(), /^BadValue: need tlsCertificateKeyFile or certificateSelector when TLS is enabled\n/);

    const child = run([
      'serve', '--port', '0', '--inMemory', '--tlsMode', 'preferTLS', '--tlsCertificateKeyFile', certs.serverEncrypted,
      `--tlsCertificateKeyFilePassword=${certs.serverPassword}`, '--tlsCAFile', certs.ca, '--tlsAllowConnectionsWithoutCertificates',
    ]);
    try {
      const port = await listeningPort(child);
      const client = new MongoClient(`mongodb://127.0.0.1:${port}/?replicaSet=rs0`, {
        serverSelectionTimeoutMS: 5000, tls: true, tlsCAFile: certs.ca, tlsCertificateKeyFile: certs.client,
      });
      try {
        const opts = await client.db('admin').command({ getCmdLineOpts: 1 });
        assert.deepEqual(opts.parsed.net.tls, {
          mode: 'preferTLS', certificateKeyFile: certs.serverEncrypted, certificateKeyFilePassword: '<password>', CAFile: certs.ca,
          allowConnectionsWithoutCertificates: true,
        });
        assert.ok(opts.argv.includes('--tlsCertificateKeyFilePassword=<password>'), JSON.stringify(opts.argv));
        assert.equal(JSON.stringify(opts).includes(certs.serverPassword), false);
      } finally {
        await client.close();
      }
      assert.equal(child.stdout().includes(certs.serverPassword), false, 'the password is never logged');
      const accepted = child.lines.find((l) => l.msg === 'Accepted TLS connection from peer');
      assert.equal((accepted?.attr as { peerSubject?: string } | undefined)?.peerSubject, certs.clientSubject);
    } finally {
      assert.equal(await stop(child), 0);
    }
  });

  const pymongoGap = pymongoMissing();
  if (requireOptional('pymongo over TLS', pymongoGap, PYMONGO_HOW_TO_GET)) {
    test('pymongo over TLS with a client certificate', async () => {
      const { server, logs } = await start({ tlsMode: 'requireTLS', tlsCertificateKeyFile: certs.server, tlsCAFile: certs.ca });
      const uri = `mongodb://${server.address}/?replicaSet=rs0&tls=true&tlsCAFile=${encodeURIComponent(certs.ca)}`
        + `&tlsCertificateKeyFile=${encodeURIComponent(certs.client)}`;
      const script = join(process.cwd(), 'test', 'integration', 'pymongo', 'scripts', 'tls.py');
      const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(PYTHON, [script, uri], {
          env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
        child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
      });
      assert.equal(result.code, 0, result.stderr);
      const out = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
      assert.equal(out.ping, 1);
      assert.deepEqual(out.found, { _id: 1, over: 'tls' });
      const accepted = logs.filter((l) => l.msg === 'Accepted TLS connection from peer');
      assert.ok(accepted.length > 0 && accepted.every((l) => l.attr?.peerSubject === certs.clientSubject), JSON.stringify(accepted));
    });
  }
});
