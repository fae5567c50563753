/**
 * OP_COMPRESSED support (https://github.com/mongodb/specifications/blob/master/source/compression/OP_COMPRESSED.md).
 * noop and zlib are built in (node:zlib); snappy comes from the `snappy` package (prebuilt binaries in the npm
 * registry). zstd is not offered: its package downloads its library at install time, which a closed network
 * refuses; a message that uses it anyway ends the connection, as mongod does for a compressor it does not have.
 */
import { compress as snappyCompress, compressSync as snappyCompressSync, uncompress as snappyUncompress, uncompressSync as snappyUncompressSync } from 'snappy';
import { promisify } from 'node:util';
import { deflate, deflateSync, inflate, inflateSync } from 'node:zlib';
import { HEADER_SIZE, OpCode } from './constants.js';
import { ConnectionFatalError } from './wire_errors.js';

const deflateAsync = promisify(deflate);
const inflateAsync = promisify(inflate);

/**
 * Messages up to this size are (de)compressed on the event loop. A trip to the thread pool costs far more than
 * compressing a few kilobytes (zlib: about 20 µs inline against 150 µs or more through the pool for a small
 * getMore reply), and every change-stream getMore and reply is small; larger messages still go to the pool so
 * that one big reply does not stall every other connection.
 */
const INLINE_BYTES = 64 * 1024;

/** compressorId values of OP_COMPRESSED. */
export const CompressorId = { noop: 0, snappy: 1, zlib: 2, zstd: 3 } as const;
export type CompressorName = keyof typeof CompressorId;

/** Compressors this server can both decompress and compress, in its order of preference. */
export const SUPPORTED_COMPRESSORS: readonly CompressorName[] = ['snappy', 'zlib', 'noop'];

/**
 * The subset of a hello/isMaster `compression` array this server supports, in the client's order (the client's
 * order is its preference; mongod answers with the ones it has). Anything that is not an array of strings yields [].
 */
export function negotiateCompressors(requested: unknown): string[] {
  if (!Array.isArray(requested)) return [];
  const out: string[] = [];
  for (const name of requested) {
    if (typeof name === 'string' && (SUPPORTED_COMPRESSORS as readonly string[]).includes(name) && !out.includes(name)) {
      out.push(name);
    }
  }
  return out;
}

/**
 * Commands whose messages are never compressed (compression spec: handshake and authentication commands).
 * Lower-cased; compare with the command name lower-cased.
 */
const UNCOMPRESSED_COMMANDS = new Set([
  'hello', 'ismaster', 'saslstart', 'saslcontinue', 'getnonce', 'authenticate', 'createuser', 'updateuser',
  'copydbsaslstart', 'copydbgetnonce', 'copydb',
]);

/** True when a reply to `commandName` must go uncompressed even if the request came compressed. */
export function isUncompressedCommand(commandName: string | undefined): boolean {
  return commandName !== undefined && UNCOMPRESSED_COMMANDS.has(commandName.toLowerCase());
}

function nameOf(id: number): CompressorName | undefined {
  for (const [name, value] of Object.entries(CompressorId)) if (value === id) return name as CompressorName;
  return undefined;
}

/** A decompressed OP_COMPRESSED message, rebuilt as the message it wraps (same requestID and responseTo). */
export interface Decompressed {
  message: Buffer;
  compressor: CompressorName;
}

/**
 * Unwraps an OP_COMPRESSED message. Throws ConnectionFatalError for a short message, an unknown or unsupported
 * compressor, a nested OP_COMPRESSED, a size outside 0..maxMessageSizeBytes, or data that does not inflate to
 * exactly uncompressedSize bytes.
 */
export async function decompressMessage(message: Buffer, maxMessageSizeBytes: number): Promise<Decompressed> {
  if (message.length < HEADER_SIZE + 9) throw new ConnectionFatalError('OP_COMPRESSED message is too short');
  const originalOpcode = message.readInt32LE(HEADER_SIZE);
  const uncompressedSize = message.readInt32LE(HEADER_SIZE + 4);
  const compressorId = message.readUInt8(HEADER_SIZE + 8);
  const compressor = nameOf(compressorId);
  if (compressor === undefined || !SUPPORTED_COMPRESSORS.includes(compressor)) {
    throw new ConnectionFatalError(`Compression algorithm specified in message is not available (compressorId ${compressorId})`);
  }
  if (originalOpcode === OpCode.OP_COMPRESSED) throw new ConnectionFatalError('OP_COMPRESSED message wraps another OP_COMPRESSED');
  if (uncompressedSize < 0 || uncompressedSize + HEADER_SIZE > maxMessageSizeBytes) {
    throw new ConnectionFatalError(`Decompressed message would be ${uncompressedSize} bytes, larger than maximum allowed`);
  }
  const payload = message.subarray(HEADER_SIZE + 9);
  let body: Buffer;
  if (compressor === 'noop') {
    body = payload;
  } else {
    try {
      const maxOutputLength = Math.max(uncompressedSize, 1);
      // Both sizes: the header's claim is the client's word, and a small snappy payload can only grow so much.
      if (uncompressedSize <= INLINE_BYTES && payload.length <= INLINE_BYTES) {
        body = compressor === 'snappy' ? (snappyUncompressSync(payload) as Buffer) : inflateSync(payload, { maxOutputLength });
      } else {
        body = compressor === 'snappy' ? ((await snappyUncompress(payload)) as Buffer) : await inflateAsync(payload, { maxOutputLength });
      }
    } catch (err) {
      throw new ConnectionFatalError(`${compressor} decompression failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (body.length !== uncompressedSize) {
    throw new ConnectionFatalError(`Decompressing message returned ${body.length} bytes, header said ${uncompressedSize}`);
  }
  const out = Buffer.allocUnsafe(HEADER_SIZE + uncompressedSize);
  out.writeInt32LE(HEADER_SIZE + uncompressedSize, 0);
  message.copy(out, 4, 4, 12); // requestID and responseTo, unchanged
  out.writeInt32LE(originalOpcode, 12);
  body.copy(out, HEADER_SIZE);
  return { message: out, compressor };
}

/**
 * Wraps a whole message (header included) in OP_COMPRESSED with the given compressor, returned as the new header
 * followed by the compressed payload (write both, in order). The new header keeps the requestID and responseTo of
 * the wrapped message.
 */
export async function compressMessage(message: Buffer, compressor: CompressorName): Promise<[Buffer, Buffer]> {
  const body = message.subarray(HEADER_SIZE);
  let payload: Buffer;
  const inline = body.length <= INLINE_BYTES;
  if (compressor === 'noop') payload = body;
  else if (compressor === 'zlib') payload = inline ? deflateSync(body) : await deflateAsync(body);
  else if (compressor === 'snappy') payload = inline ? snappyCompressSync(body) : await snappyCompress(body);
  else throw new Error(`compressor ${compressor} is not supported`);
  const prefix = Buffer.allocUnsafe(HEADER_SIZE + 9);
  prefix.writeInt32LE(prefix.length + payload.length, 0);
  message.copy(prefix, 4, 4, 12);
  prefix.writeInt32LE(OpCode.OP_COMPRESSED, 12);
  prefix.writeInt32LE(message.readInt32LE(12), HEADER_SIZE);
  prefix.writeInt32LE(body.length, HEADER_SIZE + 4);
  prefix.writeUInt8(CompressorId[compressor], HEADER_SIZE + 8);
  return [prefix, payload];
}
