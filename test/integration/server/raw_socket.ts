/** A minimal wire client for the few things the driver does not show: what exactly went over the socket. */
import net from 'node:net';
import { deflateSync, inflateSync } from 'node:zlib';
import { BSON, type Document } from 'bson';

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_COMPRESSED = 2012;
const OP_MSG = 2013;

function withHeader(requestId: number, opCode: number, body: Buffer): Buffer {
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + body.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(0, 8);
  header.writeInt32LE(opCode, 12);
  return Buffer.concat([header, body]);
}

/** OP_QUERY on admin.$cmd, as drivers send their first handshake. */
export function opQueryCommand(requestId: number, command: Document): Buffer {
  const flagsAndName = Buffer.concat([Buffer.alloc(4), Buffer.from('admin.$cmd\0', 'utf8')]);
  const skipAndReturn = Buffer.alloc(8);
  skipAndReturn.writeInt32LE(-1, 4);
  return withHeader(requestId, OP_QUERY, Buffer.concat([flagsAndName, skipAndReturn, Buffer.from(BSON.serialize(command))]));
}

/** OP_MSG with one body section. */
export function opMsgCommand(requestId: number, command: Document): Buffer {
  return withHeader(requestId, OP_MSG, Buffer.concat([Buffer.alloc(4), Buffer.from([0]), Buffer.from(BSON.serialize(command))]));
}

/** Wraps a message in OP_COMPRESSED with zlib (compressorId 2). */
export function zlibCompressed(message: Buffer): Buffer {
  const prefix = Buffer.alloc(9);
  prefix.writeInt32LE(message.readInt32LE(12), 0);
  prefix.writeInt32LE(message.length - 16, 4);
  prefix.writeUInt8(2, 8);
  return withHeader(message.readInt32LE(4), OP_COMPRESSED, Buffer.concat([prefix, deflateSync(message.subarray(16))]));
}

/** A decoded reply: its opcode on the wire (before decompression), the compressor used, and the document. */
export interface RawReply {
  wireOpCode: number;
  compressorId: number | null;
  doc: Document;
}

function decode(message: Buffer): RawReply {
  const wireOpCode = message.readInt32LE(12);
  let opCode = wireOpCode;
  let body = message.subarray(16);
  let compressorId: number | null = null;
  if (wireOpCode === OP_COMPRESSED) {
    opCode = body.readInt32LE(0);
    compressorId = body.readUInt8(8);
    body = compressorId === 2 ? inflateSync(body.subarray(9)) : body.subarray(9);
  }
  let docBytes: Buffer;
  if (opCode === OP_REPLY) docBytes = body.subarray(20);
  else if (opCode === OP_MSG) docBytes = body.subarray(5);
  else throw new Error(`unexpected reply opcode ${opCode}`);
  return { wireOpCode, compressorId, doc: BSON.deserialize(docBytes) };
}

/** One socket; `send` writes a message and resolves to the next reply. */
export class RawConnection {
  private buffer = Buffer.alloc(0);
  private waiting: { resolve: (reply: RawReply) => void; reject: (err: Error) => void } | null = null;
  /** Resolves once the socket has closed, whichever side closed it. */
  readonly closed: Promise<void>;
  /** True once the socket has closed. */
  isClosed = false;

  private constructor(private readonly socket: net.Socket) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    // A reset from the server is one way of being closed; the 'close' event reports it.
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      if (this.buffer.length < 4) return;
      const length = this.buffer.readInt32LE(0);
      if (this.buffer.length < length) return;
      const message = this.buffer.subarray(0, length);
      this.buffer = this.buffer.subarray(length);
      const waiter = this.waiting;
      this.waiting = null;
      waiter?.resolve(decode(message));
    });
    socket.on('close', () => {
      this.isClosed = true;
      const waiter = this.waiting;
      this.waiting = null;
      waiter?.reject(new Error('connection closed'));
    });
  }

  /** Connects to `host` (default 127.0.0.1), from `localAddress` when given. */
  static open(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port, localAddress }, () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Writes bytes as they are (half a message, say), expecting no reply. */
  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  send(message: Buffer): Promise<RawReply> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(message);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
