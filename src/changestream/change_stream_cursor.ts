import { calculateObjectSize } from '../bson/index.js';
import { MAX_BSON_OBJECT_SIZE, valuesEqual } from '../bson/index.js';
import type { Document } from '../bson/types.js';
import { mongoError } from '../errors/index.js';
import type { Engine } from '../engine/engine.js';
import type { Operation } from '../engine/operation.js';
import type { CursorBatch, ServerCursor } from '../engine/cursor_registry.js';
import { encodeResumeToken, highWaterMarkToken, HIGH_WATER_MARK_POSITION, type ResumePoint } from '../oplog/resume_token.js';
import { encodedSize, type OplogEntry } from '../oplog/entry.js';
import type { Parking } from '../oplog/hub.js';
import { changeStreamHistoryLost } from './history_lost.js';
import type { ChangeStreamSpec } from './options.js';
import { entryInvalidates, scopeNamespace, type StreamScope } from './scope.js';
import { interestedIn, type StreamInterest } from '../oplog/interest.js';
import { buildEvents, type DocumentLookup } from './event_builder.js';
import { MAX_EVENT_BYTES, splitLargeEvent } from './split_event.js';
import { noteEventsReturned, type StreamActivity, type StreamClient } from './stream_activity.js';

/** Replies stay under mongod's 16 MiB limit for a batch (a single event may fill one alone). */
const MAX_BATCH_BYTES = MAX_BSON_OBJECT_SIZE - 64 * 1024;
/** Oplog entries read per step. */
const READ_CHUNK = 256;
/** How long a getMore without maxTimeMS waits for changes, as mongod's default awaitData timeout. */
export const DEFAULT_AWAIT_MS = 1000;

/** Runs the user's stages on one event: zero or more documents out. */
export type EventPipeline = (event: Document) => Document[];

export interface ChangeStreamCursorOptions {
  scope: StreamScope;
  /** What the stream can report, for the hub's index and to skip entries without shaping them. */
  interest: StreamInterest;
  spec: ChangeStreamSpec;
  pipeline: EventPipeline | null;
  lookup: DocumentLookup;
  start: ResumePoint;
  lsid?: Document;
  /** The pipeline ends with $changeStreamSplitLargeEvent. */
  splitLargeEvents: boolean;
  /** The aggregate's whole pipeline, `$changeStream` first, as statistics show it. */
  shownPipeline: Document[];
  /** Who opened the stream, as statistics show it. */
  client: StreamClient;
}

function pointToken(point: ResumePoint): Document {
  return point.position === HIGH_WATER_MARK_POSITION ? highWaterMarkToken(point.ts) : encodeResumeToken(point);
}

/** BSON sizes of shared events, computed once however many streams return them. */
const sizes = new WeakMap<Document, number>();

function eventSize(event: Document): number {
  let size = sizes.get(event);
  if (size === undefined) sizes.set(event, (size = calculateObjectSize(event)));
  return size;
}

/**
 * Bytes an event shaped from an entry can add to the entry's own: the header (token, times, operationType, UUID),
 * the ns document and longer field names. Every other value of the event is a value of the entry.
 */
const EVENT_OVER_ENTRY_BYTES = 512;

/**
 * The event's size for batch accounting: an upper bound from the stored entry when the event carries only the
 * entry's values (catch-up reads millions of them, and walking each costs more than shaping it), else exact.
 */
function sizeForBatch(event: Document, built: Document, entry: OplogEntry, fullDocument: string): number {
  if (event === built && !(entry.op === 'update' && fullDocument === 'updateLookup')) {
    const stored = encodedSize(entry);
    if (stored !== undefined && stored + EVENT_OVER_ENTRY_BYTES <= MAX_EVENT_BYTES) return stored + EVENT_OVER_ENTRY_BYTES;
  }
  return eventSize(event);
}

/**
 * A change stream's server-side cursor: a catch-up read of the oplog after its position, then a live tail through
 * the hub. Its position only moves forward, over every entry it has examined, so the postBatchResumeToken it
 * reports covers filtered-out entries too.
 */
export class ChangeStreamCursor implements ServerCursor {
  readonly kind = 'changeStream' as const;
  readonly originatingCommand = 'aggregate';
  readonly ns: string;
  readonly lsid?: Document;
  private position: ResumePoint;
  private invalidated = false;
  /** Ends this cursor's wait in the hub when it is killed (the registry aborts the getMore, then closes us). */
  private readonly parking: Parking = { wake: null };
  /** Counted per batch, never per event; read by the statistics (stream_stats.ts). */
  private readonly activity: StreamActivity;
  /** The size of the batch being filled, as its byte accounting measures it. */
  private batchBytes = 0;

