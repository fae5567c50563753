/**
 * The checks of the validate command on one collection, read in one storage transaction so that documents and
 * index entries are seen at the same instant: every document against its checksum, its BSON and its key, and every
 * secondary index against the keys its documents give (recomputed with indexKeysFor), in both directions.
 */
import { Binary, deserialize, type Document } from '../bson/index.js';
import { mongoError } from '../errors/index.js';
import type { StorageReader } from '../storage/types.js';
import { getCollectionInfo, isView, ID_INDEX_NAME, type CollectionInfo, type IndexSpec } from './catalog.js';
import { idStorageKey } from './documents.js';
import type { Engine } from './engine.js';
import { indexKeysFor } from './indexes.js';

/** Most entries each of the reply's lists carries (mongod caps them by size); the counts cover all. */
const MAX_LISTED = 1000;

export interface ValidateResults {
  info: CollectionInfo;
  nrecords: number;
  nInvalidDocuments: number;
  nNonCompliantDocuments: number;
  keysPerIndex: Map<string, number>;
  /** Per index, the errors found in it (missing or extra entries). */
  indexErrors: Map<string, string[]>;
  warnings: string[];
  errors: string[];
  extraIndexEntries: Document[];
  missingIndexEntries: Document[];
  corruptRecords: unknown[];
  /** What is wrong with each invalid or non-compliant document (a bounded number), for the log the errors point to. */
  logged: { recordId: unknown; problem: string }[];
}

/** What a document's `_id` is called in the reply: the value when the document decodes, else its stored key. */
type RecordIdOf = (hex: string) => unknown;

/**
 * Validates collection `name` of `db`: NamespaceNotFound (26) when it does not exist, CommandNotSupportedOnView
 * (166) for a view, as mongod answers.
 */
export async function validateCollection(engine: Engine, db: string, name: string): Promise<ValidateResults> {
  return engine.read(async (r) => {
    const info = await getCollectionInfo(r, db, name);
    if (!info) throw mongoError('NamespaceNotFound', `Collection '${db}.${name}' does not exist to validate.`);
    if (isView(info)) throw mongoError('CommandNotSupportedOnView', 'Cannot validate a view');
    return validateCollectionIn(r, info);
  });
}

async function validateCollectionIn(r: StorageReader, info: CollectionInfo): Promise<ValidateResults> {
  const results: ValidateResults = {
    info, nrecords: 0, nInvalidDocuments: 0, nNonCompliantDocuments: 0, keysPerIndex: new Map(), indexErrors: new Map(),
    warnings: [], errors: [], extraIndexEntries: [], missingIndexEntries: [], corruptRecords: [], logged: [],
  };
  const secondary = info.indexes.filter((spec) => spec.name !== ID_INDEX_NAME);
  /** Per secondary index, the entries the documents call for: "indexKeyHex recordKeyHex" -> the key's values. */
  const expected = new Map<string, Map<string, unknown[]>>(secondary.map((spec) => [spec.name, new Map()]));
  /** Record keys (hex) of documents whose index keys are unknown: their index entries are not judged. */
  const unreadable = new Set<string>();
  const ids = new Map<string, unknown>();

  for await (const stored of r.inspectDocuments({ coll: info.uuid })) {
    results.nrecords++;
    const keyHex = Buffer.from(stored.key).toString('hex');
    const doc = decodeChecked(stored.doc);
    // Named by its _id while its bytes still give one, else by its stored key.
    const recordId = doc.kind !== 'invalid' && Object.hasOwn(doc.doc, '_id') ? doc.doc._id : new Binary(Buffer.from(stored.key));
    const problem = !stored.intact ? 'its bytes do not match their checksum'
      : doc.kind === 'invalid' ? 'its bytes are not a valid BSON document'
      : !keyMatches(doc.doc, keyHex) ? 'it is stored under a key its _id does not give' : null;
    if (problem !== null || doc.kind === 'invalid') {
      results.nInvalidDocuments++;
      unreadable.add(keyHex);
      if (results.corruptRecords.length < MAX_LISTED) {
        results.corruptRecords.push(recordId);
        results.logged.push({ recordId, problem: problem ?? 'its bytes are not a valid BSON document' });
      }
      continue;
    }
    if (doc.kind === 'nonCompliant') {
      results.nNonCompliantDocuments++;
      if (results.logged.length < 2 * MAX_LISTED) results.logged.push({ recordId, problem: 'it holds a string that is not valid UTF-8' });
    }
    const value = doc.doc;
    ids.set(keyHex, value._id);
    for (const spec of secondary) {
      const wanted = expected.get(spec.name)!;
      try {
        for (const { key, values } of indexKeysFor(spec, value)) wanted.set(`${Buffer.from(key).toString('hex')} ${keyHex}`, values);
      } catch {
        // A document this index could not hold (parallel arrays): it has no entries to miss.
      }
    }
  }
  results.keysPerIndex.set(ID_INDEX_NAME, results.nrecords);
  const recordIdOf: RecordIdOf = (hex) => (ids.has(hex) ? ids.get(hex) : new Binary(Buffer.from(hex, 'hex')));

  if (results.nInvalidDocuments > 0) results.errors.push('Detected one or more invalid documents. See logs.');
  if (results.nNonCompliantDocuments > 0) results.warnings.push('Detected one or more documents not compliant with the BSON specification. See logs.');
  for (const spec of secondary) await checkIndex(r, info, spec, expected.get(spec.name)!, unreadable, recordIdOf, results);
  return results;
}

