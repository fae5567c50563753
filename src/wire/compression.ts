/**
 * OP_COMPRESSED support (https://github.com/mongodb/specifications/blob/master/source/compression/OP_COMPRESSED.md).
 * noop and zlib are built in (node:zlib); snappy comes from the `snappy` package (prebuilt binaries in the npm
 * registry). zstd is not offered: its package downloads its library at install time, which a closed network
 * refuses; a message that uses it anyway ends the connection, as mongod does for a compressor it does not have.
 */
import { compress as snappyCompress, uncompress as snappyUncompress } from 'snappy';
import { promisify } from 'node:util';
import { deflate, inflate } from 'node:zlib';
import { HEADER_SIZE, OpCode } from './constants.js';
import { ConnectionFatalError } from './wire_errors.js';

const deflateAsync = promisify(deflate);
const inflateAsync = promisify(inflate);

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
      body = compressor === 'snappy'
        ? ((await snappyUncompress(payload)) as Buffer)
        : await inflateAsync(payload, { maxOutputLength: Math.max(uncompressedSize, 1) });
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
 * Wraps a whole message (header included) in OP_COMPRESSED with the given compressor. The new header keeps the
 * requestID and responseTo of the wrapped message.
 */
export async function compressMessage(message: Buffer, compressor: CompressorName): Promise<Buffer> {
  const body = message.subarray(HEADER_SIZE);
  let payload: Buffer;
  if (compressor === 'noop') payload = body;
  else if (compressor === 'zlib') payload = await deflateAsync(body);
  else if (compressor === 'snappy') payload = await snappyCompress(body);
  else throw new Error(`compressor ${compressor} is not supported`);
  const out = Buffer.allocUnsafe(HEADER_SIZE + 9 + payload.length);
  out.writeInt32LE(out.length, 0);
  message.copy(out, 4, 4, 12);
  out.writeInt32LE(OpCode.OP_COMPRESSED, 12);
  out.writeInt32LE(message.readInt32LE(12), HEADER_SIZE);
  out.writeInt32LE(body.length, HEADER_SIZE + 4);
  out.writeUInt8(CompressorId[compressor], HEADER_SIZE + 8);
  payload.copy(out, HEADER_SIZE + 9);
  return out;
}
