/**
 * Hand-built wire messages, well-formed and not, and a raw socket that reports what the server did with them:
 * a reply (decoded) or a closed connection.
 */
import net from 'node:net';
import { deflateSync } from 'node:zlib';
import { BSON, type Document } from 'mongodb';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

/** A 16-byte header followed by `body`; `length` overrides the messageLength field. */
export function message(opCode: number, body: Buffer, requestId = 1, length = 16 + body.length): Buffer {
  const header = Buffer.alloc(16);
  header.writeInt32LE(length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(0, 8);
  header.writeInt32LE(opCode, 12);
  return Buffer.concat([header, body]);
}

export function bson(doc: Document): Buffer {
  return Buffer.from(BSON.serialize(doc));
}

/** A kind-0 section. */
export function bodySection(doc: Document | Buffer): Buffer {
  return Buffer.concat([Buffer.from([0]), Buffer.isBuffer(doc) ? doc : bson(doc)]);
}

/** A kind-1 section: size, identifier, documents. */
export function sequenceSection(identifier: string, docs: (Document | Buffer)[]): Buffer {
  const payload = Buffer.concat([Buffer.from(`${identifier}\0`, 'utf8'), ...docs.map((d) => (Buffer.isBuffer(d) ? d : bson(d)))]);
  const size = Buffer.alloc(4);
  size.writeInt32LE(4 + payload.length, 0);
  return Buffer.concat([Buffer.from([1]), size, payload]);
}

/** OP_MSG with the given flag bits and sections, in order. */
export function opMsg(sections: Buffer[], flags = 0, requestId = 1): Buffer {
  const flagBits = Buffer.alloc(4);
  flagBits.writeUInt32LE(flags >>> 0, 0);
  return message(OP_MSG, Buffer.concat([flagBits, ...sections]), requestId);
}

/** OP_COMPRESSED around a whole message, with `compressorId` and zlib-deflated bytes. */
export function compressed(inner: Buffer, compressorId: number): Buffer {
  const prefix = Buffer.alloc(9);
  prefix.writeInt32LE(inner.readInt32LE(12), 0);
  prefix.writeInt32LE(inner.length - 16, 4);
  prefix.writeUInt8(compressorId, 8);
  return message(OP_COMPRESSED, Buffer.concat([prefix, deflateSync(inner.subarray(16))]), inner.readInt32LE(4));
}

/** What the server did: replied (the first reply's document), or closed the connection without replying. */
export type Outcome = Reply | { closed: true };

/** A reply message: its document, and its header and flag bits (OP_MSG flagBits or OP_REPLY responseFlags). */
export interface Reply {
  reply: Document;
  opCode: number;
  requestId: number;
  responseTo: number;
  flags: number;
}

function decodeReply(msg: Buffer): Reply {
  const opCode = msg.readInt32LE(12);
  const header = { opCode, requestId: msg.readInt32LE(4), responseTo: msg.readInt32LE(8), flags: msg.readUInt32LE(16) };
  if (opCode === OP_MSG) return { ...header, reply: BSON.deserialize(msg.subarray(21)) };
  if (opCode === OP_REPLY) return { ...header, reply: BSON.deserialize(msg.subarray(36)) };
  throw new Error(`unexpected reply opcode ${opCode}`);
}

/** One raw socket to the server. */
export class RawSocket {
  private buffer = Buffer.alloc(0);
  private readonly replies: Reply[] = [];
  private closed = false;
  private wake: (() => void) | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 4 && this.buffer.length >= this.buffer.readInt32LE(0)) {
        const length = this.buffer.readInt32LE(0);
        this.replies.push(decodeReply(this.buffer.subarray(0, length)));
        this.buffer = this.buffer.subarray(length);
      }
      this.wake?.();
    });
    socket.on('error', () => undefined); // a reset after the server closes is an expected outcome
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  static open(port: number): Promise<RawSocket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(new RawSocket(socket)));
      socket.once('error', reject);
    });
  }

  /** Writes bytes; with `end`, half-closes the socket afterwards (so a partial message cannot wait forever). */
  write(bytes: Buffer, end = false): void {
    if (this.socket.destroyed) return;
    if (end) this.socket.end(bytes);
    else this.socket.write(bytes);
  }

  /** The first reply, or `closed`; rejects if neither happens within `timeoutMs`. */
  async outcome(timeoutMs = 3000): Promise<Outcome> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = this.replies.shift();
      if (reply) return reply;
      if (this.closed) return { closed: true };
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('the server neither replied nor closed the connection');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = null;
          resolve();
        };
      });
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Closes with a reset (RST), as a client that goes away does; the server then sees the connection closed at once. */
  reset(): void {
    this.socket.resetAndDestroy();
  }
}

/** A deterministic byte generator (xorshift32), so a failing garbage case can be replayed. */
export function garbage(seed: number, length: number): Buffer {
  let x = seed >>> 0 || 1;
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli), as OP_MSG's checksum. */
export function crc32c(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const b of bytes) crc = CRC32C_TABLE[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** An OP_MSG with checksumPresent and a checksum: the right one, or `wrong` flipped. */
export function opMsgWithChecksum(sections: Buffer[], wrong = false, requestId = 1): Buffer {
  const withoutSum = opMsg(sections, 1, requestId);
  const whole = Buffer.concat([withoutSum, Buffer.alloc(4)]);
  whole.writeInt32LE(whole.length, 0);
  const sum = crc32c(whole.subarray(0, whole.length - 4));
  whole.writeUInt32LE((wrong ? sum ^ 0xdeadbeef : sum) >>> 0, whole.length - 4);
  return whole;
}
