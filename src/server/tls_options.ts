/**
 * mongod's `net.tls` options: their checks and words, what getCmdLineOpts reports of them, and the wire layer's
 * TLS settings read from their files.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Document } from '../bson/index.js';
import { TLS_PROTOCOLS, TlsAcceptor, type TlsMode, type TlsProtocol } from '../wire/index.js';
import { ServerStartupError } from './startup_error.js';

/** The TLS options of `startServer`, with mongod's command-line names. */
export interface TlsOptions {
  /** mongod's `--tlsMode`; absent: disabled. */
  tlsMode?: 'disabled' | TlsMode;
  /** A PEM file holding the server's certificate and its private key. */
  tlsCertificateKeyFile?: string;
  /** The password of an encrypted private key in tlsCertificateKeyFile. */
  tlsCertificateKeyFilePassword?: string;
  /** CA certificates (PEM): clients are then asked for a certificate that chains to one of them. */
  tlsCAFile?: string;
  /** With tlsCAFile: admit clients that send no certificate. */
  tlsAllowConnectionsWithoutCertificates?: boolean;
  /** With tlsCAFile: admit clients whose certificate does not verify (they get no X.509 identity). */
  tlsAllowInvalidCertificates?: boolean;
  /** Comma-separated TLS1_0, TLS1_1, TLS1_2, TLS1_3 (or `none`); default TLS1_0, as mongod. */
  tlsDisabledProtocols?: string;
}

export const TLS_MODES: readonly string[] = ['disabled', 'allowTLS', 'preferTLS', 'requireTLS'];

/** mongod's `--tlsDisabledProtocols`: its names, the older `noTLS1_x` spellings, or `none`. Throws mongod's message. */
export function parseDisabledProtocols(text: string | undefined): TlsProtocol[] {
  // mongod disables TLS 1.0 unless told otherwise.
  if (text === undefined) return ['TLS1_0'];
  if (text === 'none') return [];
  const disabled: TlsProtocol[] = [];
  for (const token of text.split(',')) {
    const name = token.startsWith('no') ? token.slice(2) : token;
    if (!(TLS_PROTOCOLS as readonly string[]).includes(name)) throw new Error(`Unrecognized disabledProtocols '${token}'`);
    if (!disabled.includes(name as TlsProtocol)) disabled.push(name as TlsProtocol);
  }
  return disabled;
}

/** The first of mongod's checks the options fail, in mongod's words, or undefined when they hold together. */
export function tlsOptionsProblem(options: TlsOptions): string | undefined {
  const mode = options.tlsMode ?? 'disabled';
  if (!TLS_MODES.includes(mode)) return `unsupported value for tlsMode ${String(mode)}`;
  try {
    parseDisabledProtocols(options.tlsDisabledProtocols);
  } catch (err) {
    return (err as Error).message;
  }
  if (mode !== 'disabled') {
    if (!options.tlsCertificateKeyFile) return 'need tlsCertificateKeyFile or certificateSelector when TLS is enabled';
    return undefined;
  }
  const configured = options.tlsCertificateKeyFile !== undefined || options.tlsCertificateKeyFilePassword !== undefined
    || options.tlsCAFile !== undefined || options.tlsDisabledProtocols !== undefined || options.tlsAllowConnectionsWithoutCertificates === true;
  if (configured) return 'need to enable TLS via the sslMode/tlsMode flag when using TLS configuration parameters';
  return undefined;
}

/** getCmdLineOpts' `net.tls`, as mongod reports it (the password redacted); undefined when no TLS option was given. */
export function tlsParsed(options: TlsOptions): Document | undefined {
  const out: Document = {};
  if (options.tlsMode !== undefined) out.mode = options.tlsMode;
  if (options.tlsCertificateKeyFile !== undefined) out.certificateKeyFile = options.tlsCertificateKeyFile;
  if (options.tlsCertificateKeyFilePassword !== undefined) out.certificateKeyFilePassword = '<password>';
  if (options.tlsCAFile !== undefined) out.CAFile = options.tlsCAFile;
  if (options.tlsAllowConnectionsWithoutCertificates) out.allowConnectionsWithoutCertificates = true;
  if (options.tlsAllowInvalidCertificates) out.allowInvalidCertificates = true;
  if (options.tlsDisabledProtocols !== undefined) out.disabledProtocols = options.tlsDisabledProtocols;
  return Object.keys(out).length > 0 ? out : undefined;
}

function readPem(what: string, path: string): Buffer {
  const absolute = resolve(path);
  try {
    return readFileSync(absolute);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ServerStartupError('InvalidSSLConfiguration', `InvalidSSLConfiguration: Cannot read ${what} file: ${absolute}: ${reason}`, 1, { cause: err });
  }
}

/**
 * The acceptor that serves TLS on every listener, or undefined for `--tlsMode disabled`. Throws ServerStartupError:
 * BadValue (exit code 2) for options mongod refuses together, InvalidSSLConfiguration (1) for a file that cannot be
 * read or a certificate, key or password that does not work.
 */
export function createTlsAcceptor(options: TlsOptions): TlsAcceptor | undefined {
  const problem = tlsOptionsProblem(options);
  if (problem !== undefined) throw new ServerStartupError('BadValue', `BadValue: ${problem}`, 2);
  const mode = options.tlsMode ?? 'disabled';
  if (mode === 'disabled') return undefined;
  const certificateKey = readPem('certificate key', options.tlsCertificateKeyFile!);
  const ca = options.tlsCAFile === undefined ? undefined : readPem('CA', options.tlsCAFile);
  try {
    return new TlsAcceptor({
      mode,
      certificateKey,
      ...(options.tlsCertificateKeyFilePassword !== undefined ? { certificateKeyPassword: options.tlsCertificateKeyFilePassword } : {}),
      ...(ca ? { ca } : {}),
      allowConnectionsWithoutCertificates: options.tlsAllowConnectionsWithoutCertificates === true,
      allowInvalidCertificates: options.tlsAllowInvalidCertificates === true,
      disabledProtocols: parseDisabledProtocols(options.tlsDisabledProtocols),
    });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ServerStartupError('InvalidSSLConfiguration', `InvalidSSLConfiguration: Can not set up PEM key file: ${reason}`, 1, { cause: err });
  }
}
