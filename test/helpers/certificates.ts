/**
 * Certificates for the TLS tests, made with the `openssl` command in a temporary folder at run time (no key is
 * ever committed): a CA, a server certificate for 127.0.0.1 and localhost, a client certificate the CA signed, a
 * self-signed client certificate the CA never saw, and the server's key again encrypted with a password.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const OPENSSL_HOW_TO_GET = 'apt-get install -y openssl';

/** One line saying why `openssl` cannot be run, or undefined when it can. */
export function opensslMissing(): string | undefined {
  const probe = spawnSync('openssl', ['version'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.status === 0) return undefined;
  return `the openssl command cannot be run (${probe.error ? probe.error.message : `exit status ${probe.status ?? probe.signal}`})`;
}

/** Paths of PEM files; each `*.pem` but ca.pem holds a certificate and its private key. */
export interface TestCertificates {
  dir: string;
  ca: string;
  server: string;
  /** The server's certificate with its key encrypted (AES-256) under `serverPassword`. */
  serverEncrypted: string;
  serverPassword: string;
  /** Signed by the CA; subject /C=US/O=eddydb/OU=eddy/CN=client. */
  client: string;
  /** The subject of `client` as mongod prints it. */
  clientSubject: string;
  /** Self-signed, subject /CN=rogue: fails verification against the CA. */
  rogue: string;
  /** Removes the folder. */
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${result.stderr || result.error?.message}`);
}

/** Makes the certificates (a few hundred milliseconds of RSA key generation). */
export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'eddydb-tls-'));
  try {
    const days = '2';
    openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', days, '-subj', '/O=eddydb/CN=eddydb test CA']);
    const signed = (name: string, subject: string, extensions: string): void => {
      openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
      writeFileSync(join(dir, `${name}.ext`), extensions);
      openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', days, '-extfile', `${name}.ext`]);
      writeFileSync(join(dir, `${name}.pem`), readFileSync(join(dir, `${name}.crt`), 'utf8') + readFileSync(join(dir, `${name}.key`), 'utf8'));
    };
    signed('server', '/C=US/O=eddydb/OU=eddy/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    signed('client', '/C=US/O=eddydb/OU=eddy/CN=client', 'extendedKeyUsage=clientAuth\n');
    openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rogue.key', '-out', 'rogue.crt', '-days', days, '-subj', '/CN=rogue']);
    writeFileSync(join(dir, 'rogue.pem'), readFileSync(join(dir, 'rogue.crt'), 'utf8') + readFileSync(join(dir, 'rogue.key'), 'utf8'));
    const serverPassword = 'correct horse';
    openssl(dir, ['pkcs8', '-topk8', '-in', 'server.key', '-out', 'server.enc.key', '-v2', 'aes-256-cbc', '-passout', `pass:${serverPassword}`]);
    writeFileSync(join(dir, 'server-encrypted.pem'), readFileSync(join(dir, 'server.crt'), 'utf8') + readFileSync(join(dir, 'server.enc.key'), 'utf8'));
    return {
      dir,
      ca: join(dir, 'ca.pem'),
      server: join(dir, 'server.pem'),
      serverEncrypted: join(dir, 'server-encrypted.pem'),
      serverPassword,
      client: join(dir, 'client.pem'),
      clientSubject: 'CN=client,OU=eddy,O=eddydb,C=US',
      rogue: join(dir, 'rogue.pem'),
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
