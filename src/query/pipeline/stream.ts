import { calculateObjectSize, Int32, setField, type Document } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { Sorter } from './sorter.js';
import type { SortKeys } from '../sort.js';
import type { CompiledStage, DocumentStage, Runtime } from './types.js';
import { carryTextScore, textScoresInUse } from '../text/index.js';

/**
 * Streaming execution: documents flow through a pipeline in chunks, pulled by whoever consumes the result (a
 * cursor filling one batch), so a `limit(1)` reads one chunk, an open cursor holds its position rather than its
 * results, and long work yields between chunks so other clients are served.
 */

/** Documents in chunks, in order. A chunk is never shared with another consumer; it may be empty. */
export type Chunks = AsyncIterable<Document[]>;

/** The most documents a per-document stage emits in one chunk before it hands them on. */
export const CHUNK_DOCS = 512;

/** mongod's internalQueryMaxBlockingSortMemoryUsageBytes and internalDocumentSourceGroupMaxMemoryBytes. */
export const BLOCKING_STAGE_MEMORY_BYTES = 100 * 1024 * 1024;

/** A sorted run written out of memory; read back in order, as often as needed. */
export interface SpilledRun {
  read(): Chunks;
}

/** Where blocking stages put sorted runs that do not fit in memory (temporary files, with `allowDiskUse`). */
export interface RunSpiller {
  spill(docs: readonly Document[]): Promise<SpilledRun>;
  /** Removes everything spilled; called when the stream ends, fails or is abandoned. */
  close(): Promise<void>;
}

/** What the consumer lends a running pipeline: a way to yield (and be interrupted), and its memory rules. */
export interface StreamControl {
  /** Lets other work run when due; throws when the operation was killed or timed out. */
  yieldIfDue(): Promise<void>;
  /** Present with `allowDiskUse`: blocking stages over their memory limit spill here instead of failing. */
  spiller?: () => RunSpiller;
  /** The memory limit of one blocking stage; default {@link BLOCKING_STAGE_MEMORY_BYTES}. */
  memoryLimitBytes?: number;
  /** mongod's prefix for a blocking stage's error: "Executor error during find command" or aggregation's. */
  errorContext: string;
}

const LAST_CHUNKS = new WeakSet<Document[]>();

/**
 * Marks `chunk` as the last of its stream, when the stage that produced it knows nothing follows without reading
 * further (a `limit` reached, a top-k sort drained). mongod's plan is then at EOF (its LIMIT and SORT stages say so),
 * and a find cursor whose batch ends there closes; a scan, by contrast, only knows its end once it has tried to read
 * past it, so its chunks are never marked.
 */
export function markLastChunk(chunk: Document[]): Document[] {
  if (chunk.length > 0) LAST_CHUNKS.add(chunk);
  return chunk;
}

/** Whether a stage marked `chunk` as the last of its stream ({@link markLastChunk}). */
export function isLastChunk(chunk: Document[]): boolean {
  return LAST_CHUNKS.has(chunk);
}

/** Approximate memory a document holds while a blocking stage keeps it: its BSON size. */
export function documentBytes(doc: Document): number {
  return calculateObjectSize(doc);
}

/** 292 QueryExceededMemoryLimitNoDiskUseAllowed, worded as mongod words it for `stage`. */
export function memoryLimitError(control: StreamControl, what: string): Error {
  return mongoError('QueryExceededMemoryLimitNoDiskUseAllowed', `${control.errorContext} :: caused by :: ${what}`);
}

/** One array as chunks of at most CHUNK_DOCS, yielding between them. */
export async function* chunksOf(docs: readonly Document[], control: StreamControl): Chunks {
  for (let i = 0; i < docs.length; i += CHUNK_DOCS) {
    yield docs.slice(i, i + CHUNK_DOCS);
    await control.yieldIfDue();
  }
}

