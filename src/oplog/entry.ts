import { deserialize } from '../bson/index.js';
import { serializeAnySize } from '../bson/index.js';
import type { Document } from '../bson/types.js';

/**
 * What one committed change records: enough to shape every change event MongoDB would emit for it, for any
 * stream (collection, database or cluster) and any option (images, expanded events).
 */
export type OplogOp =
  | 'insert' | 'update' | 'replace' | 'delete'
  | 'drop' | 'rename' | 'dropDatabase' | 'create' | 'createIndexes' | 'dropIndexes' | 'modify';

export interface OplogEntry {
  /** Cluster time, packed (see cluster_clock.ts). Not stored inside the BSON: it is the row key. */
  ts: bigint;
  op: OplogOp;
  wall: Date;
  db: string;
  /** Absent for dropDatabase. */
  coll?: string;
  /** Collection UUID as 32 hex digits. */
  uuid?: string;
  documentKey?: Document;
  /** insert: the document; replace: the new document; update: the post-image (only when images are enabled). */
  fullDocument?: Document;
  /** update: the delta, with disambiguatedPaths always computed (streams drop it unless showExpandedEvents). */
  updateDescription?: Document;
  /** update/replace/delete: the document before the change, only when the collection has images enabled. */
  preImage?: Document;
  /** True when the collection had changeStreamPreAndPostImages enabled at the time of the write. */
  images?: boolean;
  /** rename: the target namespace. */
  to?: { db: string; coll: string };
  /** rename with dropTarget: the UUID of the collection that was replaced. */
  dropTarget?: string;
  /** DDL events: MongoDB's operationDescription. */
  operationDescription?: Document;
  /** create: 'collection' | 'view' | 'timeseries'. */
  nsType?: string;
  lsid?: Document;
  txnNumber?: unknown;
}

export function encodeEntry(entry: OplogEntry): Uint8Array {
  const { ts: _ts, ...rest } = entry;
  return serializeAnySize(rest);
}

/** BSON size of entries decoded from storage, so events shaped from them can be sized without walking them. */
const encodedSizes = new WeakMap<OplogEntry, number>();

export function decodeEntry(ts: bigint, bytes: Uint8Array): OplogEntry {
  const entry = deserialize(bytes, { promoteValues: false, promoteBuffers: false }) as OplogEntry;
  entry.ts = ts;
  encodedSizes.set(entry, bytes.byteLength);
  return entry;
}

/** Records the BSON size of an entry the engine just encoded, so streams can size its events without a walk. */
export function noteEncodedSize(entry: OplogEntry, bytes: number): void {
  encodedSizes.set(entry, bytes);
}

/** The entry's stored BSON size, when it is known (decoded from storage, or noted when written). */
export function encodedSize(entry: OplogEntry): number | undefined {
  return encodedSizes.get(entry);
}

/** Approximate in-memory weight of an entry, for the fan-out cache budget. */
export function entryWeight(bytes: Uint8Array): number {
  return bytes.byteLength + 128;
}
