import { Timestamp } from '../bson/index.js';

/** The packed time as a BSON Timestamp. */
export function toTimestamp(ts: bigint): Timestamp {
  return new Timestamp({ t: Number(ts >> 32n), i: Number(ts & 0xffffffffn) });
}

/** A BSON Timestamp as the packed time. */
export function fromTimestamp(ts: Timestamp): bigint {
  return (BigInt(ts.high >>> 0) << 32n) | BigInt(ts.low >>> 0);
}