/** Everything a stream produces, in one array (for callers that need it whole: small results, internal reads). */
export async function collectChunks(chunks: Chunks): Promise<Document[]> {
  const out: Document[] = [];
  for await (const chunk of chunks) for (const doc of chunk) out.push(doc);
  return out;
}

/** Every chunk a stream produces, kept as chunks (with their last-chunk marks), to be replayed later. */
export async function collectChunkList(chunks: Chunks): Promise<Document[][]> {
  const out: Document[][] = [];
  for await (const chunk of chunks) if (chunk.length > 0) out.push(chunk);
  return out;
}

/** Chunks already held, as a stream again. */
export async function* replayChunks(list: Document[][]): Chunks {
  yield* list;
}

/**
 * Runs consecutive per-document stages over a stream depth first: each input document goes through every stage
 * before the next, and the output is handed on every CHUNK_DOCS documents and at the end of every input chunk, so a stage that multiplies documents
 * ($unwind of $unwind) never holds more than a chunk of its output plus one input's expansion per stage.
 */
async function* documentStages(input: Chunks, stages: readonly DocumentStage[], runtime: Runtime, control: StreamControl): Chunks {
  const n = stages.length;
  let out: Document[] = [];
  for await (const chunk of input) {
    // levels[k] holds documents waiting for stage k (an array, or an iterator for a lazy expansion); level n holds
    // finished ones.
    const levels: (Document[] | Iterator<Document>)[] = [chunk];
    const positions: number[] = [0];
    while (levels.length > 0) {
      const top = levels.length - 1;
      const level = levels[top]!;
      let doc: Document;
      if (Array.isArray(level)) {
        const i = positions[top]!;
        if (i >= level.length) {
          levels.pop();
          positions.pop();
          continue;
        }
        positions[top] = i + 1;
        doc = level[i]!;
      } else {
        const next = level.next();
        if (next.done) {
          levels.pop();
          positions.pop();
          continue;
        }
        doc = next.value;
      }
      if (top === n) {
        // A full chunk is handed on only when a further document comes, so the last one can still be marked last.
        if (out.length >= CHUNK_DOCS) {
          yield out;
          out = [];
          await control.yieldIfDue();
        }
        out.push(doc);
        continue;
      }
      let produced = stages[top]!.apply(doc, runtime);
      // A stage that makes a new document from a scored one passes the score on ($project, $unwind, ...).
      if (textScoresInUse()) produced = carryTextScore(doc, produced);
      if (!Array.isArray(produced)) {
        levels.push(produced[Symbol.iterator]());
        positions.push(0);
      } else if (produced.length > 0) {
        levels.push(produced);
        positions.push(0);
      }
    }
    // What one input chunk produced goes on at once: a `$limit` downstream may need no more, and the source's
    // chunks are already sized to be worth a storage read. After a chunk marked last, nothing follows.
    if (out.length > 0) {
      yield isLastChunk(chunk) ? markLastChunk(out) : out;
      out = [];
    }
    if (isLastChunk(chunk)) return;
    await control.yieldIfDue();
  }
}

async function* limitChunks(input: Chunks, n: number): Chunks {
  let left = n;
  if (left <= 0) return;
  for await (const chunk of input) {
    if (chunk.length >= left) {
      yield markLastChunk(chunk.length === left ? chunk : chunk.slice(0, left));
      return;
    }
    left -= chunk.length;
    yield chunk;
  }
}

async function* skipChunks(input: Chunks, n: number): Chunks {
  let left = n;
  for await (const chunk of input) {
    if (left >= chunk.length) {
      left -= chunk.length;
      continue;
    }
    const out = left > 0 ? chunk.slice(left) : chunk;
    yield isLastChunk(chunk) ? markLastChunk(out) : out;
    left = 0;
  }
}