  constructor(private readonly engine: Engine, private readonly options: ChangeStreamCursorOptions) {
    this.ns = scopeNamespace(options.scope);
    this.position = options.start;
    this.lsid = options.lsid;
    const now = Date.now();
    this.activity = { openedAt: now, lastActivity: now, active: false, eventsReturned: 0, bytesReturned: 0, batchesReturned: 0 };
  }

  /** The stream's scope, pipeline and client, as it was opened. */
  get description(): { scope: StreamScope; pipeline: Document[]; client: StreamClient } {
    return { scope: this.options.scope, pipeline: this.options.shownPipeline, client: this.options.client };
  }

  /** What the stream has returned and when it last served a batch. */
  get counters(): Readonly<StreamActivity> {
    return this.activity;
  }

  /** The point everything before which the stream has examined. */
  get resumePoint(): ResumePoint {
    return this.position;
  }

  /** The token for everything examined so far. */
  get postBatchResumeToken(): Document {
    return pointToken(this.position);
  }

  /**
   * The next batch: events after the position, at most `batchSize`. With nothing to return it waits up to
   * `maxTimeMS` (DEFAULT_AWAIT_MS when absent; 0 for the initial aggregate) for new commits.
   */
  async next(batchSize: number, maxTimeMS: number | undefined, signal: AbortSignal, op?: Operation): Promise<CursorBatch> {
    const activity = this.activity;
    activity.active = true;
    activity.lastActivity = Date.now();
    if (op) op.interruptWait = () => this.parking.wake?.();
    let batch: CursorBatch;
    try {
      this.batchBytes = 0;
      batch = await this.nextBatch(batchSize, maxTimeMS, signal, op);
    } finally {
      if (op) op.interruptWait = null;
      activity.active = false;
      activity.lastActivity = Date.now();
    }
    activity.batchesReturned++;
    if (batch.docs.length > 0) {
      activity.eventsReturned += batch.docs.length;
      activity.bytesReturned += this.batchBytes;
      noteEventsReturned(this.engine, batch.docs.length);
    }
    return batch;
  }

  /** A batch as nextBatch ends it, its byte count kept for the statistics. */
  private reply(docs: Document[], exhausted: boolean, bytes: number): CursorBatch {
    this.batchBytes = bytes;
    return { docs, exhausted, postBatchResumeToken: this.postBatchResumeToken };
  }

  private async nextBatch(batchSize: number, maxTimeMS: number | undefined, signal: AbortSignal, op?: Operation): Promise<CursorBatch> {
    const limit = batchSize > 0 ? batchSize : Number.MAX_SAFE_INTEGER;
    const deadline = Date.now() + (maxTimeMS ?? DEFAULT_AWAIT_MS);
    const docs: Document[] = [];
    let bytes = 0;
    if (this.invalidated) return this.reply(docs, true, bytes);
    for (;;) {
      if (signal.aborted) throw mongoError('CursorKilled', 'cursor killed while waiting for changes');
      const committedBefore = this.engine.committedTs;
      const entries = await this.readFrom(this.position);
      for (const entry of entries) {
        const full = await this.consume(entry, docs, limit, bytes);
        bytes = full.bytes;
        if (this.invalidated) return this.reply(docs, true, bytes);
        if (!full.done) return this.reply(docs, false, bytes);
      }
      if (entries.length === READ_CHUNK) {
        // A long catch-up lets other clients run between chunks, and stops when its command is killed.
        await op?.yieldIfDue();
        continue;
      }
      // Scanned everything committed when this read began: the high-water mark moves up to it.
      if (committedBefore > this.position.ts) {
        this.position = { ts: committedBefore, position: HIGH_WATER_MARK_POSITION, fromInvalidate: false };
      }
      if (docs.length > 0 || limit === 0) return this.reply(docs, false, bytes);
      const remaining = deadline - Date.now();
      if (remaining <= 0) return this.reply(docs, false, bytes);
      // No await between this check and parking, so a kill either is seen here or wakes the park.
      op?.check();
      const wakeup = await this.engine.hub.waitForEntries(this.position.ts, this.options.interest, remaining, this.parking);
      if (signal.aborted) throw mongoError('CursorKilled', 'cursor killed while waiting for changes');
      op?.check();
      if (this.engine.isClosed) throw mongoError('InterruptedAtShutdown', 'interrupted at shutdown');
      if (wakeup === null) continue;
      // The hub offered this stream every entry up to `through` that it may report; the rest need no reading.
      for (const entry of wakeup.entries) {
        const full = await this.consume(entry, docs, limit, bytes);
        bytes = full.bytes;
        if (this.invalidated) return this.reply(docs, true, bytes);
        if (!full.done) return this.reply(docs, false, bytes);
      }
      if (wakeup.through > this.position.ts) {
        this.position = { ts: wakeup.through, position: HIGH_WATER_MARK_POSITION, fromInvalidate: false };
      }
      if (docs.length > 0 || Date.now() >= deadline) return this.reply(docs, false, bytes);
    }
  }

