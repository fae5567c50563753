import { Binary, bsonTypeOf, isDocument, isNumeric, type Document, type Timestamp } from '../../bson/index.js';
import { mongoError, MongoServerError, missingFieldError, wrongBinDataTypeError, wrongTypeError } from '../../errors/index.js';

/** IDL's path of the field: mongod parses it as part of its GossipedVectorClockComponents. */
const PATH = 'VectorClockComponents.$clusterTime';

/** mongod's maxAcceptableLogicalClockDriftSecs default: a gossiped time at most a year ahead of the wall clock. */
const MAX_DRIFT_SECS = 365 * 24 * 60 * 60;

/** A cluster time component's largest value (mongod's VectorClock::kMaxValue). */
const MAX_COMPONENT = 2 ** 31 - 1;

/** A signature's hash is a SHA-1 digest. */
const SHA1_LENGTH = 20;

/** The hash of `{hash: BinData(0), keyId: <number>}`, the signature's shape (mongod's ClusterTimeSignature). */
function signatureHash(value: unknown, path: string): Binary {
  if (!isDocument(value)) throw wrongTypeError(path, bsonTypeOf(value), 'object');
  let hash: Binary | undefined;
  let keyId = false;
  for (const key in value) {
    const v = value[key];
    if (v === null || v === undefined) continue;
    if (key === 'hash') {
      if (!(v instanceof Binary)) throw wrongTypeError(`${path}.hash`, bsonTypeOf(v), 'binData');
      if (v.sub_type !== Binary.SUBTYPE_DEFAULT) throw wrongBinDataTypeError(`${path}.hash`, v.sub_type, Binary.SUBTYPE_DEFAULT);
      hash = v;
    } else if (key === 'keyId') {
      if (!isNumeric(v)) throw wrongTypeError(`${path}.keyId`, bsonTypeOf(v), ['long', 'int', 'decimal', 'double']);
      keyId = true;
    }
  }
  if (hash === undefined) throw missingFieldError(`${path}.hash`);
  if (!keyId) throw missingFieldError(`${path}.keyId`);
  return hash;
}

/**
 * Refuses a command whose `$clusterTime` (the cluster time a driver gossips, `{clusterTime: Timestamp, signature:
 * {hash, keyId}}`) mongod would refuse before running it: a malformed document (its IDL errors: TypeMismatch 14,
 * 40414 for a missing clusterTime, the signature being optional), a hash that is not a SHA-1 digest
 * (UnsupportedFormat 12), or a time more than a year ahead of the wall clock (ClusterTimeFailsRateLimiter 205) or
 * beyond a cluster time's range (40484). Without access control the signature itself is not verified.
 * `nowMs` is the wall clock in ms since the epoch.
 */
export function checkClusterTime(cmd: Document, nowMs: number): void {
  const gossiped = cmd.$clusterTime;
  if (gossiped === undefined || gossiped === null) return;
  if (!isDocument(gossiped)) throw wrongTypeError(PATH, bsonTypeOf(gossiped), 'object');
  let time: Timestamp | undefined;
  let hash: Binary | undefined;
  for (const key in gossiped) {
    const value = gossiped[key];
    if (value === null || value === undefined) continue;
    if (key === 'clusterTime') {
      if (bsonTypeOf(value) !== 'timestamp') throw wrongTypeError(`${PATH}.clusterTime`, bsonTypeOf(value), 'timestamp');
      time = value as Timestamp;
    } else if (key === 'signature') {
      hash = signatureHash(value, `${PATH}.signature`);
    }
  }
  if (time === undefined) throw missingFieldError(`${PATH}.clusterTime`);
  if (hash !== undefined && hash.length() !== SHA1_LENGTH) {
    throw mongoError('UnsupportedFormat', `Unsupported SHA1Block hash length: ${hash.length()}`);
  }
  const secs = time.high >>> 0;
  const wallSecs = Math.floor(nowMs / 1000);
  if (secs > wallSecs && secs - wallSecs > MAX_DRIFT_SECS) {
    throw mongoError('ClusterTimeFailsRateLimiter', `New $clusterTime, ${secs}, is too far from this node's wall clock time, ${wallSecs}.`);
  }
  if (secs > MAX_COMPONENT || time.low >>> 0 > MAX_COMPONENT) {
    throw new MongoServerError(40484, '$clusterTime cannot be advanced beyond its maximum value');
  }
}
