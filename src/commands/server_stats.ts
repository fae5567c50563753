import type { ServerContext } from './context.js';

/** serverStatus.opcounters, named as mongod names them. */
export interface OpCounters {
  insert: number;
  query: number;
  update: number;
  delete: number;
  getmore: number;
  command: number;
}

/**
 * Counters a front door keeps about one ServerContext, for serverStatus and getLog. The wire server updates them
 * (connections, requests, the log ring); the embedded client leaves them at zero, which is what it is: a server
 * nobody connected to.
 */
export interface ServerStats {
  /** `rejected`: sockets turned away past `limit` (mongod's maxIncomingConnections, default 1,000,000). */
  connections: { current: number; totalCreated: number; rejected: number; limit: number };
  opcounters: OpCounters;
  network: { numRequests: number };
  /** The most recent log lines, oldest first (getLog 'global'); at most RAM_LOG_LIMIT. */
  ramLog: string[];
  /** How many lines were ever added to `ramLog` (getLog's totalLinesWritten). */
  totalLinesWritten: number;
}

/** mongod's default maxIncomingConnections: effectively unlimited. */
export const DEFAULT_MAX_CONNECTIONS = 1_000_000;

/** mongod's RamLog keeps the last 1024 lines. */
export const RAM_LOG_LIMIT = 1024;

/** ServerContext is shared with other files; the stats hang off it here rather than as a field of it. */
const statsByServer = new WeakMap<ServerContext, ServerStats>();

/** The stats of `server`, created (all zero) on first use. */
export function serverStatsOf(server: ServerContext): ServerStats {
  let stats = statsByServer.get(server);
  if (!stats) {
    stats = {
      connections: { current: 0, totalCreated: 0, rejected: 0, limit: DEFAULT_MAX_CONNECTIONS },
      opcounters: { insert: 0, query: 0, update: 0, delete: 0, getmore: 0, command: 0 },
      network: { numRequests: 0 },
      ramLog: [],
      totalLinesWritten: 0,
    };
    statsByServer.set(server, stats);
  }
  return stats;
}

/**
 * Counts one incoming command as mongod's opcounters do: insert/update/delete count statements (documents),
 * find counts as a query, getMore as a getmore, everything else (aggregate included) as a command.
 */
export function countCommand(stats: ServerStats, command: Record<string, unknown>): void {
  stats.network.numRequests++;
  const name = Object.keys(command)[0] ?? '';
  const statements = (field: string): number => (Array.isArray(command[field]) ? (command[field] as unknown[]).length : 0);
  const c = stats.opcounters;
  switch (name) {
    case 'insert':
      c.insert += statements('documents');
      break;
    case 'update':
      c.update += statements('updates');
      break;
    case 'delete':
      c.delete += statements('deletes');
      break;
    case 'find':
      c.query++;
      break;
    case 'getMore':
      c.getmore++;
      break;
    default:
      c.command++;
  }
}

/** Appends one line to the ring getLog reads. */
export function appendRamLog(stats: ServerStats, line: string): void {
  stats.ramLog.push(line);
  stats.totalLinesWritten++;
  if (stats.ramLog.length > RAM_LOG_LIMIT) stats.ramLog.splice(0, stats.ramLog.length - RAM_LOG_LIMIT);
}
