import { documentToString, encodeCompoundKey, hashedKeyValue, toNumber } from '../bson/index.js';
import { isDocument, type Document } from '../bson/types.js';
import { mongoError, MongoServerError, ErrorCodes } from '../errors/index.js';
import { StorageError, type StorageReader, type StorageWriter } from '../storage/types.js';
import { compileFilter, type CompiledFilter } from '../query/filter/index.js';
import { ID_INDEX_NAME, type CollectionInfo, type IndexSpec } from './catalog.js';
import { isTextKeyPattern } from '../query/text/index.js';
import { textIndexKeys } from './text_index/keys.js';
import { geoFieldValues, isGeoIndex } from './geo_index/keys.js';

/** What the key generation met along a document's paths. */
interface PathWalk {
  /** An array was met: the index holds (or may hold) several keys for one document, so it is multikey. */
  array: boolean;
}

/** Values at a dotted path, expanding arrays as a multikey index does; a missing field yields null. */
function valuesAtPath(value: unknown, parts: string[], i: number, out: unknown[], walk: PathWalk): void {
  if (i === parts.length) {
    if (Array.isArray(value)) {
      walk.array = true;
      if (value.length === 0) out.push(undefined);
      else for (const v of value) out.push(v);
    } else out.push(value === undefined ? null : value);
    return;
  }
  if (Array.isArray(value)) {
    walk.array = true;
    const part = parts[i]!;
    if (/^\d+$/.test(part) && Number(part) < value.length) {
      valuesAtPath(value[Number(part)], parts, i + 1, out, walk);
      return;
    }
    if (value.length === 0) {
      out.push(null);
      return;
    }
    for (const element of value) valuesAtPath(element, parts, i, out, walk);
    return;
  }
  if (isDocument(value)) {
    valuesAtPath(value[parts[i]!], parts, i + 1, out, walk);
    return;
  }
  out.push(null);
}

/** True when the document has a value (even null) at `path`, as a sparse index asks. */
function hasPath(value: unknown, parts: string[], i: number): boolean {
  if (i === parts.length) return value !== undefined;
  if (Array.isArray(value)) return value.some((element) => hasPath(element, parts, i)) || (/^\d+$/.test(parts[i]!) && hasPath(value[Number(parts[i])], parts, i + 1));
  return isDocument(value) && hasPath(value[parts[i]!], parts, i + 1);
}

const partialFilters = new WeakMap<IndexSpec, CompiledFilter>();

/**
 * True when the index holds entries for the document: a sparse index skips documents missing every indexed field,
 * a partial index those its `partialFilterExpression` does not match.
 */
export function indexHolds(spec: IndexSpec, doc: Document): boolean {
  if (spec.sparse === true && !Object.keys(spec.key).some((f) => hasPath(doc, f.split('.'), 0))) return false;
  const partial = spec.partialFilterExpression;
  if (isDocument(partial)) {
    let compiled = partialFilters.get(spec);
    if (!compiled) {
      compiled = compileFilter(partial);
      partialFilters.set(spec, compiled);
    }
    if (!compiled.matches(doc)) return false;
  }
  return true;
}

/** The index keys of a document and whether making them met an array. */
function indexKeysWalk(spec: IndexSpec, doc: Document): { keys: { key: Uint8Array; values: unknown[] }[]; multikey: boolean } {
  const walk: PathWalk = { array: false };
  if (!indexHolds(spec, doc)) return { keys: [], multikey: false };
  if (isTextKeyPattern(spec.key)) {
    // One entry per term: several for one document, as for an array.
    const keys = textIndexKeys(spec, doc);
    return { keys, multikey: keys.length > 1 };
  }
  const fields = Object.keys(spec.key);
  const directions = fields.map((f) => (toNumber(spec.key[f]) < 0 ? -1 : 1));
  if (isGeoIndex(spec)) {
    const perGeoField = geoFieldValues(spec, doc, (f) => {
      const out: unknown[] = [];
      valuesAtPath(doc, f.split('.'), 0, out, walk);
      return out;
    });
    if (!perGeoField) return { keys: [], multikey: false };
    // A geometry has several cells: one document, several keys, as for an array.
    return { keys: combinedKeys(perGeoField, directions), multikey: walk.array || perGeoField.some((v) => v.length > 1) };
  }
  const perField = fields.map((f) => {
    const out: unknown[] = [];
    if (spec.key[f] === 'hashed') {
      const single: PathWalk = { array: false };
      valuesAtPath(doc, f.split('.'), 0, out, single);
      if (single.array) throw new MongoServerError(16766, `Error: hashed indexes do not currently support array values. Found array in field ${f}`);
      return out.map((v) => hashedKeyValue(v));
    }
    valuesAtPath(doc, f.split('.'), 0, out, walk);
    return out;
  });
  const arrayFields = perField.filter((vals) => vals.length > 1).length;
  if (arrayFields > 1) {
    throw mongoError('CannotCreateIndex', `cannot index parallel arrays [${fields.join('] [')}]`);
  }
  return { keys: combinedKeys(perField, directions), multikey: walk.array };
}

