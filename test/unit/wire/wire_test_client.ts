/** Test helpers: build raw wire messages and talk to a WireServer over a plain socket. */
import net from 'node:net';
import { inflateSync, deflateSync } from 'node:zlib';
import { BSON, type Document } from 'bson';
import { crc32c } from '../../../src/wire/crc32c.js';
import { createWireServer } from '../../../src/wire/index.js';
import type { CommandHandler, WireServer, WireServerOptions } from '../../../src/wire/index.js';

export function bson(doc: Document): Buffer {
  return Buffer.from(BSON.serialize(doc));
}

function header(length: number, requestId: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(0, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

/** A raw message: header plus body, messageLength computed unless given. */
export function rawMessage(requestId: number, opCode: number, body: Buffer, length?: number): Buffer {
  return Buffer.concat([header(length ?? 16 + body.length, requestId, opCode), body]);
}

export interface OpMsgSpec {
  flags?: number;
  /** Raw sections, used as-is instead of body/sequences. */
  sections?: Buffer[];
  sequences?: Array<{ id: string; docs: Document[] }>;
  checksum?: 'good' | 'bad';
}

export function section0(doc: Document | Buffer): Buffer {
  return Buffer.concat([Buffer.from([0]), Buffer.isBuffer(doc) ? doc : bson(doc)]);
}

export function section1(id: string, docs: Array<Document | Buffer>, sizeOverride?: number): Buffer {
  const payload = Buffer.concat([Buffer.from(id + '\0', 'utf8'), ...docs.map((d) => (Buffer.isBuffer(d) ? d : bson(d)))]);
  const size = Buffer.alloc(4);
  size.writeInt32LE(sizeOverride ?? payload.length + 4, 0);
  return Buffer.concat([Buffer.from([1]), size, payload]);
}

export function opMsg(requestId: number, body: Document | null, spec: OpMsgSpec = {}): Buffer {
  let flags = spec.flags ?? 0;
  if (spec.checksum) flags |= 1;
  const sections = spec.sections ?? [
    ...(spec.sequences ?? []).map((s) => section1(s.id, s.docs)),
    ...(body ? [section0(body)] : []),
  ];
  const flagBytes = Buffer.alloc(4);
  flagBytes.writeUInt32LE(flags >>> 0, 0);
  const withoutSum = Buffer.concat([flagBytes, ...sections]);
  if (!spec.checksum) return rawMessage(requestId, 2013, withoutSum);
  const msg = rawMessage(requestId, 2013, Buffer.concat([withoutSum, Buffer.alloc(4)]));
  const sum = crc32c(msg, 0, msg.length - 4);
  msg.writeUInt32LE(spec.checksum === 'good' ? sum : (sum ^ 1) >>> 0, msg.length - 4);
  return msg;
}

export function opQuery(requestId: number, ns: string, query: Document, numberToReturn = -1, flags = 0): Buffer {
  const f = Buffer.alloc(4);
  f.writeInt32LE(flags, 0);
  const nums = Buffer.alloc(8);
  nums.writeInt32LE(0, 0);
  nums.writeInt32LE(numberToReturn, 4);
  return rawMessage(requestId, 2004, Buffer.concat([f, Buffer.from(ns + '\0', 'utf8'), nums, bson(query)]));
}

export function compress(message: Buffer, compressorId: number): Buffer {
  const body = message.subarray(16);
  const payload = compressorId === 2 ? deflateSync(body) : body;
  const meta = Buffer.alloc(9);
  meta.writeInt32LE(message.readInt32LE(12), 0);
  meta.writeInt32LE(body.length, 4);
  meta.writeUInt8(compressorId, 8);
  return rawMessage(message.readInt32LE(4), 2012, Buffer.concat([meta, payload]));
}

export interface Reply {
  opCode: number;
  requestId: number;
  responseTo: number;
  /** OP_MSG flagBits or OP_REPLY responseFlags. */
  flags: number;
  doc: Document;
  /** Compressor id when the reply came as OP_COMPRESSED. */
  compressorId?: number;
  /** Opcode inside OP_COMPRESSED. */
  originalOpCode?: number;
}

export function parseReply(msg: Buffer): Reply {
  const opCode = msg.readInt32LE(12);
  if (opCode === 2012) {
    const originalOpCode = msg.readInt32LE(16);
    const compressorId = msg.readUInt8(24);
    const payload = msg.subarray(25);
    const body = compressorId === 2 ? inflateSync(payload) : payload;
    const inner = Buffer.concat([msg.subarray(0, 12), Buffer.alloc(4), body]);
    inner.writeInt32LE(originalOpCode, 12);
    inner.writeInt32LE(inner.length, 0);
    return { ...parseReply(inner), compressorId, originalOpCode };
  }
  const requestId = msg.readInt32LE(4);
  const responseTo = msg.readInt32LE(8);
  if (opCode === 2013) {
    if (msg[20] !== 0) throw new Error('reply does not start with a body section');
    const size = msg.readInt32LE(21);
    if (21 + size !== msg.length) throw new Error('reply has more than one section');
    return { opCode, requestId, responseTo, flags: msg.readUInt32LE(16), doc: BSON.deserialize(msg.subarray(21, 21 + size)) };
  }
  if (opCode === 1) {
    const numberReturned = msg.readInt32LE(32);
    if (numberReturned !== 1) throw new Error(`OP_REPLY numberReturned ${numberReturned}`);
    if (msg.readBigInt64LE(20) !== 0n || msg.readInt32LE(28) !== 0) throw new Error('OP_REPLY cursorID/startingFrom not 0');
    return { opCode, requestId, responseTo, flags: msg.readInt32LE(16), doc: BSON.deserialize(msg.subarray(36)) };
  }
  throw new Error(`unexpected reply opcode ${opCode}`);
}

/** A plain TCP client that collects whole reply messages. */
export class RawClient {
  private buffer = Buffer.alloc(0);
  private readonly messages: Buffer[] = [];
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 4 && this.buffer.length >= this.buffer.readInt32LE(0)) {
        const len = this.buffer.readInt32LE(0);
        this.messages.push(this.buffer.subarray(0, len));
        this.buffer = this.buffer.subarray(len);
      }
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private waitForChange(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  write(buf: Buffer): Promise<void> {
    return new Promise((resolve) => this.socket.write(buf, () => resolve()));
  }

  /** Next reply, parsed; rejects after timeoutMs or when the socket closed first. */
  async next(timeoutMs = 2000): Promise<Reply> {
    return parseReply(await this.nextMessage(timeoutMs));
  }

  /** Next reply message as it came, header included; rejects as next() does. */
  async nextMessage(timeoutMs = 2000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.messages.shift();
      if (m) return m;
      if (this.closed) throw new Error('connection closed before a reply');
      const left = deadline - Date.now();
      if (left <= 0 || !(await this.waitForChange(left))) {
        if (this.messages.length === 0) throw new Error('timed out waiting for a reply');
      }
    }
  }

  /** Resolves true when the server closed the socket within timeoutMs (replies received before are ignored). */
  async waitClosed(timeoutMs = 2000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.waitForChange(left);
    }
    return true;
  }

  get pendingReplies(): number {
    return this.messages.length;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Echoes the command and the request facts back: `{ok: 1, command, request}`. */
export const echoHandler: CommandHandler = async (command, conn, request) => ({
  ok: 1,
  command,
  request: { ...request },
  connectionId: conn.id,
});

export async function startServer(
  handler: CommandHandler = echoHandler,
  extra: Partial<WireServerOptions> = {},
): Promise<{ server: WireServer; port: number; events: Array<Record<string, unknown>> }> {
  const events: Array<Record<string, unknown>> = [];
  const server = createWireServer({ host: '127.0.0.1', port: 0, handler, log: (e) => events.push(e), ...extra });
  const { port } = await server.listen();
  return { server, port, events };
}
