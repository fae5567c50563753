import { documentToString, encodeCompoundKey, toNumber } from '../bson/index.js';
import { isDocument, type Document } from '../bson/types.js';
import { mongoError, MongoServerError, ErrorCodes } from '../errors/index.js';
import { StorageError, type StorageWriter } from '../storage/types.js';
import { ID_INDEX_NAME, type CollectionInfo, type IndexSpec } from './catalog.js';

/** Values at a dotted path, expanding arrays as a multikey index does; a missing field yields null. */
function valuesAtPath(value: unknown, parts: string[], i: number, out: unknown[]): void {
  if (i === parts.length) {
    if (Array.isArray(value)) {
      if (value.length === 0) out.push(undefined);
      else for (const v of value) out.push(v);
    } else out.push(value === undefined ? null : value);
    return;
  }
  if (Array.isArray(value)) {
    const part = parts[i]!;
    if (/^\d+$/.test(part) && Number(part) < value.length) {
      valuesAtPath(value[Number(part)], parts, i + 1, out);
      return;
    }
    if (value.length === 0) {
      out.push(null);
      return;
    }
    for (const element of value) valuesAtPath(element, parts, i, out);
    return;
  }
  if (isDocument(value)) {
    valuesAtPath(value[parts[i]!], parts, i + 1, out);
    return;
  }
  out.push(null);
}

/** The index keys of one document under `spec`, deduplicated (a multikey document may yield several). */
export function indexKeysFor(spec: IndexSpec, doc: Document): { key: Uint8Array; values: unknown[] }[] {
  const fields = Object.keys(spec.key);
  const directions = fields.map((f) => (toNumber(spec.key[f]) < 0 ? -1 : 1));
  const perField = fields.map((f) => {
    const out: unknown[] = [];
    valuesAtPath(doc, f.split('.'), 0, out);
    return out;
  });
  const arrayFields = perField.filter((vals) => vals.length > 1).length;
  if (arrayFields > 1) {
    throw mongoError('CannotCreateIndex', `cannot index parallel arrays [${fields.join('] [')}]`);
  }
  let combos: unknown[][] = [[]];
  for (const vals of perField) {
    const next: unknown[][] = [];
    for (const combo of combos) for (const v of vals) next.push([...combo, v === undefined ? null : v]);
    combos = next;
  }
  const seen = new Set<string>();
  const keys: { key: Uint8Array; values: unknown[] }[] = [];
  for (const values of combos) {
    const key = encodeCompoundKey(values, directions);
    const hex = Buffer.from(key).toString('hex');
    if (!seen.has(hex)) {
      seen.add(hex);
      keys.push({ key, values });
    }
  }
  return keys;
}

/** The DuplicateKey error exactly as mongod words it. */
export function duplicateKeyError(info: CollectionInfo, spec: IndexSpec, values: unknown[]): MongoServerError {
  const fields = Object.keys(spec.key);
  const keyValue: Document = {};
  fields.forEach((f, i) => (keyValue[f] = values[i]));
  const keyPattern: Document = { ...spec.key };
  return new MongoServerError(
    ErrorCodes.DuplicateKey,
    `E11000 duplicate key error collection: ${info.db}.${info.name} index: ${spec.name} dup key: ${documentToString(keyValue)}`,
    { extra: { keyPattern, keyValue } },
  );
}

function secondaryIndexes(info: CollectionInfo): IndexSpec[] {
  return info.indexes.filter((s) => s.name !== ID_INDEX_NAME);
}

/** Adds the secondary-index entries of a new document; on a unique violation undoes its own entries and throws. */
export async function addIndexEntries(w: StorageWriter, info: CollectionInfo, recordKey: Uint8Array, doc: Document): Promise<void> {
  const added: { name: string; key: Uint8Array }[] = [];
  for (const spec of secondaryIndexes(info)) {
    for (const { key, values } of indexKeysFor(spec, doc)) {
      try {
        await w.insertIndexEntry(info.uuid, spec.name, key, recordKey, spec.unique === true);
        added.push({ name: spec.name, key });
      } catch (err) {
        for (const a of added) await w.deleteIndexEntry(info.uuid, a.name, a.key, recordKey);
        if (err instanceof StorageError && err.kind === 'DuplicateKey') throw duplicateKeyError(info, spec, values);
        throw err;
      }
    }
  }
}

export async function removeIndexEntries(w: StorageWriter, info: CollectionInfo, recordKey: Uint8Array, doc: Document): Promise<void> {
  for (const spec of secondaryIndexes(info)) {
    for (const { key } of indexKeysFor(spec, doc)) await w.deleteIndexEntry(info.uuid, spec.name, key, recordKey);
  }
}

/** Builds one new index over existing documents (createIndexes). */
export async function buildIndex(w: StorageWriter, info: CollectionInfo, spec: IndexSpec, docs: { key: Uint8Array; doc: Document }[]): Promise<void> {
  for (const { key: recordKey, doc } of docs) {
    for (const { key, values } of indexKeysFor(spec, doc)) {
      try {
        await w.insertIndexEntry(info.uuid, spec.name, key, recordKey, spec.unique === true);
      } catch (err) {
        if (err instanceof StorageError && err.kind === 'DuplicateKey') throw duplicateKeyError(info, spec, values);
        throw err;
      }
    }
  }
}
