import type { Document } from '../bson/types.js';
import { MongoServerError } from '../errors/index.js';
import type { StoredDocument } from '../storage/types.js';
import { isView, ID_INDEX_NAME, type CollectionInfo } from './catalog.js';
import { encodeInsertedDocument, idStorageKey } from './documents.js';
import type { WriteContext } from './engine.js';
import { validatorApplies, type DocumentValidationOptions } from './validation.js';

/**
 * Batched inserts: a run of documents going into a collection where nothing but the store itself can refuse them
 * (it exists and is cached, no validator applies, no secondary index) is stored with one storage call per chunk,
 * which inserts many rows per statement, instead of one call and one statement per document. The outcome is the
 * one inserting them one by one would have: the same rows, the same entries in the same order, the same refusal.
 */

/** The collection, when a run of inserts into it can be batched; else null (insert one by one). */
export function batchableCollection(ctx: WriteContext, db: string, coll: string, options: DocumentValidationOptions): CollectionInfo | null {
  const info = ctx.cachedCollection(db, coll);
  // A capped collection caps after each insert, one by one, as mongod inserts into one (never batched).
  if (!info || isView(info) || validatorApplies(info, options) || info.options.capped === true) return null;
  const { indexes } = info;
  if (indexes.length > 1 || (indexes.length === 1 && indexes[0]!.name !== ID_INDEX_NAME)) return null;
  return info;
}

/**
 * Most rows one storage call of a run carries. A refused row ends the call; the run resumes after it with the
 * next call, so a refusal costs at most one chunk of work again, whatever the batch's size (without the bound,
 * an unordered batch of duplicates would hand the store its whole tail once per duplicate: quadratic).
 */
export const RUN_CHUNK = 512;

/**
 * The documents of one insert command with their stored rows, each encoded at most once for the whole batch
 * (however many runs a refused key splits it into).
 */
export class InsertBatch {
  /** undefined: not encoded yet; null: cannot be part of a run (the one-by-one path reports why). */
  private readonly rows: (StoredDocument | null | undefined)[];

  constructor(
    readonly docs: readonly (Document | MongoServerError)[],
    /** The exact BSON of `docs[i]` when the caller has it (reused for its entry too). */
    readonly encodedAt: (index: number) => Uint8Array | undefined,
  ) {
    this.rows = new Array(docs.length);
  }

  get length(): number {
    return this.docs.length;
  }

  /** The stored row of `docs[index]`, or null when it has a preparation or encoding error. */
  rowAt(index: number): StoredDocument | null {
    let row = this.rows[index];
    if (row !== undefined) return row;
    const doc = this.docs[index]!;
    row = null;
    if (!(doc instanceof MongoServerError)) {
      try {
        row = { key: idStorageKey(doc._id), doc: encodeInsertedDocument(doc, this.encodedAt(index)) };
      } catch {
        row = null;
      }
    }
    this.rows[index] = row;
    return row;
  }

  /** Forgets the row of `docs[index]` once the store holds it (it copied the bytes). */
  release(index: number): void {
    this.rows[index] = null;
  }
}

export interface InsertRun {
  /** How many of the run, from its start, were stored and logged. */
  inserted: number;
  /** True when the document right after them, `docs[from + inserted]`, was refused because its key is taken. */
  duplicate: boolean;
}

/**
 * Stores and logs `batch.docs[from..]` into `info` until a document that cannot be part of a run (a preparation
 * error, an encoding error, which the one-by-one path then reports), a document whose key is taken, or the end.
 * `inserted` 0 without `duplicate`: the run could not start (insert `docs[from]` alone).
 */
export async function insertRun(ctx: WriteContext, info: CollectionInfo, batch: InsertBatch, from: number): Promise<InsertRun> {
  let inserted = 0;
  for (;;) {
    const start = from + inserted;
    const chunk: StoredDocument[] = [];
    for (let i = start; i < batch.length && chunk.length < RUN_CHUNK; i++) {
      const row = batch.rowAt(i);
      if (!row) break;
      chunk.push(row);
    }
    if (chunk.length === 0) return { inserted, duplicate: false };
    const stored = await ctx.writer.insertDocuments({ coll: info.uuid, rows: chunk });
    for (let k = start; k < start + stored; k++) {
      const doc = batch.docs[k] as Document;
      batch.release(k);
      ctx.log({ op: 'insert', db: info.db, coll: info.name, uuid: info.uuid, documentKey: { _id: doc._id }, fullDocument: doc }, batch.encodedAt(k));
    }
    inserted += stored;
    if (stored < chunk.length) return { inserted, duplicate: true };
  }
}
