import { serialize, deserialize, Binary, Int32 } from '../bson/index.js';
import { randomUUID } from 'node:crypto';
import type { Document } from '../bson/types.js';
import type { CollectionRecord, StorageReader } from '../storage/types.js';

/** A collection as the layers above see it: decoded options and index specs. */
export interface CollectionInfo {
  db: string;
  name: string;
  uuid: string;
  options: Document;
  indexes: IndexSpec[];
}

/** An index spec as listIndexes reports it: `{v: 2, key, name, unique?, ...}`. */
export interface IndexSpec extends Document {
  v: unknown;
  key: Document;
  name: string;
  unique?: boolean;
}

export const ID_INDEX_NAME = '_id_';

export function newCollectionUuid(): string {
  return randomUUID().replace(/-/g, '');
}

/** The collection UUID as MongoDB reports it: Binary subtype 4. */
export function uuidBinary(uuid: string): Binary {
  return new Binary(Buffer.from(uuid, 'hex'), Binary.SUBTYPE_UUID);
}

export function idIndexSpec(): IndexSpec {
  return { v: new Int32(2), key: { _id: new Int32(1) }, name: ID_INDEX_NAME };
}

const decodeOptions = { promoteValues: false, promoteBuffers: false } as const;

export function toCollectionInfo(record: CollectionRecord): CollectionInfo {
  return {
    db: record.db,
    name: record.name,
    uuid: record.uuid,
    options: deserialize(record.options, decodeOptions) as Document,
    indexes: record.indexes.map((bytes) => deserialize(bytes, decodeOptions) as IndexSpec),
  };
}

export function toCollectionRecord(info: CollectionInfo): CollectionRecord {
  return {
    db: info.db,
    name: info.name,
    uuid: info.uuid,
    options: serialize(info.options),
    indexes: info.indexes.map((spec) => serialize(spec)),
  };
}

export async function getCollectionInfo(reader: StorageReader, db: string, name: string): Promise<CollectionInfo | null> {
  const record = await reader.getCollection({ db, name });
  return record ? toCollectionInfo(record) : null;
}

export async function listCollectionInfos(reader: StorageReader, db?: string): Promise<CollectionInfo[]> {
  return (await reader.listCollections({ db })).map(toCollectionInfo);
}

/** True when the collection records pre- and post-images for change streams. */
export function imagesEnabled(info: CollectionInfo): boolean {
  const setting = info.options.changeStreamPreAndPostImages;
  return typeof setting === 'object' && setting !== null && (setting as Document).enabled === true;
}

/** True for a view (created with viewOn), which holds no documents. */
export function isView(info: CollectionInfo): boolean {
  return typeof info.options.viewOn === 'string';
}

/**
 * The field an index spec carries in the catalog while its build is in progress (a UUID, mongod's buildUUID). It is
 * stored with the spec, so a restart finds an index a crash interrupted and removes it; clients never see it in a
 * spec (listIndexes shows it beside the spec with `includeBuildUUIDs`, as mongod does).
 */
export const BUILD_UUID_FIELD = 'buildUUID';

/** True while the index is being built: writes maintain it, nothing may rely on it yet. */
export function isBuilding(spec: IndexSpec): boolean {
  return spec[BUILD_UUID_FIELD] !== undefined;
}

/** The spec as clients see it: without the build marker. */
export function publicSpec(spec: IndexSpec): IndexSpec {
  if (!isBuilding(spec)) return spec;
  const { [BUILD_UUID_FIELD]: _marker, ...rest } = spec;
  return rest as IndexSpec;
}

/** The indexes whose build is complete: the only ones a query, `$merge` or `$out` may rely on. */
export function readyIndexes(info: CollectionInfo): IndexSpec[] {
  return info.indexes.filter((spec) => !isBuilding(spec));
}

/** The build an index belongs to (its UUID as 32 hex digits), or null for a ready index. */
export function buildIdOf(spec: IndexSpec): string | null {
  const marker = spec[BUILD_UUID_FIELD] as { buffer?: Uint8Array } | undefined;
  return marker?.buffer ? Buffer.from(marker.buffer).toString('hex') : null;
}

/** A UUID of 32 hex digits as MongoDB prints it: 8-4-4-4-12. */
export function formatUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
