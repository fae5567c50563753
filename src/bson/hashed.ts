import { createHash } from 'node:crypto';
import { Long } from 'bson';
import { encodeKey } from './key_encoding.js';

/**
 * The key a hashed index stores for a value: 64 bits of the MD5 of the value's order-preserving key, as a Long.
 * Values equal to MongoDB (1, 1.0 and Long(1)) share a key, so they hash alike. mongod's hash is also 64 bits of an
 * MD5, but of its own serialisation: the numbers differ from mongod's, the lookups they serve do not.
 */
export function hashedKeyValue(value: unknown): Long {
  const digest = createHash('md5').update(encodeKey(value === undefined ? null : value)).digest();
  return Long.fromBigInt(digest.readBigInt64LE(0));
}
