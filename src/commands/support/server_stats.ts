/** serverStatus.opcounters, named as mongod names them. */
export interface OpCounters {
  insert: number;
  query: number;
  update: number;
  delete: number;
  getmore: number;
  command: number;
}

/** mongod's default maxIncomingConnections: effectively unlimited. */
export const DEFAULT_MAX_CONNECTIONS = 1_000_000;

/** mongod's RamLog keeps the last 1024 lines. */
export const RAM_LOG_LIMIT = 1024;

/**
 * Counters a front door keeps about one ServerContext, for serverStatus and getLog. The wire server updates them
 * (connections, requests, the log ring); the embedded client leaves them at zero, which is what it is: a server
 * nobody connected to.
 */
export class ServerStats {
  /**
   * `current`: open client connections; `rejected`: sockets turned away past `limit` (mongod's
   * maxIncomingConnections); `active`: connections with a command in progress (a waiting getMore included).
   */
  readonly connections = { current: 0, totalCreated: 0, rejected: 0, active: 0, limit: DEFAULT_MAX_CONNECTIONS };
  readonly opcounters: OpCounters = { insert: 0, query: 0, update: 0, delete: 0, getmore: 0, command: 0 };
  readonly network = { numRequests: 0 };
  /** The most recent log lines, oldest first (getLog 'global'); at most RAM_LOG_LIMIT. */
  readonly ramLog: string[] = [];
  /** How many lines were ever added to `ramLog` (getLog's totalLinesWritten). */
  totalLinesWritten = 0;
  /** The startup warnings' log lines, as JSON (getLog: 'startupWarnings'). */
  readonly startupWarnings: string[] = [];

  /**
   * Counts one incoming command as mongod's opcounters do: insert/update/delete count statements (documents),
   * find counts as a query, getMore as a getmore, everything else (aggregate included) as a command.
   */
  countCommand(command: Record<string, unknown>): void {
    this.network.numRequests++;
    const name = Object.keys(command)[0] ?? '';
    const statements = (field: string): number => (Array.isArray(command[field]) ? (command[field] as unknown[]).length : 0);
    const c = this.opcounters;
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
  appendRamLog(line: string): void {
    this.ramLog.push(line);
    this.totalLinesWritten++;
    // shift() rather than splice(): a burst of thousands of connection events must not cost a copy each.
    if (this.ramLog.length > RAM_LOG_LIMIT) this.ramLog.shift();
  }
}
