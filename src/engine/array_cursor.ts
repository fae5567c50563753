import { bsonSizeExceeds, calculateObjectSize, MAX_BSON_OBJECT_SIZE } from '../bson/index.js';
import { mongoError } from '../errors/index.js';

/** The largest document a reply may carry: 16 MiB plus mongod's internal slack (BSONObjMaxInternalSize). */
const MAX_REPLY_DOCUMENT_BYTES = MAX_BSON_OBJECT_SIZE + 16 * 1024;
import type { Document } from '../bson/types.js';
import type { CursorBatch, ServerCursor } from './cursor_registry.js';

/**
 * The bytes a batch's documents may take in a reply, as mongod's: 16 MiB in all, counting each document with the
 * bytes its array element adds (type, index digits, NUL), so that the whole reply stays within the 16 MiB + 16 KiB a
 * reply may have. The first document always goes, whatever its size.
 */
export class BatchBudget {
  private bytes = 0;
  private count = 0;

  constructor(private readonly batchSize: number) {}

  /** Whether `doc` fits; when it does, it is counted. */
  take(doc: Document): boolean {
    if (this.batchSize > 0 && this.count >= this.batchSize) return false;
    // Checked with a bounded walk first: a document built by expressions can hold one value by reference so many
    // times that measuring it exactly would take as long as encoding terabytes.
    if (bsonSizeExceeds(doc, MAX_REPLY_DOCUMENT_BYTES)) throw tooLarge(doc);
    const docSize = calculateObjectSize(doc);
    if (docSize > MAX_REPLY_DOCUMENT_BYTES) throw tooLarge(doc, docSize);
    const size = docSize + 2 + digits(this.count);
    if (this.count > 0 && this.bytes + size > MAX_BSON_OBJECT_SIZE) return false;
    this.bytes += size;
    this.count++;
    return true;
  }

  /** Whether the count limit is reached (no document could be taken). */
  get full(): boolean {
    return this.batchSize > 0 && this.count >= this.batchSize;
  }
}

/** mongod's error for a result document past the reply limit, with its size when it can be measured cheaply. */
function tooLarge(doc: Document, known?: number): Error {
  const size = known ?? (bsonSizeExceeds(doc, 8 * MAX_REPLY_DOCUMENT_BYTES) ? undefined : calculateObjectSize(doc));
  const shown = size === undefined ? `more than ${8 * MAX_REPLY_DOCUMENT_BYTES}` : `${size} (0x${size.toString(16).toUpperCase()})`;
  return mongoError('BSONObjectTooLarge', `BSONObj size: ${shown} is invalid. Size must be between 0 and ${MAX_REPLY_DOCUMENT_BYTES}(16MB)`);
}

function digits(n: number): number {
  return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : String(n).length;
}

/** Splits off the next batch: at most `batchSize` documents (0 = no count limit) within the reply's byte budget. */
export function takeBatch(docs: Document[], start: number, batchSize: number): number {
  const budget = new BatchBudget(batchSize);
  let end = start;
  while (end < docs.length && budget.take(docs[end]!)) end++;
  return end;
}

/**
 * A result the server already holds whole (bulkWrite's per-operation results) while the client pages through it.
 * Like mongod's queued results it knows its end, so the batch that takes the last result closes it (find and
 * aggregate cursors close by mongod's plan rules instead: `StreamCursor`).
 */
export class ArrayCursor implements ServerCursor {
  readonly kind = 'find' as const;
  private offset = 0;

  constructor(readonly ns: string, private docs: Document[], readonly originatingCommand: string, readonly lsid?: Document) {}

  /** The first batch; returns whether anything is left. */
  first(batchSize: number): { docs: Document[]; exhausted: boolean } {
    const end = takeBatch(this.docs, 0, batchSize);
    const batch = this.docs.slice(0, end);
    this.offset = end;
    return { docs: batch, exhausted: end >= this.docs.length };
  }

  async next(batchSize: number): Promise<CursorBatch> {
    const end = takeBatch(this.docs, this.offset, batchSize);
    const batch = this.docs.slice(this.offset, end);
    this.offset = end;
    return { docs: batch, exhausted: end >= this.docs.length };
  }

  close(): void {
    this.docs = [];
  }
}
