/**
 * TLS on the wire port, as mongod's `net.tls` settings: the first byte of a connection tells a TLS ClientHello (a
 * handshake record, 0x16) from a MongoDB message header (a little-endian length), so one port serves both in
 * allowTLS and preferTLS, and requireTLS refuses plain clients. Client certificates are judged after the
 * handshake, as mongod does, so that a refusal is logged with mongod's reason.
 */
import { constants as cryptoConstants, type X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import tls from 'node:tls';

/** mongod's `net.tls.mode` values that serve TLS ('disabled' never reaches the wire layer). */
export type TlsMode = 'allowTLS' | 'preferTLS' | 'requireTLS';

/** mongod's names for the protocol versions, as `--tlsDisabledProtocols` lists them. */
export const TLS_PROTOCOLS = ['TLS1_0', 'TLS1_1', 'TLS1_2', 'TLS1_3'] as const;
export type TlsProtocol = (typeof TLS_PROTOCOLS)[number];

/** What the wire layer needs to serve TLS: file contents, already read. */
export interface TlsSettings {
  mode: TlsMode;
  /** The PEM with the server's certificate (chain) and its private key. */
  certificateKey: Buffer;
  /** Decrypts an encrypted private key. */
  certificateKeyPassword?: string;
  /** The CA certificates client certificates must chain to; without them no client certificate is asked for. */
  ca?: Buffer;
  /** With a CA: a client that sends no certificate is admitted all the same. */
  allowConnectionsWithoutCertificates: boolean;
  /** With a CA: a certificate that does not verify is admitted, but gives no peer subject. */
  allowInvalidCertificates: boolean;
  /** Versions the server will not speak. */
  disabledProtocols: readonly TlsProtocol[];
}

/** How a connection's first bytes were answered. */
export type TlsOutcome =
  | { kind: 'plain'; socket: Socket }
  | { kind: 'tls'; socket: tls.TLSSocket; peerSubject?: string }
  /** The socket is being destroyed; `reason` is mongod's status for the log. */
  | { kind: 'refused'; reason: string };

/** Receives the acceptor's warnings about an admitted connection (`{msg, ...fields}`). */
export type TlsLog = (event: Record<string, unknown>) => void;

const NODE_VERSION_NAMES: Readonly<Record<TlsProtocol, tls.SecureVersion>> = {
  TLS1_0: 'TLSv1',
  TLS1_1: 'TLSv1.1',
  TLS1_2: 'TLSv1.2',
  TLS1_3: 'TLSv1.3',
};

const OPENSSL_NO_PROTOCOL: Readonly<Record<TlsProtocol, number>> = {
  TLS1_0: cryptoConstants.SSL_OP_NO_TLSv1,
  TLS1_1: cryptoConstants.SSL_OP_NO_TLSv1_1,
  TLS1_2: cryptoConstants.SSL_OP_NO_TLSv1_2,
  TLS1_3: cryptoConstants.SSL_OP_NO_TLSv1_3,
};

/** A TLS record of type handshake: how every ClientHello starts. */
const TLS_HANDSHAKE_RECORD = 0x16;

/** OpenSSL's words (X509_verify_cert_error_string), which mongod logs, for the codes Node reports. */
const VERIFY_ERRORS: Readonly<Record<string, string>> = {
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get issuer certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
  CERT_REVOKED: 'certificate revoked',
  INVALID_CA: 'invalid CA certificate',
  INVALID_PURPOSE: 'unsupported certificate purpose',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_REJECTED: 'certificate rejected',
};

/**
 * A certificate's subject as mongod prints it (RFC 2253): the relative names from the last to the first, joined
 * by commas, so a certificate whose subject reads /O=eddydb/OU=eddy/CN=client gives `CN=client,OU=eddy,O=eddydb`.
 * Node prints one relative name a line, first to last, with the values already escaped per RFC 2253.
 */
export function rfc2253Subject(cert: X509Certificate): string {
  return cert.subject
    .split('\n')
    .filter((rdn) => rdn.length > 0)
    .reverse()
    .map((rdn) => rdn.replace(/ \+ /g, '+'))
    .join(',');
}

/** Node's version bounds, plus OpenSSL's per-version switches for a version disabled between two allowed ones. */
function protocolOptions(disabled: readonly TlsProtocol[]): Pick<tls.TlsOptions, 'minVersion' | 'maxVersion' | 'secureOptions'> {
  const allowed = TLS_PROTOCOLS.filter((p) => !disabled.includes(p));
  if (allowed.length === 0) throw new Error('every TLS protocol version is disabled');
  let secureOptions = 0;
  for (const p of disabled) secureOptions |= OPENSSL_NO_PROTOCOL[p];
  return {
    minVersion: NODE_VERSION_NAMES[allowed[0]!],
    maxVersion: NODE_VERSION_NAMES[allowed[allowed.length - 1]!],
    secureOptions,
  };
}

function addressKey(socket: Socket): string {
  return `${socket.localAddress}:${socket.localPort}|${socket.remoteAddress}:${socket.remotePort}`;
}

/**
 * Answers the first bytes of connections. One per server: it holds the server's certificate, parsed once. The
 * handshake runs in a tls.Server that never listens, since Node judges a client certificate only for a socket
 * handed to such a server.
 */
export class TlsAcceptor {
  readonly mode: TlsMode;
  private readonly server: tls.Server;
  /** Handshakes under way, by the connection's addresses (unique among open connections). */
  private readonly handshakes = new Map<string, (socket: tls.TLSSocket, error?: Error) => void>();

  /** Throws when the certificate, key, password or CA cannot be used (Node's message says which). */
  constructor(private readonly settings: TlsSettings) {
    this.mode = settings.mode;
    this.server = tls.createServer({
      cert: settings.certificateKey,
      key: settings.certificateKey,
      ...(settings.certificateKeyPassword !== undefined ? { passphrase: settings.certificateKeyPassword } : {}),
      ...(settings.ca ? { ca: settings.ca } : {}),
      requestCert: settings.ca !== undefined,
      // Judged in finishHandshake, as mongod does after its handshake; rejecting here would drop the reason.
      rejectUnauthorized: false,
      ...protocolOptions(settings.disabledProtocols),
    });
    this.server.on('secureConnection', (socket: tls.TLSSocket) => this.handshakes.get(addressKey(socket))?.(socket));
    this.server.on('tlsClientError', (error: Error, socket: tls.TLSSocket) => this.handshakes.get(addressKey(socket))?.(socket, error));
  }

  /**
   * Reads the first chunk of `socket` and calls `done` once: with the socket to speak the wire protocol on (the
   * plain one, paused, or the TLS one after its handshake), or with the reason it was refused (the socket is then
   * destroyed). A socket that closes first never calls `done`.
   */
  negotiate(socket: Socket, log: TlsLog, done: (outcome: TlsOutcome) => void): void {
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      if (chunk[0] !== TLS_HANDSHAKE_RECORD) {
        if (this.mode === 'requireTLS') {
          socket.destroy();
          done({ kind: 'refused', reason: 'SSLHandshakeFailed: The server is configured to only allow SSL connections' });
          return;
        }
        if (this.mode === 'preferTLS') log({ msg: "SSL mode is set to 'preferred' and connection is not using SSL." });
        done({ kind: 'plain', socket });
        return;
      }
      const key = addressKey(socket);
      socket.once('close', () => this.handshakes.delete(key));
      this.handshakes.set(key, (secured, error) => {
        this.handshakes.delete(key);
        if (error) {
          secured.destroy();
          done({ kind: 'refused', reason: `SSLHandshakeFailed: ${error.message}` });
          return;
        }
        done(this.finishHandshake(secured, log));
      });
      // Node's TLS socket takes the bytes already read (the unshifted chunk) as the start of the handshake.
      this.server.emit('connection', socket);
    });
  }

  /** mongod's judgement of the client's certificate, once the handshake is done. */
  private finishHandshake(socket: tls.TLSSocket, log: TlsLog): TlsOutcome {
    if (!this.settings.ca) return { kind: 'tls', socket };
    const peer = socket.getPeerX509Certificate();
    if (!peer) {
      if (!this.settings.allowConnectionsWithoutCertificates) {
        socket.destroy();
        return { kind: 'refused', reason: 'SSLHandshakeFailed: no SSL certificate provided by peer; connection rejected' };
      }
      log({ msg: 'No SSL certificate provided by peer' });
      return { kind: 'tls', socket };
    }
    const code = socket.authorizationError as unknown as string | null;
    if (code) {
      const reason = VERIFY_ERRORS[code] ?? code;
      if (!this.settings.allowInvalidCertificates) {
        socket.destroy();
        return { kind: 'refused', reason: `SSLHandshakeFailed: SSL peer certificate validation failed: ${reason}` };
      }
      log({ msg: 'SSL peer certificate validation failed', reason });
      return { kind: 'tls', socket };
    }
    return { kind: 'tls', socket, peerSubject: rfc2253Subject(peer) };
  }
}