async function* sortChunks(input: Chunks, sorter: Sorter, limited: boolean): Chunks {
  try {
    for await (const chunk of input) await sorter.add(chunk);
    if (!limited) {
      yield* sorter.drain();
      return;
    }
    // A top-k sort knows when it has handed out its last document (mongod's sort stage with a limit is then EOF).
    let held: Document[] | null = null;
    for await (const chunk of sorter.drain()) {
      if (chunk.length === 0) continue;
      if (held) yield held;
      held = chunk;
    }
    if (held) yield markLastChunk(held);
  } finally {
    await sorter.close();
  }
}

/** A stream sorted by `compare` (stable, within the blocking-stage memory rules). */
export function sortedChunks(input: Chunks, sortKeys: SortKeys, control: StreamControl, limit?: number): Chunks {
  return sortChunks(input, new Sorter(sortKeys, limit, control), limit !== undefined);
}

async function* countChunks(input: Chunks, field: string): Chunks {
  let n = 0;
  for await (const chunk of input) n += chunk.length;
  if (n === 0) return;
  const out: Document = {};
  setField(out, field, new Int32(n));
  yield [out];
}

/**
 * A blocking stage's whole input, held within the blocking-stage memory limit (`stage` names it in the error past
 * the limit).
 */
export async function holdWholeInput(input: Chunks, stage: string, control: StreamControl): Promise<Document[]> {
  const docs: Document[] = [];
  let bytes = 0;
  const limit = control.memoryLimitBytes ?? BLOCKING_STAGE_MEMORY_BYTES;
  for await (const chunk of input) {
    for (const doc of chunk) {
      docs.push(doc);
      bytes += documentBytes(doc);
    }
    if (bytes > limit) throw memoryLimitError(control, `${stage} exceeded its memory limit of ${limit} bytes`);
  }
  return docs;
}

/** A batch stage with no streaming form: its whole input, held within the blocking-stage memory limit. */
async function* wholeInputChunks(input: Chunks, stage: Extract<CompiledStage, { kind: 'batch' }>, runtime: Runtime, control: StreamControl): Chunks {
  const docs = await holdWholeInput(input, stage.name, control);
  yield* chunksOf(stage.run(docs, runtime), control);
}

/** The stages of a pipeline that can be fused with what follows: a sort that only the first `n` results leave. */
function limitAfter(stages: readonly CompiledStage[], i: number): number | undefined {
  let skip = 0;
  for (let j = i + 1; j < stages.length; j++) {
    const s = stages[j]!;
    if (s.kind === 'batch' && s.skipCount !== undefined) skip += s.skipCount;
    else if (s.kind === 'batch' && s.limitCount !== undefined) return skip + s.limitCount;
    else return undefined;
  }
  return undefined;
}

/**
 * Runs compiled stages over a stream. Per-document stages are fused; `$limit` stops pulling its input (so the scan
 * below stops); `$sort` keeps only what a following `$limit` lets through; blocking stages hold at most their memory
 * limit, then spill (with `allowDiskUse`) or fail with 292.
 */
export function streamStages(stages: readonly CompiledStage[], source: Chunks, runtime: Runtime, control: StreamControl): Chunks {
  let current = source;
  let i = 0;
  while (i < stages.length) {
    const stage = stages[i]!;
    if (stage.kind === 'document') {
      const run: DocumentStage[] = [];
      while (i < stages.length && stages[i]!.kind === 'document') run.push(stages[i++] as DocumentStage);
      current = documentStages(current, run, runtime, control);
      continue;
    }
    if (stage.kind === 'stream') {
      current = stage.stream(current, runtime, control);
      i++;
      continue;
    }
    if (stage.limitCount !== undefined) current = limitChunks(current, stage.limitCount);
    else if (stage.skipCount !== undefined) current = skipChunks(current, stage.skipCount);
    else if (stage.sortKeys) current = sortedChunks(current, stage.sortKeys, control, limitAfter(stages, i));
    else if (stage.countField !== undefined) current = countChunks(current, stage.countField);
    else if (stage.stream) current = stage.stream(current, runtime, control);
    else current = wholeInputChunks(current, stage, runtime, control);
    i++;
  }
  return current;
}
