/**
 * SCRAM (RFC 5802, RFC 7677) as mongod speaks it: the credentials a user document stores, and the server's side of
 * one conversation. SCRAM-SHA-1 hashes mongod's legacy digest of the password (MD5 of `user:mongo:password`), as
 * drivers do; SCRAM-SHA-256 uses the SASLprep'd password.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { saslprep } from '@mongodb-js/saslprep';
import { mongoError } from '../errors/index.js';

export type ScramMechanism = 'SCRAM-SHA-1' | 'SCRAM-SHA-256';
export const SCRAM_MECHANISMS: readonly ScramMechanism[] = ['SCRAM-SHA-1', 'SCRAM-SHA-256'];

/** One mechanism's stored credential, as in `admin.system.users`: base64 strings and the iteration count. */
export interface ScramCredential {
  iterationCount: number;
  salt: string;
  storedKey: string;
  serverKey: string;
}

/** mongod's defaults (its scramIterationCount and scramSHA256IterationCount parameters). */
export const DEFAULT_ITERATIONS: Readonly<Record<ScramMechanism, number>> = { 'SCRAM-SHA-1': 10_000, 'SCRAM-SHA-256': 15_000 };

interface HashSpec {
  name: 'sha1' | 'sha256';
  bytes: number;
}

const HASHES: Readonly<Record<ScramMechanism, HashSpec>> = {
  'SCRAM-SHA-1': { name: 'sha1', bytes: 20 },
  'SCRAM-SHA-256': { name: 'sha256', bytes: 32 },
};

/** The password as the mechanism hashes it. */
export function mechanismPassword(mechanism: ScramMechanism, user: string, password: string): string {
  if (mechanism === 'SCRAM-SHA-1') return createHash('md5').update(`${user}:mongo:${password}`, 'utf8').digest('hex');
  try {
    return saslprep(password);
  } catch {
    throw mongoError('BadValue', 'Password contains characters SASLprep prohibits');
  }
}

function hmac(hash: HashSpec, key: Buffer, text: string | Buffer): Buffer {
  return createHmac(hash.name, key).update(text).digest();
}

function digest(hash: HashSpec, data: Buffer): Buffer {
  return createHash(hash.name).update(data).digest();
}

/** The stored credential for a password: random salt (the hash's length less 4 bytes, as mongod), derived keys. */
export function scramCredential(mechanism: ScramMechanism, user: string, password: string, iterationCount = DEFAULT_ITERATIONS[mechanism]): ScramCredential {
  return scramCredentialFromHashed(mechanism, mechanismPassword(mechanism, user, password), iterationCount);
}

/**
 * The stored credential for a password already in the mechanism's form: createUser's `digestPassword: false` sends
 * SCRAM-SHA-1's digest itself.
 */
export function scramCredentialFromHashed(mechanism: ScramMechanism, hashedPassword: string, iterationCount = DEFAULT_ITERATIONS[mechanism]): ScramCredential {
  const hash = HASHES[mechanism];
  const salt = randomBytes(hash.bytes - 4);
  const salted = pbkdf2Sync(hashedPassword, salt, iterationCount, hash.bytes, hash.name);
  const clientKey = hmac(hash, salted, 'Client Key');
  return {
    iterationCount,
    salt: salt.toString('base64'),
    storedKey: digest(hash, clientKey).toString('base64'),
    serverKey: hmac(hash, salted, 'Server Key').toString('base64'),
  };
}

/** True when `password` is the one this credential was made from (PLAIN checks passwords this way). */
export function credentialMatches(mechanism: ScramMechanism, credential: ScramCredential, user: string, password: string): boolean {
  const hash = HASHES[mechanism];
  const salted = pbkdf2Sync(mechanismPassword(mechanism, user, password), Buffer.from(credential.salt, 'base64'), Number(credential.iterationCount), hash.bytes, hash.name);
  return constantTimeEqual(digest(hash, hmac(hash, salted, 'Client Key')), Buffer.from(credential.storedKey, 'base64'));
}

export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The first client message: `n,,n=<user>,r=<nonce>`; the user name with `=2C` and `=3D` unescaped. */
export interface ClientFirst {
  user: string;
  nonce: string;
  /** The message without its GS2 header: part of the AuthMessage both sides sign. */
  bare: string;
  gs2Header: string;
}

