/**
 * Log lines in mongod's structured format (https://www.mongodb.com/docs/manual/reference/log-messages/):
 * `{t: {$date}, s, c, id, ctx, msg, attr}`, one JSON object per line.
 */

/** Severity: Fatal, Error, Warning, Informational. */
export type LogSeverity = 'F' | 'E' | 'W' | 'I';

/** mongod's components that eddydb logs under. */
export type LogComponent = 'CONTROL' | 'NETWORK' | 'COMMAND' | 'STORAGE' | 'REPL';

/** One log line before it is serialised. `attr` holds only JSON-safe values (see `jsonSafe`). */
export interface LogEntry {
  t: { $date: string };
  s: LogSeverity;
  c: LogComponent;
  id: number;
  ctx: string;
  msg: string;
  attr?: Record<string, unknown>;
  /** mongod's log tags: `startupWarnings` marks the lines getLog('startupWarnings') returns. */
  tags?: string[];
}

/** Receives each log line; the CLI writes them to stdout, an embedding program may do anything. */
export type LogSink = (entry: LogEntry) => void;

/** mongod's timestamp: ISO 8601 with milliseconds and an explicit +00:00 offset. */
export function logTimestamp(date = new Date()): string {
  return date.toISOString().replace('Z', '+00:00');
}

/**
 * A value JSON.stringify can write without throwing or losing meaning: bigints become numbers when exact, else
 * strings; BSON values their JSON form or their string form; Buffers base64; cycles and depth are cut off.
 */
export function jsonSafe(value: unknown, depth = 0): unknown {
  if (depth > 16) return '[…]';
  switch (typeof value) {
    case 'bigint':
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    case 'function':
    case 'symbol':
      return String(value);
    case 'undefined':
      return null;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'string':
    case 'boolean':
      return value;
  }
  if (value === null) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : { $date: logTimestamp(value) };
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map((v) => jsonSafe(v, depth + 1));
  const bsontype = (value as { _bsontype?: unknown })._bsontype;
  if (bsontype === 'Long') return jsonSafe(BigInt(String(value)), depth + 1);
  if (typeof bsontype === 'string') {
    const toJSON = (value as { toJSON?: () => unknown }).toJSON;
    if (typeof toJSON === 'function') return jsonSafe(toJSON.call(value), depth + 1);
    return String(value);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = jsonSafe(v, depth + 1);
  return out;
}

/** Builds one log line. */
export function logEntry(s: LogSeverity, c: LogComponent, id: number, ctx: string, msg: string, attr?: Record<string, unknown>): LogEntry {
  const entry: LogEntry = { t: { $date: logTimestamp() }, s, c, id, ctx, msg };
  if (attr !== undefined && Object.keys(attr).length > 0) entry.attr = jsonSafe(attr) as Record<string, unknown>;
  return entry;
}

/** mongod's ids for the events eddydb shares with it; events of its own get 0. */
const KNOWN_EVENTS: Readonly<Record<string, { id: number; c: LogComponent; s: LogSeverity }>> = {
  'Connection accepted': { id: 22943, c: 'NETWORK', s: 'I' },
  'Connection ended': { id: 22944, c: 'NETWORK', s: 'I' },
  'Connection refused because there are too many open connections': { id: 22942, c: 'NETWORK', s: 'I' },
  'client metadata': { id: 51800, c: 'NETWORK', s: 'I' },
  'Slow query': { id: 51803, c: 'COMMAND', s: 'I' },
  'Command failed with an internal error': { id: 0, c: 'COMMAND', s: 'E' },
  'Lost the connection to PostgreSQL': { id: 0, c: 'STORAGE', s: 'W' },
  'Reconnected to PostgreSQL': { id: 0, c: 'STORAGE', s: 'I' },
  'Closing connection after a protocol error': { id: 0, c: 'NETWORK', s: 'W' },
  'Connection error': { id: 0, c: 'NETWORK', s: 'W' },
  'Command handler failed': { id: 0, c: 'COMMAND', s: 'E' },
  'Listener error': { id: 0, c: 'NETWORK', s: 'E' },
  'Dropping unfinished index': { id: 0, c: 'STORAGE', s: 'W' },
  'Document would fail validation': { id: 20294, c: 'STORAGE', s: 'W' },
  'Error receiving request from client. Ending connection from remote': { id: 22988, c: 'NETWORK', s: 'I' },
  "SSL mode is set to 'preferred' and connection is not using SSL.": { id: 0, c: 'NETWORK', s: 'I' },
  'Accepted TLS connection from peer': { id: 0, c: 'NETWORK', s: 'I' },
  'No SSL certificate provided by peer': { id: 0, c: 'NETWORK', s: 'W' },
  'SSL peer certificate validation failed': { id: 0, c: 'NETWORK', s: 'W' },
};

/** Events that --quiet leaves out, as mongod's quiet mode does for connection chatter. */
export const QUIET_SUPPRESSED: ReadonlySet<string> = new Set(['Connection accepted', 'Connection ended', 'client metadata', 'Accepted TLS connection from peer']);

/**
 * Turns an event of the wire or command layer (`{msg, ...fields}`, optionally `component` and `attr`) into a log
 * line: known messages get mongod's id and component, every other field goes under `attr`.
 */
export function eventToEntry(event: Record<string, unknown>): LogEntry {
  const { msg, component, attr, id: connId, ...rest } = event;
  const message = typeof msg === 'string' ? msg : 'event';
  const known = KNOWN_EVENTS[message];
  const c = known?.c ?? (typeof component === 'string' ? (component as LogComponent) : 'NETWORK');
  const fields: Record<string, unknown> = typeof attr === 'object' && attr !== null ? { ...(attr as Record<string, unknown>) } : {};
  Object.assign(fields, rest);
  let ctx = c === 'NETWORK' ? 'listener' : 'conn';
  if (typeof connId === 'number') {
    fields.connectionId = connId;
    if (message !== 'Connection accepted') ctx = `conn${connId}`;
  }
  return logEntry(known?.s ?? 'I', c, known?.id ?? 0, ctx, message, fields);
}
