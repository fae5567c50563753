import type { Document } from '../bson/types.js';
import { MongoServerError } from '../errors/index.js';
import type { StoredDocument } from '../storage/types.js';
import { isView, ID_INDEX_NAME, type CollectionInfo } from './catalog.js';
import { encodeInsertedDocument, idStorageKey } from './documents.js';
import type { WriteContext } from './engine.js';
import { validatorApplies, type DocumentValidationOptions } from './validation.js';

/**
 * Batched inserts: a run of documents going into a collection where nothing but the store itself can refuse them
 * (it exists and is cached, no validator applies, no secondary index) is stored with one storage call, which
 * inserts many rows per statement, instead of one call and one statement per document. The outcome is the one
 * inserting them one by one would have: the same rows, the same entries in the same order, the same refusal.
 */

/** The collection, when a run of inserts into it can be batched; else null (insert one by one). */
export function batchableCollection(ctx: WriteContext, db: string, coll: string, options: DocumentValidationOptions): CollectionInfo | null {
  const info = ctx.cachedCollection(db, coll);
  if (!info || isView(info) || validatorApplies(info, options)) return null;
  const { indexes } = info;
  if (indexes.length > 1 || (indexes.length === 1 && indexes[0]!.name !== ID_INDEX_NAME)) return null;
  return info;
}

export interface InsertRun {
  /** The run covered `docs[from, end)`; `end === from` when it could not start (insert `docs[from]` alone). */
  end: number;
  /** How many of the run, from its start, were stored and logged; fewer than the run when a key was taken. */
  inserted: number;
}

/**
 * Stores and logs `docs[from..]` into `info` until a document that cannot be part of a run (a preparation error,
 * an encoding error, which the one-by-one path then reports) or the end. A document whose key is taken stops the
 * run: those before it are stored, it and those after are not. `encodedAt(i)`: the exact BSON of `docs[i]` when
 * the caller has it (reused for its entry too).
 */
export async function insertRun(
  ctx: WriteContext,
  info: CollectionInfo,
  docs: readonly (Document | MongoServerError)[],
  encodedAt: (index: number) => Uint8Array | undefined,
  from: number,
): Promise<InsertRun> {
  const rows: StoredDocument[] = [];
  let end = from;
  for (; end < docs.length; end++) {
    const doc = docs[end]!;
    if (doc instanceof MongoServerError) break;
    let bytes: Uint8Array;
    try {
      bytes = encodeInsertedDocument(doc, encodedAt(end));
    } catch {
      break;
    }
    rows.push({ key: idStorageKey(doc._id), doc: bytes });
  }
  if (rows.length === 0) return { end: from, inserted: 0 };
  const inserted = await ctx.writer.insertDocuments(info.uuid, rows);
  for (let k = 0; k < inserted; k++) {
    const doc = docs[from + k] as Document;
    ctx.log({ op: 'insert', db: info.db, coll: info.name, uuid: info.uuid, documentKey: { _id: doc._id }, fullDocument: doc }, encodedAt(from + k));
  }
  return { end, inserted };
}