/** Padded base64 and nothing else: Buffer's decoder skips stray characters, which would accept a mangled proof. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function malformed(what: string): never {
  throw mongoError('BadValue', `Invalid SCRAM ${what}`);
}

/** SCRAM attributes (`k=value`), split on commas; values may hold '='. */
function attributes(text: string): Array<[string, string]> {
  return text.split(',').map((part) => {
    if (part.length < 2 || part[1] !== '=') malformed('attribute');
    return [part[0]!, part.slice(2)];
  });
}

export function parseClientFirst(payload: Uint8Array): ClientFirst {
  const text = Buffer.from(payload).toString('utf8');
  // GS2 header: a channel-binding flag (only 'n' or 'y': mongod binds no channel), an optional authzid, then ','.
  const first = text.indexOf(',');
  const second = first < 0 ? -1 : text.indexOf(',', first + 1);
  if (second < 0) malformed('client-first message');
  const flag = text.slice(0, first);
  if (flag !== 'n' && flag !== 'y') throw mongoError('BadValue', 'Server does not support channel binding');
  const authzid = text.slice(first + 1, second);
  if (authzid !== '' && !authzid.startsWith('a=')) malformed('authorization identity');
  const bare = text.slice(second + 1);
  const attrs = attributes(bare);
  if (attrs.length < 2 || attrs[0]![0] !== 'n' || attrs[1]![0] !== 'r') malformed('client-first message');
  const user = unescapeName(attrs[0]![1]);
  if (authzid !== '' && unescapeName(authzid.slice(2)) !== user) throw mongoError('BadValue', 'SCRAM user name and authorization identity differ');
  const nonce = attrs[1]![1];
  if (user.length === 0 || nonce.length === 0) malformed('client-first message');
  return { user, nonce, bare, gs2Header: text.slice(0, second + 1) };
}

function unescapeName(name: string): string {
  if (/=(?!2C|3D)/.test(name)) malformed('user name');
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

/**
 * The server's half of one SCRAM conversation: `start` answers the client-first message with the salt, the
 * iteration count and the combined nonce; `finish` checks the client's proof and returns the server's signature.
 * The nonce is fresh per conversation, so a replayed final message never verifies.
 */
export class ScramServer {
  private readonly hash: HashSpec;
  private serverFirst = '';
  private nonce = '';

  constructor(readonly mechanism: ScramMechanism, private readonly client: ClientFirst, private readonly credential: ScramCredential) {
    this.hash = HASHES[mechanism];
  }

  start(): Buffer {
    this.nonce = this.client.nonce + randomBytes(24).toString('base64');
    this.serverFirst = `r=${this.nonce},s=${this.credential.salt},i=${this.credential.iterationCount}`;
    return Buffer.from(this.serverFirst, 'utf8');
  }

  /** Verifies `c=...,r=...,p=...`; returns `v=<server signature>`, or null when the proof is wrong. */
  finish(payload: Uint8Array): Buffer | null {
    const text = Buffer.from(payload).toString('utf8');
    const proofAt = text.lastIndexOf(',p=');
    if (proofAt < 0) malformed('client-final message');
    const withoutProof = text.slice(0, proofAt);
    const attrs = attributes(withoutProof);
    if (attrs.length < 2 || attrs[0]![0] !== 'c' || attrs[1]![0] !== 'r') malformed('client-final message');
    if (attrs[0]![1] !== Buffer.from(this.client.gs2Header, 'utf8').toString('base64')) {
      throw mongoError('BadValue', 'Channel binding in the SCRAM client-final message does not match the client-first message');
    }
    if (attrs[1]![1] !== this.nonce) throw mongoError('BadValue', 'Unmatched SCRAM nonce received from client in second step');
    if (!BASE64.test(text.slice(proofAt + 3))) malformed('client proof: not base64');
    const proof = Buffer.from(text.slice(proofAt + 3), 'base64');
    const authMessage = `${this.client.bare},${this.serverFirst},${withoutProof}`;
    const storedKey = Buffer.from(this.credential.storedKey, 'base64');
    const signature = hmac(this.hash, storedKey, authMessage);
    if (proof.length !== signature.length) return null;
    const clientKey = Buffer.alloc(signature.length);
    for (let i = 0; i < signature.length; i++) clientKey[i] = proof[i]! ^ signature[i]!;
    if (!constantTimeEqual(digest(this.hash, clientKey), storedKey)) return null;
    const serverSignature = hmac(this.hash, Buffer.from(this.credential.serverKey, 'base64'), authMessage);
    return Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8');
  }
}
