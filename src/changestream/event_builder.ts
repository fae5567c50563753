
import type { Document } from '../bson/types.js';
import { mongoError } from '../errors/index.js';
import type { OplogEntry } from '../oplog/entry.js';
import { toTimestamp } from '../oplog/cluster_clock.js';
import { encodeResumeToken } from '../oplog/resume_token.js';
import { uuidBinary } from '../engine/catalog.js';
import type { ChangeStreamSpec } from './options.js';

/** Looks up the current version of a document, for `fullDocument: 'updateLookup'`. */
export interface DocumentLookup {
  find(db: string, coll: string, documentKey: Document): Promise<Document | null>;
  /** The committed time: while it stays the same, a lookup finds the same document. */
  version(): bigint;
}

/** One event of an entry, with its position among the events that entry produces for this stream. */
export interface BuiltEvent {
  position: number;
  event: Document;
  invalidate: boolean;
}

/** Fields every event starts with, in mongod's order. */
function header(entry: OplogEntry, position: number, operationType: string, invalidate: boolean): Document {
  return {
    _id: encodeResumeToken({ ts: entry.ts, position, fromInvalidate: invalidate }),
    operationType,
    clusterTime: toTimestamp(entry.ts),
    wallTime: entry.wall,
  };
}

function compactJson(doc: Document): string {
  return JSON.stringify(doc, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

/**
 * Shapes the change event MongoDB emits for one oplog entry, with mongod's fields in mongod's order (manual:
 * https://www.mongodb.com/docs/manual/reference/change-events/), without the invalidate that may follow it.
 */
async function shapeEvent(entry: OplogEntry, spec: ChangeStreamSpec, lookup: DocumentLookup): Promise<Document> {
  const ev = header(entry, 0, entry.op, false);
  const expanded = spec.showExpandedEvents;
  if (expanded && entry.uuid && entry.op !== 'dropDatabase') ev.collectionUUID = uuidBinary(entry.uuid);
  const ns = { db: entry.db, coll: entry.coll! };
  switch (entry.op) {
    case 'insert':
    case 'replace':
      ev.fullDocument = entry.fullDocument;
      ev.ns = ns;
      ev.documentKey = entry.documentKey;
      break;
    case 'update': {
      ev.ns = ns;
      ev.documentKey = entry.documentKey;
      const desc = { ...(entry.updateDescription ?? {}) } as Document;
      if (!expanded) delete desc.disambiguatedPaths;
      else if (desc.disambiguatedPaths === undefined) desc.disambiguatedPaths = {};
      ev.updateDescription = desc;
      if (spec.fullDocument === 'updateLookup') {
        ev.fullDocument = await lookup.find(entry.db, entry.coll!, entry.documentKey!);
      } else if (spec.fullDocument === 'whenAvailable' || spec.fullDocument === 'required') {
        const post = entry.images ? entry.fullDocument : undefined;
        if (post === undefined && spec.fullDocument === 'required') {
          throw mongoError('NoMatchingDocument', `Change stream was configured to require a post-image for all update events, but the post-image was not found for event: ${compactJson(ev)}`);
        }
        ev.fullDocument = post ?? null;
      }
      break;
    }
    case 'delete':
      ev.ns = ns;
      ev.documentKey = entry.documentKey;
      break;
    case 'drop':
      ev.ns = ns;
      break;
    case 'rename':
      ev.ns = ns;
      ev.to = entry.to;
      if (expanded) ev.operationDescription = entry.operationDescription;
      break;
    case 'dropDatabase':
      ev.ns = { db: entry.db };
      break;
    case 'create':
    case 'createIndexes':
    case 'dropIndexes':
    case 'modify':
      ev.ns = ns;
      ev.operationDescription = entry.operationDescription;
      if (entry.op === 'create' && entry.nsType) ev.nsType = entry.nsType;
      if (entry.op === 'modify' && entry.preImage) ev.stateBeforeChange = entry.preImage;
      break;
  }
  if (spec.fullDocumentBeforeChange !== 'off' && (entry.op === 'update' || entry.op === 'replace' || entry.op === 'delete')) {
    const pre = entry.images ? entry.preImage : undefined;
    if (pre === undefined && spec.fullDocumentBeforeChange === 'required') {
      throw mongoError('NoMatchingDocument', `Change stream was configured to require a pre-image for all update, delete and replace events, but the pre-image was not found for event: ${compactJson(ev)}`);
    }
    ev.fullDocumentBeforeChange = pre ?? null;
  }
  if (entry.lsid) {
    ev.lsid = entry.lsid;
    ev.txnNumber = entry.txnNumber;
  }
  return ev;
}

/**
 * The events one in-scope entry produces for a stream: the event itself at position 0, then an `invalidate` at
 * position 1 when the entry ends the stream. Events at or before `afterPosition` are skipped without being built.
 */
export async function buildEvents(entry: OplogEntry, spec: ChangeStreamSpec, invalidates: boolean, afterPosition: number, lookup: DocumentLookup): Promise<BuiltEvent[]> {
  const out: BuiltEvent[] = [];
  if (afterPosition < 0) out.push({ position: 0, event: await sharedEvent(entry, spec, lookup), invalidate: false });
  if (invalidates && afterPosition < 1) out.push({ position: 1, event: header(entry, 1, 'invalidate', true), invalidate: true });
  return out;
}


/**
 * Events shaped once per entry and stream options, shared by every stream that needs the same shape: with many
 * streams on one collection, each change is shaped once, not once per stream. Events are never mutated after
 * shaping (pipelines copy). An updateLookup event depends on the moment it is read: it is shared only while no
 * write has committed since its lookup, so a hundred streams woken by one update look the document up once.
 */
interface Shaped {
  key: string;
  event: Promise<Document>;
  next: Shaped | undefined;
}
const shapedEvents = new WeakMap<OplogEntry, Shaped>();
const lookedUpEvents = new WeakMap<OplogEntry, Map<string, { version: bigint; event: Promise<Document> }>>();

/**
 * A stream asking at the same committed time as an earlier lookup (finished or still running) takes its result:
 * what that lookup finds is at least as new as this moment, so it is what a lookup of its own would find.
 */
function lookedUpEvent(entry: OplogEntry, spec: ChangeStreamSpec, lookup: DocumentLookup, key: string): Promise<Document> {
  const version = lookup.version();
  let byShape = lookedUpEvents.get(entry);
  const cached = byShape?.get(key);
  if (cached && cached.version === version) return cached.event;
  const event = shapeEvent(entry, spec, lookup);
  if (!byShape) lookedUpEvents.set(entry, (byShape = new Map()));
  byShape.set(key, { version, event });
  // A failed lookup is not kept: the next stream tries again.
  event.catch(() => {
    if (byShape.get(key)?.event === event) byShape.delete(key);
  });
  return event;
}

/** The shape key of a stream's options, computed once per stream rather than once per event. */
const shapeKeys = new WeakMap<ChangeStreamSpec, string>();

function shapeKey(spec: ChangeStreamSpec): string {
  let key = shapeKeys.get(spec);
  if (key === undefined) shapeKeys.set(spec, (key = `${spec.showExpandedEvents ? 1 : 0}|${spec.fullDocument}|${spec.fullDocumentBeforeChange}`));
  return key;
}

function sharedEvent(entry: OplogEntry, spec: ChangeStreamSpec, lookup: DocumentLookup): Promise<Document> {
  const key = shapeKey(spec);
  if (entry.op === 'update' && spec.fullDocument === 'updateLookup') return lookedUpEvent(entry, spec, lookup, key);
  const first = shapedEvents.get(entry);
  for (let shaped = first; shaped; shaped = shaped.next) if (shaped.key === key) return shaped.event;
  // The promise is kept, not its value: streams woken by one commit ask for the event before the first shaping has
  // settled, and each would shape its own copy.
  const event = shapeEvent(entry, spec, lookup);
  // Streams of one entry rarely use more than one or two shapes: a short list costs less than a Map per entry.
  // A shape that fails (a required image is missing) fails the same way for every stream: it is kept too.
  shapedEvents.set(entry, { key, event, next: first });
  return event;
}
