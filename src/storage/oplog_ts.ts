/**
 * Oplog times are unsigned 64-bit (seconds << 32 | increment) but SQLite integers and PostgreSQL's bigint are
 * signed. Seconds reach 2^31 in 2038, which would turn the sign bit on; storing `ts - 2^63` keeps the whole unsigned
 * range in order. Both SQL engines store times this way.
 */
import { MAX_OPLOG_TS } from './contract.js';

const BIAS = 1n << 63n;

/** The stored integer for a valid oplog time. */
export function toSqlTs(ts: bigint): bigint {
  return ts - BIAS;
}

/** The oplog time of a stored integer. */
export function fromSqlTs(stored: bigint): bigint {
  return stored + BIAS;
}

/** The stored lower bound (inclusive) for "ts > afterTs", or null when nothing can qualify. */
export function sqlTsAfter(afterTs: bigint): bigint | null {
  if (afterTs >= MAX_OPLOG_TS) return null;
  return toSqlTs(afterTs < 0n ? 0n : afterTs + 1n);
}
