/**
 * Capped collections as mongod 8.0 keeps them: a size in bytes (rounded up to 256) and optionally a document count;
 * each insert that takes the collection over either removes its oldest documents, in insertion order, never the one
 * just inserted. Each removal is a replicated delete (an oplog entry, so a change stream sees a `delete` event), as
 * mongod does since 5.0. Updates may change a document's size and deletes are allowed (mongod 5.3+); the capping
 * catches up at the next insert, as after a `collMod` that lowers the caps.
 */
import { bsonTypeOf, isNumeric, toNumber, type Document } from '../bson/types.js';
import { mongoError, validatorError, wrongTypeError } from '../errors/index.js';
import { imagesEnabled, type CollectionInfo } from './catalog.js';
import { decodeStoredDocument } from './documents.js';
import type { WriteContext } from './engine.js';
import { removeIndexEntries } from './indexes.js';
import { isCapped } from './natural_source.js';
import { toArray } from '../storage/scan.js';

/** The largest capped size: 1 PB. */
const MAX_CAPPED_SIZE = 1024 ** 5;
/** `max` must stay below 2^31. */
const MAX_CAPPED_DOCS = 2 ** 31;
/** Oldest documents read by the first storage call while capping (an insert mostly pushes out one or two), then more. */
const FIRST_CAP_SCAN = 4;
const MAX_CAP_SCAN = 256;

const NUMBER_TYPES = ['long', 'int', 'decimal', 'double'];

/** mongod stores a capped size rounded up to a multiple of 256 bytes. */
function roundedSize(size: number): number {
  return Math.ceil(size / 256) * 256;
}

/**
 * The `capped`, `size` and `max` options of a `create`, checked as mongod checks them, in the form they are stored:
 * `{capped: true, size, max?}` (size rounded up to 256 bytes; a `max` of 0 or less means none), or `{}`.
 *
 * @throws TypeMismatch (14) for a non-numeric value; 51024 for a size outside [1, 1 PB] or a max of 2^31 or more;
 *   InvalidOptions (72) for a capped collection without a size, or a size or max without `capped: true`.
 */
export function cappedCreateOptions(options: Document): Document {
  const { capped, size, max } = options;
  if (capped !== undefined && capped !== null && typeof capped !== 'boolean' && !isNumeric(capped)) {
    throw wrongTypeError('create.capped', bsonTypeOf(capped), ['bool', ...NUMBER_TYPES]);
  }
  for (const [field, value] of [['size', size], ['max', max]] as const) {
    if (value !== undefined && value !== null && !isNumeric(value)) throw wrongTypeError(`create.${field}`, bsonTypeOf(value), NUMBER_TYPES);
  }
  const sizeValue = size === undefined || size === null ? undefined : Math.trunc(toNumber(size));
  const maxValue = max === undefined || max === null ? undefined : Math.trunc(toNumber(max));
  if (sizeValue !== undefined && sizeValue < 1) throw validatorError('size', '>= 1', sizeValue);
  if (sizeValue !== undefined && sizeValue > MAX_CAPPED_SIZE) throw validatorError('size', `<= ${MAX_CAPPED_SIZE}`, sizeValue);
  if (maxValue !== undefined && maxValue >= MAX_CAPPED_DOCS) throw validatorError('max', `< ${MAX_CAPPED_DOCS}`, maxValue);
  const isCappedRequested = capped === true || (isNumeric(capped) && toNumber(capped) !== 0);
  if (isCappedRequested && sizeValue === undefined) throw mongoError('InvalidOptions', "the 'size' field is required when 'capped' is true");
  if ((sizeValue !== undefined || maxValue !== undefined) && !isCappedRequested) {
    throw mongoError('InvalidOptions', "the 'capped' field needs to be true when either the 'size' or 'max' fields are present");
  }
  if (!isCappedRequested) return {};
  const stored: Document = { capped: true, size: roundedSize(sizeValue!) };
  if (maxValue !== undefined && maxValue > 0) stored.max = maxValue;
  return stored;
}

/**
 * mongod refuses writes to a capped collection inside a multi-document transaction.
 * @throws OperationNotSupportedInTransaction (263)
 */
export function checkCappedWrite(ctx: WriteContext, info: CollectionInfo): void {
  if (ctx.inTransaction && isCapped(info)) {
    throw mongoError('OperationNotSupportedInTransaction', `Collection '${info.db}.${info.name}' is a capped collection. Writes in transactions are not allowed on capped collections.`);
  }
}

/**
 * After an insert into a capped collection: removes its oldest documents while it holds more bytes than its size or
 * more documents than its max, stopping at the document just inserted (`justInserted`, its storage key), and logs
 * each removal as a delete.
 */
export async function deleteOverCap(ctx: WriteContext, info: CollectionInfo, justInserted: Uint8Array, insertedBytes: number): Promise<void> {
  const maxSize = Number(info.options.size ?? 0);
  const maxDocs = Number(info.options.max ?? 0);
  // Measuring walks the whole collection: the totals are remembered between inserts while only capping changes it.
  const known = ctx.cappedTotals?.afterInsert(info.uuid, insertedBytes);
  const totals = known ?? { count: await ctx.writer.countDocuments({ coll: info.uuid }), bytes: await ctx.writer.dataSize({ coll: info.uuid }) };
  try {
    await removeOldest(ctx, info, justInserted, totals, maxSize, maxDocs);
  } finally {
    ctx.cappedTotals?.set(info.uuid, totals);
  }
}

/** Removes the oldest documents while `totals` are over a cap, keeping `totals` up to date. */
async function removeOldest(ctx: WriteContext, info: CollectionInfo, justInserted: Uint8Array, totals: { count: number; bytes: number }, maxSize: number, maxDocs: number): Promise<void> {
  const over = () => totals.bytes > maxSize || (maxDocs > 0 && totals.count > maxDocs);
  if (!over()) return;
  const images = imagesEnabled(info);
  for (let limit = FIRST_CAP_SCAN; ; limit = Math.min(limit * 4, MAX_CAP_SCAN)) {
    const oldest = await toArray(ctx.writer.scanNatural({ coll: info.uuid, limit, chunkRows: limit }));
    for (const row of oldest) {
      if (!over()) return;
      if (Buffer.compare(Buffer.from(row.key), Buffer.from(justInserted)) === 0) return;
      const doc = decodeStoredDocument(row.doc);
      await removeIndexEntries(ctx.writer, info, row.key, doc);
      await ctx.writer.deleteDocument({ coll: info.uuid, key: row.key });
      ctx.log({ op: 'delete', db: info.db, coll: info.name, uuid: info.uuid, documentKey: { _id: doc._id }, preImage: images ? doc : undefined, images });
      totals.bytes -= row.doc.byteLength;
      totals.count--;
    }
    if (oldest.length < limit) return;
  }
}
