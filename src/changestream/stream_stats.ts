import { Double, Long, type Document } from '../bson/index.js';
import type { Engine } from '../engine/engine.js';
import { toTimestamp } from '../oplog/cluster_clock.js';
import { HIGH_WATER_MARK_POSITION, type ResumePoint } from '../oplog/resume_token.js';
import { ChangeStreamCursor, pointToken } from './change_stream_cursor.js';
import { eventsReturnedTotal } from './stream_activity.js';

/** The retained oplog, read once per statistics request: what every stream's history is measured against. */
export interface HistoryBounds {
  /** False when the bounds could not be read: only `historyLost`, known in memory, is reported. */
  known: boolean;
  /** The oldest and newest retained entries (null: the oplog is empty). */
  oldest: bigint | null;
  newest: bigint | null;
  /** Entries at or before this time may have been removed. */
  truncatedThrough: bigint;
  /** Positions measured so far in this request, by time (negated for a position on an event). */
  measured?: Map<bigint, Position>;
}

/** A stream whose position lies in the oldest tenth of the retained window loses its history soonest. */
const AT_RISK_FRACTION = 0.1;

/**
 * The oplog's bounds for this request. Nothing is read while no stream is open, and a failed read (storage
 * unreachable) leaves the history figures out rather than failing `currentOp`, which must work while diagnosing.
 */
export async function readHistoryBounds(engine: Engine): Promise<HistoryBounds> {
  const truncatedThrough = engine.oplogTruncatedThrough;
  if (engine.cursors.ofKind('changeStream').length === 0) return { known: true, oldest: null, newest: null, truncatedThrough };
  try {
    const bounds = await engine.read((r) => r.oplogBounds());
    return { known: true, oldest: bounds?.first ?? null, newest: bounds?.last ?? null, truncatedThrough };
  } catch {
    return { known: false, oldest: null, newest: null, truncatedThrough };
  }
}

/** Cluster-time seconds, which follow the wall clock. */
function seconds(ts: bigint): number {
  return Number(ts >> 32n);
}

/** The numbers behind one stream's figures. */
interface Position {
  lagEntries: number | null;
  lagSeconds: number;
  historyRemainingSeconds: number;
  /** Retained entries at or before the position (null when the hub's cache does not cover them). */
  historyRemainingEntries: number | null;
  historyLost: boolean;
  historyAtRisk: boolean;
}

/**
 * Where a stream stands: behind the newest commit (entries when the hub's cache covers the range, a binary
 * search; seconds from the entries' wall times when cached, else from cluster-time seconds), and ahead of the
 * oplog's oldest retained entry. Computed on demand, never per event.
 */
function positionOf(engine: Engine, cursor: ChangeStreamCursor, bounds: HistoryBounds): Position {
  const point = cursor.resumePoint;
  // Streams parked at the same commit share a position: one request measures it once.
  const key = point.position === HIGH_WATER_MARK_POSITION ? point.ts : -point.ts;
  const known = bounds.measured?.get(key);
  if (known) return known;
  const measured = measure(engine, point, bounds);
  (bounds.measured ??= new Map()).set(key, measured);
  return measured;
}

function measure(engine: Engine, point: ResumePoint, bounds: HistoryBounds): Position {
  const committed = engine.committedTs;
  const behind = point.ts < committed;
  let lagEntries: number | null = 0;
  let lagSeconds = 0;
  if (behind) {
    lagEntries = engine.hub.countAfter(point.ts);
    const newestMs = engine.hub.wallAtOrBefore()?.getTime() ?? seconds(committed) * 1000;
    const positionMs = engine.hub.wallAtOrBefore(point.ts)?.getTime() ?? seconds(point.ts) * 1000;
    lagSeconds = Math.max(0, newestMs - positionMs) / 1000;
  }
  // The stream reads the entries after `after` next: as Engine.readOplog, lost once the trim passed it.
  const after = point.position === HIGH_WATER_MARK_POSITION ? point.ts : point.ts - 1n;
  const historyLost = after < bounds.truncatedThrough;
  const { oldest, newest } = bounds;
  const historyRemainingSeconds = historyLost || oldest === null ? 0 : Math.max(0, seconds(point.ts) - seconds(oldest));
  let historyRemainingEntries: number | null = historyLost || oldest === null ? 0 : null;
  let retainedEntries: number | null = null;
  if (historyRemainingEntries === null && oldest !== null) {
    retainedEntries = engine.hub.countAfter(oldest - 1n);
    const newer = engine.hub.countAfter(after);
    if (retainedEntries !== null && newer !== null) historyRemainingEntries = Math.max(0, retainedEntries - newer);
  }
  let historyAtRisk = false;
  if (!historyLost && behind && oldest !== null && newest !== null) {
    // The oldest retained entry is the next one it needs (the next trim takes it), or its position lies in the
    // oldest tenth of what is retained: by entries when the cache tells, else by the window's seconds.
    const window = seconds(newest) - seconds(oldest);
    historyAtRisk = after < oldest || (historyRemainingEntries !== null && retainedEntries !== null
      ? historyRemainingEntries < retainedEntries * AT_RISK_FRACTION
      : window > 0 && historyRemainingSeconds < window * AT_RISK_FRACTION);
  }
  return { lagEntries, lagSeconds, historyRemainingSeconds, historyRemainingEntries, historyLost, historyAtRisk };
}

