/**
 * OP_QUERY (opcode 2004), kept for the first handshake: drivers send `isMaster`/`hello` on `admin.$cmd` as
 * OP_QUERY before they know the server speaks OP_MSG, and expect an OP_REPLY (opcode 1) back.
 */
import { ErrorCodes } from '../errors/codes.js';
import { MongoServerError } from '../errors/command_error.js';
import { decodeRequestDocument, documentSizeAt, type Document } from './bson_codec.js';
import { HEADER_SIZE, OpCode, OpQueryFlag } from './constants.js';

/**
 * The commands mongod 6.0+ still accepts over OP_QUERY (service_entry_point_common's allow-list).
 * Used only when the server runs with `strictOpQuery`.
 */
export const OP_QUERY_ALLOWED_COMMANDS: readonly string[] = [
  '_isSelf', 'authenticate', 'buildinfo', 'buildInfo', 'hello', 'isMaster', 'ismaster', 'saslContinue', 'saslStart',
];

/** The legacy find error mongod (5.1+) answers for OP_QUERY on anything but `<db>.$cmd`. */
export const LEGACY_OP_QUERY_CODE = 5739101;
export const LEGACY_OP_QUERY_MESSAGE =
  'OP_QUERY is no longer supported. The client driver may require an upgrade. For more details see https://dochub.mongodb.org/core/legacy-opcode-removal';

export type ParsedOpQuery =
  | { kind: 'command'; command: Document; db: string }
  | { kind: 'legacyQuery'; namespace: string };

/**
 * Parses an OP_QUERY message (header included). A query on `<db>.$cmd` becomes a command document: a
 * `$query`/`query` wrapper is unwrapped, a legacy `$readPreference` (top level or in `$queryOptions`) or the
 * secondaryOk flag becomes `$readPreference`, and `$db: <db>` is added.
 * Throws MongoServerError (reply with it): Overflow (15) for a truncated message, InvalidBSON (22),
 * BSONObjectTooLarge (10334), 16979 for a numberToReturn other than 1/-1, 40621 for a `$db` in the query,
 * and UnsupportedOpQueryCommand (352) when `strict` and the command is not on mongod's allow-list.
 */
export function parseOpQuery(message: Buffer, maxBsonObjectSize: number, strict = false): ParsedOpQuery {
  const end = message.length;
  if (end < HEADER_SIZE + 4) throw truncated();
  const flags = message.readInt32LE(HEADER_SIZE);
  const nsStart = HEADER_SIZE + 4;
  const nsEnd = message.indexOf(0, nsStart);
  if (nsEnd < 0) throw truncated();
  const namespace = message.toString('utf8', nsStart, nsEnd);
  let pos = nsEnd + 1;
  if (end - pos < 8) throw truncated();
  const numberToReturn = message.readInt32LE(pos + 4);
  pos += 8;
  const size = documentSizeAt(message, pos, end);
  const query = decodeRequestDocument(message, pos, size, maxBsonObjectSize);

  const dot = namespace.indexOf('.');
  const db = dot < 0 ? namespace : namespace.slice(0, dot);
  const collection = dot < 0 ? '' : namespace.slice(dot + 1);
  if (collection !== '$cmd') return { kind: 'legacyQuery', namespace };

  if (numberToReturn !== 1 && numberToReturn !== -1) {
    throw new MongoServerError(16979, `Bad numberToReturn (${numberToReturn}) for $cmd type ns - can only be 1 or -1`);
  }
  const command = upconvert(query, flags);
  if ('$db' in command) throw new MongoServerError(40621, '$db is not allowed in OP_QUERY requests');
  const name = Object.keys(command)[0] ?? '';
  if (strict && !OP_QUERY_ALLOWED_COMMANDS.includes(name)) {
    throw new MongoServerError(
      ErrorCodes.UnsupportedOpQueryCommand,
      `Unsupported OP_QUERY command: ${name}. The client driver may require an upgrade. For more details see https://dochub.mongodb.org/core/legacy-opcode-removal`,
    );
  }
  command.$db = db;
  return { kind: 'command', command, db };
}

function truncated(): MongoServerError {
  return new MongoServerError(ErrorCodes.Overflow, 'Invalid OP_QUERY: the message ends before its query document');
}

function isPlainDocument(v: unknown): v is Document {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !('_bsontype' in v) && !(v instanceof Date) && !(v instanceof RegExp);
}

/** Unwraps `{$query: cmd, $readPreference}` (or `{query: ...}`) and carries the read preference into the command. */
function upconvert(query: Document, flags: number): Document {
  const first = Object.keys(query)[0];
  let command = query;
  let readPreference: unknown;
  if ((first === '$query' || first === 'query') && isPlainDocument(query[first])) {
    command = { ...(query[first] as Document) };
    if ('$readPreference' in query) readPreference = query.$readPreference;
    else if (isPlainDocument(query.$queryOptions) && '$readPreference' in query.$queryOptions) {
      readPreference = query.$queryOptions.$readPreference;
    }
  } else if (isPlainDocument(query.$queryOptions)) {
    const { $queryOptions, ...rest } = query;
    command = rest;
    if ('$readPreference' in $queryOptions) readPreference = $queryOptions.$readPreference;
  }
  if (readPreference !== undefined) command.$readPreference = readPreference;
  else if (!('$readPreference' in command) && (flags & OpQueryFlag.secondaryOk) !== 0) {
    command.$readPreference = { mode: 'secondaryPreferred' };
  }
  return command;
}

/** Bytes an OP_REPLY puts before its one document: the header, responseFlags, cursorID, startingFrom, numberReturned. */
export const OP_REPLY_PREFIX = HEADER_SIZE + 20;

/**
 * The prefix of an OP_REPLY carrying one document of `docSize` bytes (sent right after it): cursorID 0,
 * startingFrom 0, numberReturned 1.
 */
export function opReplyPrefix(requestId: number, responseTo: number, responseFlags: number, docSize: number): Buffer {
  const out = Buffer.allocUnsafe(OP_REPLY_PREFIX);
  out.writeInt32LE(OP_REPLY_PREFIX + docSize, 0);
  out.writeInt32LE(requestId, 4);
  out.writeInt32LE(responseTo, 8);
  out.writeInt32LE(OpCode.OP_REPLY, 12);
  out.writeInt32LE(responseFlags, HEADER_SIZE);
  out.writeBigInt64LE(0n, HEADER_SIZE + 4);
  out.writeInt32LE(0, HEADER_SIZE + 12);
  out.writeInt32LE(1, HEADER_SIZE + 16);
  return out;
}
