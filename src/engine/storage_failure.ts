/**
 * Storage failures a client must see as MongoDB errors. A stored record that fails its checksum is
 * DataCorruptionDetected, naming the collection and the document's `_id` (or the oplog entry's time), never the
 * damaged data and never a raw storage error; a full disk is OutOfDiskSpace.
 */
import { deserialize, valueToString } from '../bson/index.js';
import { mongoError, type MongoServerError } from '../errors/index.js';
import { toTimestamp } from '../oplog/cluster_clock.js';
import { StorageError, type CorruptRecord, type Storage } from '../storage/types.js';

/**
 * The error a client sees for a storage failure: DataCorruptionDetected for a corrupt record, OutOfDiskSpace for a
 * full disk, HostUnreachable for a database it cannot reach, else `err` itself.
 */
export async function clientFacingFailure(err: unknown, storage: Storage): Promise<unknown> {
  if (!(err instanceof StorageError)) return err;
  if (err.kind === 'OutOfDiskSpace') return mongoError('OutOfDiskSpace', err.message);
  // What a replica set's client sees while its primary restarts: a retryable error (RetryableWriteError on a
  // retryable write, ResumableChangeStreamError on a stream), which drivers retry once the storage has reconnected.
  if (err.kind === 'Unavailable') return mongoError('HostUnreachable', err.message);
  if (err.kind !== 'Corrupted' || err.record === undefined) return err;
  return dataCorruptionDetected(err.record, storage);
}

async function dataCorruptionDetected(record: CorruptRecord, storage: Storage): Promise<MongoServerError> {
  if (record.kind === 'oplogEntry') {
    return mongoError('DataCorruptionDetected', `The oplog entry at ${valueToString(toTimestamp(record.ts))} is corrupted (its checksum does not match its bytes); restore the data from a backup`);
  }
  let ns = `the collection with UUID ${record.collUuid}`;
  try {
    const found = (await storage.read((r) => r.listCollections())).find((c) => c.uuid === record.collUuid);
    if (found) ns = `${found.db}.${found.name}`;
  } catch {
    // The collection is named by its UUID alone when the catalog cannot be read (a closing storage).
  }
  const id = idOfDamagedDocument(record.doc);
  const which = id.found ? `_id: ${valueToString(id.value)}` : `record key ${Buffer.from(record.key).toString('hex')}`;
  return mongoError('DataCorruptionDetected', `Document with ${which} in collection ${ns} is corrupted (its checksum does not match its bytes); run validate on the collection and restore it from a backup`);
}

/** Byte sizes of the fixed-size BSON types an `_id` may have. */
const FIXED_SIZES: Readonly<Record<number, number>> = { 0x01: 8, 0x07: 12, 0x08: 1, 0x09: 8, 0x0a: 0, 0x10: 4, 0x11: 8, 0x12: 8, 0x13: 16 };
/** Types whose value starts with its int32 length: string (plus the length), document, array, binary (plus length and subtype). */
const LENGTH_PREFIXED: Readonly<Record<number, number>> = { 0x02: 4, 0x03: 0, 0x04: 0, 0x05: 5 };

/**
 * The `_id` of a document whose bytes are damaged: the whole document when it still decodes, else its first
 * element alone (stored documents begin with `_id`) when that part is intact.
 */
function idOfDamagedDocument(bytes: Uint8Array): { found: true; value: unknown } | { found: false } {
  try {
    const doc = deserialize(bytes, { promoteValues: false });
    if (Object.hasOwn(doc, '_id')) return { found: true, value: doc._id };
  } catch {
    // Damaged beyond decoding: try the first element alone.
  }
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // int32 length, type byte, "_id\0", value.
  if (buf.length < 9 || buf.toString('latin1', 5, 9) !== '_id\0') return { found: false };
  const type = buf[4]!;
  let size = FIXED_SIZES[type];
  if (size === undefined && LENGTH_PREFIXED[type] !== undefined && buf.length >= 13) {
    const length = buf.readInt32LE(9);
    size = type === 0x03 || type === 0x04 ? length : LENGTH_PREFIXED[type]! + length;
  }
  if (size === undefined || size < 0 || 9 + size > buf.length) return { found: false };
  const element = Buffer.alloc(4 + 5 + size + 1);
  element.writeInt32LE(element.length, 0);
  buf.copy(element, 4, 4, 9 + size);
  try {
    return { found: true, value: deserialize(element, { promoteValues: false })._id };
  } catch {
    return { found: false };
  }
}