/**
 * One stream's figures, the `changeStream` document of its `$currentOp` entry: scope and pipeline, the client,
 * what it returned, where it stands, how far behind it is and how much history is left before its position.
 */
export function changeStreamFigures(engine: Engine, cursor: ChangeStreamCursor, bounds: HistoryBounds, now: number): Document {
  const { scope, pipeline, client } = cursor.description;
  const counters = cursor.counters;
  const point = cursor.resumePoint;
  const where = positionOf(engine, cursor, bounds);
  const doc: Document = { scope: scope.type };
  if (scope.type !== 'cluster') doc.ns = scope.type === 'collection' ? { db: scope.db, coll: scope.coll } : { db: scope.db };
  doc.pipeline = pipeline;
  if (client.connectionId > 0) doc.connectionId = client.connectionId;
  if (client.remoteAddress !== undefined) doc.client = client.remoteAddress;
  if (client.appName !== undefined) doc.appName = client.appName;
  doc.openedAt = new Date(counters.openedAt);
  doc.eventsReturned = Long.fromNumber(counters.eventsReturned);
  doc.bytesReturned = Long.fromNumber(counters.bytesReturned);
  doc.batchesReturned = Long.fromNumber(counters.batchesReturned);
  doc.clusterTime = toTimestamp(point.ts);
  doc.resumeToken = pointToken(point);
  if (where.lagEntries !== null) doc.lagEntries = Long.fromNumber(where.lagEntries);
  doc.lagSeconds = new Double(where.lagSeconds);
  doc.active = counters.active;
  doc.lastActivity = new Date(counters.lastActivity);
  doc.inactiveSeconds = new Double(counters.active ? 0 : Math.max(0, now - counters.lastActivity) / 1000);
  if (bounds.known) {
    doc.historyRemainingSeconds = Long.fromNumber(where.historyRemainingSeconds);
    if (where.historyRemainingEntries !== null) doc.historyRemainingEntries = Long.fromNumber(where.historyRemainingEntries);
  }
  doc.historyLost = where.historyLost;
  if (bounds.known) doc.historyAtRisk = where.historyAtRisk;
  return doc;
}

/** Every open change stream of the engine, in the order they were opened: its cursor id and figures. */
export async function changeStreamStats(engine: Engine): Promise<Document[]> {
  const bounds = await readHistoryBounds(engine);
  const now = Date.now();
  const out: Document[] = [];
  for (const { id, cursor } of engine.cursors.ofKind('changeStream')) {
    if (!(cursor instanceof ChangeStreamCursor)) continue;
    out.push({ cursorId: Long.fromBigInt(id), ...changeStreamFigures(engine, cursor, bounds, now) });
  }
  return out;
}

/** serverStatus' `metrics.changeStreams` figures: open streams, events returned, the worst lag, history at stake. */
export async function changeStreamTotals(engine: Engine): Promise<Document> {
  const bounds = await readHistoryBounds(engine);
  let open = 0;
  let maxLagSeconds = 0;
  let historyLost = 0;
  let historyAtRisk = 0;
  for (const { cursor } of engine.cursors.ofKind('changeStream')) {
    if (!(cursor instanceof ChangeStreamCursor)) continue;
    open++;
    const where = positionOf(engine, cursor, bounds);
    maxLagSeconds = Math.max(maxLagSeconds, where.lagSeconds);
    if (where.historyLost) historyLost++;
    else if (where.historyAtRisk) historyAtRisk++;
  }
  return {
    open: Long.fromNumber(open),
    eventsReturned: Long.fromNumber(eventsReturnedTotal(engine)),
    maxLagSeconds: new Double(maxLagSeconds),
    historyLost: Long.fromNumber(historyLost),
    historyAtRisk: Long.fromNumber(historyAtRisk),
  };
}
