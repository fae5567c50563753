/**
 * The client's side of SCRAM (RFC 5802) for tests that speak raw OP_MSG, so a test can build every message of a
 * conversation itself, correct or deliberately wrong, and check the server's signature. Salted passwords are
 * cached: the key derivation runs once per user, salt and iteration count however many conversations run.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { BSON, Binary, type Document } from 'mongodb';
import { bodySection, opMsg, RawSocket, type Outcome } from '../driver/raw_wire.js';

export type ScramMechanism = 'SCRAM-SHA-1' | 'SCRAM-SHA-256';

const HASHES: Record<ScramMechanism, { name: 'sha1' | 'sha256'; bytes: number }> = {
  'SCRAM-SHA-1': { name: 'sha1', bytes: 20 },
  'SCRAM-SHA-256': { name: 'sha256', bytes: 32 },
};

const saltedCache = new Map<string, Buffer>();

function saltedPassword(mechanism: ScramMechanism, user: string, password: string, salt: string, iterations: number): Buffer {
  const key = JSON.stringify([mechanism, user, password, salt, iterations]);
  let salted = saltedCache.get(key);
  if (!salted) {
    const hash = HASHES[mechanism];
    // SCRAM-SHA-1 hashes mongod's legacy digest; the test passwords are already in SASLprep's normal form.
    const secret = mechanism === 'SCRAM-SHA-1' ? createHash('md5').update(`${user}:mongo:${password}`, 'utf8').digest('hex') : password.normalize('NFKC');
    salted = pbkdf2Sync(secret, Buffer.from(salt, 'base64'), iterations, hash.bytes, hash.name);
    saltedCache.set(key, salted);
  }
  return salted;
}

export function escapeName(user: string): string {
  return user.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** `k=v` attributes of a SCRAM message; the first '=' splits. */
export function scramAttributes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(',')) out.set(part.slice(0, 1), part.slice(2));
  return out;
}

/** What a client-final message is made of, and the signature the server must answer with. */
export interface ClientFinal {
  channelBinding: string;
  nonce: string;
  proof: Buffer;
  /** `c=...,r=...,p=...` */
  message: string;
  serverSignature: string;
}

export class ScramClient {
  readonly gs2Header = 'n,,';
  readonly bare: string;

  constructor(
    readonly mechanism: ScramMechanism,
    readonly user: string,
    readonly password: string,
    readonly nonce = randomBytes(24).toString('base64'),
  ) {
    this.bare = `n=${escapeName(user)},r=${nonce}`;
  }

  get first(): Buffer {
    return Buffer.from(this.gs2Header + this.bare, 'utf8');
  }

  /** The final message answering `serverFirst`, signed with `password` (the client's own unless given). */
  final(serverFirst: string, password = this.password): ClientFinal {
    const attrs = scramAttributes(serverFirst);
    const nonce = attrs.get('r') ?? '';
    const hash = HASHES[this.mechanism];
    const salted = saltedPassword(this.mechanism, this.user, password, attrs.get('s') ?? '', Number(attrs.get('i')));
    const channelBinding = Buffer.from(this.gs2Header, 'utf8').toString('base64');
    const withoutProof = `c=${channelBinding},r=${nonce}`;
    const authMessage = `${this.bare},${serverFirst},${withoutProof}`;
    const clientKey = createHmac(hash.name, salted).update('Client Key').digest();
    const storedKey = createHash(hash.name).update(clientKey).digest();
    const signature = createHmac(hash.name, storedKey).update(authMessage).digest();
    const proof = Buffer.alloc(hash.bytes);
    for (let i = 0; i < hash.bytes; i++) proof[i] = clientKey[i]! ^ signature[i]!;
    const serverKey = createHmac(hash.name, salted).update('Server Key').digest();
    const serverSignature = createHmac(hash.name, serverKey).update(authMessage).digest().toString('base64');
    return { channelBinding, nonce, proof, message: `${withoutProof},p=${proof.toString('base64')}`, serverSignature };
  }
}

/** The payload of a reply as text (binData or string), or undefined. */
export function payloadText(reply: Document): string | undefined {
  const p = reply.payload as unknown;
  if (p instanceof Binary) return Buffer.from(p.value()).toString('utf8');
  if (typeof p === 'string') return p;
  return undefined;
}

/** A raw connection that sends one command at a time and waits, bounded, for its reply or the close. */
export class RawConnection {
  private requestId = 0;
  private closedSeen = false;

  private constructor(private readonly raw: RawSocket) {}

  static async open(port: number): Promise<RawConnection> {
    return new RawConnection(await RawSocket.open(port));
  }

  get closed(): boolean {
    return this.closedSeen;
  }

  /** Sends `cmd` (a document, or an already-encoded BSON body) and returns the outcome within `timeoutMs`. */
  async command(cmd: Document | Buffer, timeoutMs = 15_000): Promise<Outcome> {
    if (this.closedSeen) return { closed: true };
    this.raw.write(opMsg([bodySection(cmd)], 0, ++this.requestId));
    const outcome = await this.raw.outcome(timeoutMs);
    if ('closed' in outcome) this.closedSeen = true;
    return outcome;
  }

  destroy(): void {
    this.raw.destroy();
  }
}

export function saslStartCommand(mechanism: string, payload: Buffer | unknown, db = 'admin'): Document {
  return { saslStart: 1, mechanism, payload: Buffer.isBuffer(payload) ? new Binary(payload) : payload, autoAuthorize: 1, options: { skipEmptyExchange: true }, $db: db };
}

export function saslContinueCommand(payload: Buffer | unknown, conversationId: unknown = 1, db = 'admin'): Document {
  return { saslContinue: 1, conversationId, payload: Buffer.isBuffer(payload) ? new Binary(payload) : payload, $db: db };
}

/** The encoded size of a document, for building commands right at the size limit. */
export function bsonSize(doc: Document): number {
  return BSON.calculateObjectSize(doc);
}