/** Compares one index's stored entries with the entries its documents call for (`wanted` is consumed). */
async function checkIndex(
  r: StorageReader, info: CollectionInfo, spec: IndexSpec, wanted: Map<string, unknown[]>, unreadable: Set<string>,
  recordIdOf: RecordIdOf, results: ValidateResults,
): Promise<void> {
  let traversed = 0;
  let extra = 0;
  for await (const entry of r.scanIndex({ coll: info.uuid, index: spec.name })) {
    traversed++;
    const recordHex = Buffer.from(entry.recordKey).toString('hex');
    if (wanted.delete(`${Buffer.from(entry.key).toString('hex')} ${recordHex}`) || unreadable.has(recordHex)) continue;
    extra++;
    if (results.extraIndexEntries.length < MAX_LISTED) {
      results.extraIndexEntries.push({ indexName: spec.name, recordId: recordIdOf(recordHex), indexKey: new Binary(Buffer.from(entry.key)) });
    }
  }
  results.keysPerIndex.set(spec.name, traversed);
  const fields = Object.keys(spec.key);
  for (const [pair, values] of wanted) {
    if (results.missingIndexEntries.length >= MAX_LISTED) break;
    const id = recordIdOf(pair.slice(pair.indexOf(' ') + 1));
    const indexKey: Document = {};
    fields.forEach((field, i) => (indexKey[field] = values[i]));
    results.missingIndexEntries.push({ indexName: spec.name, recordId: id, idKey: { _id: id }, indexKey });
  }
  const errors: string[] = [];
  if (extra > 0) errors.push(`Detected ${extra} extra index entries.`);
  if (wanted.size > 0) errors.push(`Detected ${wanted.size} missing index entries.`);
  if (errors.length > 0) {
    results.indexErrors.set(spec.name, errors);
    results.errors.push(`Index with name '${spec.name}' has inconsistencies.`);
  }
}

/** A stored document's BSON: well-formed, or well-formed but with invalid UTF-8 (non-compliant), or invalid. */
function decodeChecked(bytes: Uint8Array): { kind: 'ok' | 'nonCompliant'; doc: Document } | { kind: 'invalid' } {
  try {
    return { kind: 'ok', doc: deserialize(bytes, { promoteValues: false, promoteBuffers: false }) };
  } catch {
    // Retried without the UTF-8 check: a document only that check refuses is readable, but not compliant.
  }
  try {
    return { kind: 'nonCompliant', doc: deserialize(bytes, { promoteValues: false, promoteBuffers: false, validation: { utf8: false } }) };
  } catch {
    return { kind: 'invalid' };
  }
}

/** True when the document is stored under the key its `_id` gives. */
function keyMatches(doc: Document, keyHex: string): boolean {
  if (!Object.hasOwn(doc, '_id')) return false;
  try {
    return Buffer.from(idStorageKey(doc._id)).toString('hex') === keyHex;
  } catch {
    return false;
  }
}
