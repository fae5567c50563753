import { bsonTypeOf, isNumeric, toBigInt, toNumber, type Document } from '../../bson/types.js';
import { mongoError } from '../../errors/index.js';

/**
 * Arguments any command may carry besides its own (the generic arguments of MongoDB's IDL): commands that read
 * their remaining fields as names (getParameter, serverStatus sections) skip these.
 */
export const GENERIC_ARGUMENTS: ReadonlySet<string> = new Set([
  '$db', 'lsid', 'txnNumber', 'autocommit', 'startTransaction', '$clusterTime', '$readPreference', 'readConcern',
  'writeConcern', 'comment', 'maxTimeMS', 'apiVersion', 'apiStrict', 'apiDeprecationErrors', '$audit', '$client',
  '$configServerState', '$queryOptions', 'clientOperationKey', 'mayBypassWriteBlocking', 'databaseVersion',
  'shardVersion', 'readPreference',
]);

const INT32_MAX = 2147483647n;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** A number as mongod's safeNumberLong reads it: NaN is 0, a fraction is cut off, a huge value is clamped. */
function safeNumberLong(value: unknown): bigint {
  if (bsonTypeOf(value) === 'long') return toBigInt(value)!;
  const n = toNumber(value);
  if (Number.isNaN(n)) return 0n;
  if (n >= 2 ** 63) return INT64_MAX;
  if (n <= -(2 ** 63)) return INT64_MIN;
  return BigInt(Math.trunc(n));
}

/**
 * The `maxTimeMS` generic argument as mongod parses it for every command: absent is undefined, otherwise a whole
 * number of milliseconds from 0 to 2^31-1 (0 means no limit).
 *
 * @throws MongoServerError BadValue (2): "maxTimeMS must be a number", "<n> value for maxTimeMS is out of range",
 *   "maxTimeMS has non-integral value".
 */
export function maxTimeMSArg(cmd: Document): number | undefined {
  const value = cmd.maxTimeMS;
  if (value === undefined) return undefined;
  if (!isNumeric(value)) throw mongoError('BadValue', 'maxTimeMS must be a number');
  const whole = safeNumberLong(value);
  if (whole < 0n || whole > INT32_MAX) throw mongoError('BadValue', `${whole} value for maxTimeMS is out of range`);
  if (bsonTypeOf(value) === 'double') {
    const n = toNumber(value);
    if (Math.floor(n) !== n) throw mongoError('BadValue', 'maxTimeMS has non-integral value');
  }
  return Number(whole);
}
