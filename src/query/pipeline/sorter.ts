import type { Document } from '../../bson/index.js';
import type { SortKeys } from '../sort.js';
import { BLOCKING_STAGE_MEMORY_BYTES, CHUNK_DOCS, documentBytes, memoryLimitError, type Chunks, type RunSpiller, type SpilledRun, type StreamControl } from './stream.js';

/**
 * A blocking sort that never holds the event loop or more than its memory limit. Input is cut into runs of RUN_DOCS
 * documents, each sorted on its own (a few milliseconds), with a yield between runs; the output is a k-way merge of
 * the runs. With a limit (a `$limit` after the `$sort`, or find's `limit`), only the best `limit` documents are
 * kept. Over the memory limit, the runs in memory are merged into one and spilled (with `allowDiskUse`), or the sort
 * fails with 292 as mongod's does. The sort is stable: equal keys keep their input order (runs are merged with ties
 * going to the earlier run).
 */

const RUN_DOCS = 4096;

interface Held {
  readonly doc: Document;
  readonly bytes: number;
  readonly keys: unknown[];
}

export class Sorter {
  private pending: Held[] = [];
  /** Sorted runs in memory, in input order. */
  private runs: Held[][] = [];
  private spilled: SpilledRun[] = [];
  private bytes = 0;
  private spiller: RunSpiller | undefined;
  private readonly limitBytes: number;
  private readonly byDoc: (a: Held, b: Held) => number;

  constructor(private readonly sortKeys: SortKeys, private readonly limit: number | undefined, private readonly control: StreamControl) {
    this.limitBytes = control.memoryLimitBytes ?? BLOCKING_STAGE_MEMORY_BYTES;
    this.byDoc = (a, b) => sortKeys.compareKeys(a.keys, b.keys);
  }

  async add(docs: readonly Document[]): Promise<void> {
    for (const doc of docs) {
      const bytes = documentBytes(doc);
      this.pending.push({ doc, bytes, keys: this.sortKeys.keysOf(doc) });
      this.bytes += bytes;
      if (this.pending.length >= RUN_DOCS) await this.seal();
    }
    if (this.bytes > this.limitBytes) await this.seal();
  }

  /** Sorts the pending documents into a run (keeping only the best `limit` overall), then enforces the memory limit. */
  private async seal(): Promise<void> {
    if (this.pending.length > 0) {
      const run = this.pending.sort(this.byDoc);
      this.pending = [];
      if (this.limit !== undefined) {
        const best = mergeTwo(this.runs[0] ?? [], run, this.byDoc, this.limit);
        this.runs = [best];
        this.bytes = best.reduce((sum, h) => sum + h.bytes, 0);
      } else {
        this.runs.push(run);
      }
    }
    if (this.bytes > this.limitBytes) {
      if (!this.control.spiller) {
        throw memoryLimitError(this.control, `Sort exceeded memory limit of ${this.limitBytes} bytes, but did not opt in to external sorting.`);
      }
      this.spiller ??= this.control.spiller();
      const merged = this.runs.length === 1 ? this.runs[0]! : await collectHeld(mergeRuns(this.runs.map(inMemory), this.byDoc, this.control));
      this.spilled.push(await this.spiller.spill(merged.map((h) => h.doc)));
      this.runs = [];
      this.bytes = 0;
    }
    await this.control.yieldIfDue();
  }

  /** The sorted output, in chunks. */
  async *drain(): Chunks {
    await this.seal();
    const sources: AsyncIterator<Held[]>[] = [
      ...this.spilled.map((run) => fromSpilled(run.read(), this.sortKeys)),
      ...this.runs.map(inMemory),
    ];
    this.runs = [];
    let left = this.limit ?? Infinity;
    for await (const chunk of mergeRuns(sources, this.byDoc, this.control)) {
      const docs = chunk.length > left ? chunk.slice(0, left) : chunk;
      left -= docs.length;
      yield docs.map((h) => h.doc);
      if (left <= 0) return;
    }
  }

  async close(): Promise<void> {
    this.pending = [];
    this.runs = [];
    await this.spiller?.close();
  }
}

/** The first `limit` of two sorted runs, merged; ties go to `a` (the earlier input). */
function mergeTwo(a: Held[], b: Held[], cmp: (x: Held, y: Held) => number, limit: number): Held[] {
  const out: Held[] = [];
  let i = 0;
  let j = 0;
  while (out.length < limit && (i < a.length || j < b.length)) {
    if (j >= b.length || (i < a.length && cmp(a[i]!, b[j]!) <= 0)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

async function* inMemoryChunks(run: Held[]): AsyncGenerator<Held[]> {
  for (let i = 0; i < run.length; i += CHUNK_DOCS) yield run.slice(i, i + CHUNK_DOCS);
}

function inMemory(run: Held[]): AsyncIterator<Held[]> {
  return inMemoryChunks(run)[Symbol.asyncIterator]();
}

async function* spilledChunks(chunks: Chunks, sortKeys: SortKeys): AsyncGenerator<Held[]> {
  for await (const chunk of chunks) yield chunk.map((doc) => ({ doc, bytes: 0, keys: sortKeys.keysOf(doc) }));
}

function fromSpilled(chunks: Chunks, sortKeys: SortKeys): AsyncIterator<Held[]> {
  return spilledChunks(chunks, sortKeys)[Symbol.asyncIterator]();
}

async function collectHeld(chunks: AsyncIterable<Held[]>): Promise<Held[]> {
  const out: Held[] = [];
  for await (const chunk of chunks) for (const h of chunk) out.push(h);
  return out;
}

/** One source's position in a k-way merge. */
interface Cursor {
  readonly source: AsyncIterator<Held[]>;
  readonly order: number;
  chunk: Held[];
  pos: number;
}

/** K-way merge of sorted sources (in input order: ties go to the lower index), in chunks of CHUNK_DOCS. */
async function* mergeRuns(sources: AsyncIterator<Held[]>[], cmp: (x: Held, y: Held) => number, control: StreamControl): AsyncGenerator<Held[]> {
  const heap: Cursor[] = [];
  const less = (a: Cursor, b: Cursor): boolean => {
    const c = cmp(a.chunk[a.pos]!, b.chunk[b.pos]!);
    return c < 0 || (c === 0 && a.order < b.order);
  };
  const push = (c: Cursor): void => {
    heap.push(c);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  };
  const siftDown = (): void => {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < heap.length && less(heap[l]!, heap[best]!)) best = l;
      if (r < heap.length && less(heap[r]!, heap[best]!)) best = r;
      if (best === i) return;
      [heap[i], heap[best]] = [heap[best]!, heap[i]!];
      i = best;
    }
  };
  const refill = async (c: Cursor): Promise<boolean> => {
    for (;;) {
      const next = await c.source.next();
      if (next.done) return false;
      if (next.value.length > 0) {
        c.chunk = next.value;
        c.pos = 0;
        return true;
      }
    }
  };
  for (let order = 0; order < sources.length; order++) {
    const c: Cursor = { source: sources[order]!, order, chunk: [], pos: 0 };
    if (await refill(c)) push(c);
  }
  let out: Held[] = [];
  while (heap.length > 0) {
    const top = heap[0]!;
    out.push(top.chunk[top.pos++]!);
    if (top.pos >= top.chunk.length && !(await refill(top))) {
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        siftDown();
      }
    } else {
      siftDown();
    }
    if (out.length >= CHUNK_DOCS) {
      yield out;
      out = [];
      await control.yieldIfDue();
    }
  }
  if (out.length > 0) yield out;
}