  /** Entries that may hold events after `point` (the entry at point.ts itself when part of it is left). */
  private async readFrom(point: ResumePoint): Promise<OplogEntry[]> {
    const after = point.position === HIGH_WATER_MARK_POSITION ? point.ts : point.ts - 1n;
    const entries = await this.engine.readOplog(after, READ_CHUNK);
    if (entries === null) throw changeStreamHistoryLost();
    return entries;
  }

  /**
   * Turns one entry into events and appends what the pipeline lets through. Returns done=false when the batch
   * filled up before the entry was finished (the position then stands on the last event returned).
   */
  private async consume(entry: OplogEntry, docs: Document[], limit: number, bytes: number): Promise<{ done: boolean; bytes: number }> {
    const { scope, spec } = this.options;
    const here = this.position;
    let afterPosition = -1;
    let resumeFragment = 0;
    if (entry.ts === here.ts) {
      if (here.position === HIGH_WATER_MARK_POSITION) return { done: true, bytes };
      // Resuming inside a split event: build that event again and skip the fragments already returned.
      if (here.fragment) {
        afterPosition = here.position - 1;
        resumeFragment = here.fragment;
      } else afterPosition = here.position;
    }
    let lastReturned = false;
    if (interestedIn(this.options.interest, entry)) {
      const events = await buildEvents(entry, spec, entryInvalidates(scope, entry), afterPosition, this.options.lookup);
      for (const built of events) {
        if (docs.length >= limit) return { done: false, bytes };
        const outputs = built.invalidate || !this.options.pipeline ? [built.event] : this.options.pipeline(built.event);
        const point: ResumePoint = { ts: entry.ts, position: built.position, fromInvalidate: built.invalidate };
        for (const out of outputs) {
          if (!valuesEqual(out._id, built.event._id)) {
            throw mongoError('ChangeStreamFatalError', 'Encountered an event whose _id field, which contains the resume token, was modified by the pipeline. Modifying the _id field of an event makes it impossible to resume the stream from that point. Only transformations that retain the unmodified _id field are allowed.', { labels: ['NonResumableChangeStreamError'] });
          }
          const size = sizeForBatch(out, built.event, entry, spec.fullDocument);
          if (size <= MAX_EVENT_BYTES) {
            if (docs.length > 0 && bytes + size > MAX_BATCH_BYTES) return { done: false, bytes };
            docs.push(out);
            bytes += size;
            continue;
          }
          if (!this.options.splitLargeEvents) {
            throw mongoError('BSONObjectTooLarge', `BSONObj size: ${size} (0x${size.toString(16)}) is invalid. Size must be between 0 and 16793600(16MB) First element: _id: ${JSON.stringify(out._id)}`);
          }
          const fragments = splitLargeEvent(out, point);
          const skip = built.position === here.position && entry.ts === here.ts ? resumeFragment : 0;
          for (let f = skip; f < fragments.length; f++) {
            const fragmentSize = calculateObjectSize(fragments[f]!);
            if (docs.length >= limit || (docs.length > 0 && bytes + fragmentSize > MAX_BATCH_BYTES)) {
              if (f > skip) this.position = { ...point, fragment: f };
              return { done: false, bytes };
            }
            docs.push(fragments[f]!);
            bytes += fragmentSize;
          }
        }
        this.position = point;
        lastReturned = outputs.length > 0;
        if (built.invalidate) {
          this.invalidated = true;
          return { done: true, bytes };
        }
      }
    }
    // As mongod: when the entry's last event was returned, the position (and so the postBatchResumeToken) stays
    // on that event's token until the oplog has moved past it; otherwise it stands after the whole entry.
    if (!lastReturned) this.position = { ts: entry.ts, position: HIGH_WATER_MARK_POSITION, fromInvalidate: false };
    return { done: true, bytes };
  }

  close(): void {
    this.invalidated = true;
    this.parking.wake?.();
  }
}

export { pointToken };
