/**
 * The checksums stored with every document and oplog entry (CRC-32, zlib's), so that bytes damaged on disk after
 * SQLite wrote them, which SQLite itself does not notice, are refused instead of served. A document's covers its key
 * and its bytes, an entry's its time and its bytes: a row moved under another key fails too.
 */
import { crc32 } from 'node:zlib';

const tsBytes = Buffer.alloc(8);

export function documentChecksum(key: Uint8Array, doc: Uint8Array): number {
  return crc32(doc, crc32(key));
}

/** `ts` is the entry's cluster time (unbiased, as the storage interface sees it). */
export function oplogChecksum(ts: bigint, entry: Uint8Array): number {
  tsBytes.writeBigUInt64BE(ts);
  return crc32(entry, crc32(tsBytes));
}
