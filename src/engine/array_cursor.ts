import { calculateObjectSize, MAX_BSON_OBJECT_SIZE } from '../bson/index.js';
import type { Document } from '../bson/types.js';
import type { CursorBatch, ServerCursor } from './cursor_registry.js';

const MAX_BATCH_BYTES = MAX_BSON_OBJECT_SIZE;

/** Splits off the next batch: at most `batchSize` documents (0 = no count limit) and at most 16 MiB. */
export function takeBatch(docs: Document[], start: number, batchSize: number): number {
  let end = start;
  let bytes = 0;
  const limit = batchSize > 0 ? batchSize : Infinity;
  while (end < docs.length && end - start < limit) {
    bytes += calculateObjectSize(docs[end]!);
    if (bytes > MAX_BATCH_BYTES && end > start) break;
    end++;
  }
  return end;
}

/** A find or aggregate result held by the server while the client pages through it with getMore. */
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