/** The distinct compound keys of every combination of the fields' values. */
function combinedKeys(perField: unknown[][], directions: (1 | -1)[]): { key: Uint8Array; values: unknown[] }[] {
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

/** The index keys of one document under `spec`, deduplicated (a multikey document may yield several, sparse or partial none). */
export function indexKeysFor(spec: IndexSpec, doc: Document): { key: Uint8Array; values: unknown[] }[] {
  return indexKeysWalk(spec, doc).keys;
}

/** The meta row that records that an index has met an array (mongod's multikey flag), by collection and index. */
function multikeyMetaKey(collUuid: string, indexName: string): string {
  return `multikey:${collUuid}:${indexName}`;
}

/**
 * Records, once, that an index holds an array's elements: from then on the planner neither intersects two bounds
 * on its fields nor lets it provide a sort, since one document may sit under several keys.
 */
async function noteMultikey(w: StorageWriter, info: CollectionInfo, spec: IndexSpec): Promise<void> {
  const key = multikeyMetaKey(info.uuid, spec.name);
  if ((await w.getMeta({ key })) !== '1') await w.setMeta({ key, value: '1' });
}

/** True when the collection's index `indexName` is multikey (the `_id` index never is). */
export async function isMultikeyIndex(r: StorageReader, info: CollectionInfo, indexName: string): Promise<boolean> {
  return indexName !== ID_INDEX_NAME && (await r.getMeta({ key: multikeyMetaKey(info.uuid, indexName) })) === '1';
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
    const { keys, multikey } = indexKeysWalk(spec, doc);
    if (multikey) await noteMultikey(w, info, spec);
    for (const { key, values } of keys) {
      try {
        await w.insertIndexEntry({ coll: info.uuid, index: spec.name, key, recordKey, unique: spec.unique === true });
        added.push({ name: spec.name, key });
      } catch (err) {
        for (const a of added) await w.deleteIndexEntry({ coll: info.uuid, index: a.name, key: a.key, recordKey });
        if (err instanceof StorageError && err.kind === 'DuplicateKey') throw duplicateKeyError(info, spec, values);
        throw err;
      }
    }
  }
}

export async function removeIndexEntries(w: StorageWriter, info: CollectionInfo, recordKey: Uint8Array, doc: Document): Promise<void> {
  for (const spec of secondaryIndexes(info)) {
    for (const { key } of indexKeysFor(spec, doc)) await w.deleteIndexEntry({ coll: info.uuid, index: spec.name, key, recordKey });
  }
}

/** Builds one new index over existing documents (createIndexes). */
export async function buildIndex(w: StorageWriter, info: CollectionInfo, spec: IndexSpec, docs: { key: Uint8Array; doc: Document }[]): Promise<void> {
  for (const { key: recordKey, doc } of docs) {
    const { keys, multikey } = indexKeysWalk(spec, doc);
    if (multikey) await noteMultikey(w, info, spec);
    for (const { key, values } of keys) {
      try {
        await w.insertIndexEntry({ coll: info.uuid, index: spec.name, key, recordKey, unique: spec.unique === true });
      } catch (err) {
        if (err instanceof StorageError && err.kind === 'DuplicateKey') throw duplicateKeyError(info, spec, values);
        throw err;
      }
    }
  }
}
