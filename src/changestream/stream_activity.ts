import type { Engine } from '../engine/engine.js';

/** Who opened a change stream: the connection's id (0 in process), its appName and its remote address. */
export interface StreamClient {
  connectionId: number;
  appName?: string;
  /** host:port of the peer; absent for the embedded client. */
  remoteAddress?: string;
}

/** What a change stream's cursor counts as it hands out batches (milliseconds since the epoch for times). */
export interface StreamActivity {
  openedAt: number;
  /** When the last batch began or ended, whichever is later. */
  lastActivity: number;
  /** A getMore (or the opening aggregate) is filling a batch, or waiting for changes, now. */
  active: boolean;
  eventsReturned: number;
  /** The events' sizes as the batch accounting measures them (see change_stream_cursor.ts). */
  bytesReturned: number;
  batchesReturned: number;
}

/** Events every stream of an engine has returned, closed streams included, for serverStatus. */
const returnedByEngine = new WeakMap<Engine, { events: number }>();

export function noteEventsReturned(engine: Engine, events: number): void {
  const totals = returnedByEngine.get(engine);
  if (totals) totals.events += events;
  else returnedByEngine.set(engine, { events });
}

export function eventsReturnedTotal(engine: Engine): number {
  return returnedByEngine.get(engine)?.events ?? 0;
}
