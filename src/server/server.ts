/**
 * `eddydb serve` as a library: storage, engine and command context behind one or more wire-protocol listeners.
 * The CLI (src/cli) is a thin shell around `startServer`; tests start servers in-process with it.
 */
import os from 'node:os';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Long, ObjectId, type Document } from '../bson/index.js';
import { CloseConnectionRequested } from '../commands/support/close_connection.js';
import { SERVER_VERSION, ServerContext } from '../commands/support/context.js';
import { dispatch } from '../commands/dispatch.js';
import type { ServerStats } from '../commands/support/server_stats.js';
import { Engine } from '../engine/engine.js';
import { configureMemoryBudget } from '../engine/memory_budget.js';
import { mongoError } from '../errors/index.js';
import { openStorage, redactPostgresUri, StorageError, type Storage } from '../storage/index.js';
import { CloseConnectionSignal, ConnectionLimits, createWireServer, isLoopbackAddress, type CommandHandler, type ConnectionInfo, type WireServer } from '../wire/index.js';
import { resolveConnectionSettings, type ConnectionRequest } from './connection_settings.js';
import { resolveOplogSizeBytes } from './oplog_size.js';
import { eventToEntry, logEntry, QUIET_SUPPRESSED, type LogEntry, type LogSink } from './log.js';
import { ServerStartupError } from './startup_error.js';
import { startupWarnings } from './startup_warnings.js';
import { createTlsAcceptor, tlsParsed, type TlsOptions } from './tls_options.js';

export { ServerStartupError };

/** How to start a server; mongod's option names where it has them. */
export interface StartServerOptions extends ConnectionRequest, TlsOptions {
  /** 0 picks a free port (the RunningServer tells which). */
  port: number;
  /** One address or a comma-separated list, as mongod's --bind_ip. */
  bindIp: string;
  /**
   * The data folder (created if missing), or ':memory:' for a database that lives as long as the server. Ignored
   * when `pgUri` is given.
   */
  dbpath: string | ':memory:';
  /**
   * A postgresql:// URI: the data lives in that PostgreSQL database (the postgres storage engine) instead of a
   * folder. Its password is never logged.
   */
  pgUri?: string;
  /** The replica-set name hello reports (drivers connect with `?replicaSet=<name>`). */
  replSet: string;
  enableTestCommands: boolean;
  /**
   * Oplog retention in megabytes. When absent, mongod's default: 5% of the free space on the dbpath's file system
   * (at least 990 MB), or 5% of physical memory for ':memory:' (at least 50 MB), at most 50 GB.
   */
  oplogSizeMB?: number;
  /** Oplog entries newer than this many hours are kept whatever the size (mongod's --oplogMinRetentionHours). */
  oplogMinRetentionHours?: number;
  /** SQLite's synchronous setting (default 'normal'). */
  synchronous?: 'normal' | 'full';
  /** Commands slower than this many milliseconds are logged (mongod's slowms, default 100). */
  slowMs?: number;
  /** getCmdLineOpts' argv; defaults to this process's. */
  argv?: string[];
  /** getCmdLineOpts' parsed option tree; defaults to one built from these options. */
  parsed?: Document;
  /** Leaves connection open/close events out of the log, as mongod's --quiet. */
  quiet?: boolean;
  /** Access control (mongod's --auth): clients authenticate and need each command's privileges. */
  auth?: boolean;
  /** mongod's `authenticationMechanisms` (default MONGODB-X509, SCRAM-SHA-1, SCRAM-SHA-256; PLAIN only if listed). */
  authenticationMechanisms?: string[];
  /** Iterations of new SCRAM-SHA-1 / SCRAM-SHA-256 credentials (mongod's defaults 10000 and 15000). */
  scramIterationCount?: number;
  scramSHA256IterationCount?: number;
  /**
   * The key of mongod's --keyFile (its base64 characters; `readKeyFile` reads and checks a file): the password of
   * the `__system@local` user. It implies `auth`. Never logged.
   */
  keyFile?: string;
  /** Receives one structured log line per notable event; nothing is logged without it. */
  log?: LogSink;
  /** @internal Budget in bytes of the change-stream fan-out cache (default 64 MiB); for tests. */
  oplogCacheBytes?: number;
  /** Transactions open longer than this many seconds are aborted (mongod's parameter; default 60). */
  transactionLifetimeLimitSeconds?: number;
  /** mongod's `internalQueryMaxBlockingSortMemoryUsageBytes`: the memory of one blocking stage ($sort, $group). */
  internalQueryMaxBlockingSortMemoryUsageBytes?: number;
  /** mongod's `allowDiskUseByDefault`: whether blocking stages may spill when a command does not say. */
  allowDiskUseByDefault?: boolean;
  /** Seconds between TTL monitor passes (mongod's ttlMonitorSleepSecs; default 60, settable at run time). */
  ttlMonitorSleepSecs?: number;
  /** Whether the TTL monitor runs (mongod's ttlMonitorEnabled; default true, settable at run time). */
  ttlMonitorEnabled?: boolean;
  /**
   * The process's heap budget in MB (`--setParameter maxHeapBudgetMB`): past it, commands that start new work are
   * refused with ExceededMemoryLimit. Process-wide (engine/memory_budget.ts); absent, the budget is left as it is.
   */
  maxHeapBudgetMB?: number;
  /** @internal The wall clock, in ms since the epoch, that oplog retention and session expiry use; for tests. */
  now?: () => number;
}

/** A started server. */
export interface RunningServer {
  /** The first bind address. */
  readonly host: string;
  /** The port every listener uses (the real one when 0 was asked). */
  readonly port: number;
  /** "host:port" for a connection string (IPv6 in brackets). */
  readonly address: string;
  readonly engine: Engine;
  readonly context: ServerContext;
  /**
   * Stops accepting, closes client connections, ends every cursor (waking waiting getMores), checkpoints and
   * closes storage. Idempotent: later calls return the same promise.
   */
  close(): Promise<void>;
}

/** mongod's fixed electionId of a one-member set that never holds a new election. */
const ELECTION_ID_HEX = '7fffffff0000000000000001';

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The option tree getCmdLineOpts reports when the caller gave none. */
function defaultParsed(options: StartServerOptions): Document {
  const parsed: Document = {
    net: { bindIp: options.bindIp, port: options.port },
    replication: { replSet: options.replSet },
    storage: options.pgUri !== undefined
      ? { engine: 'postgres', pgUri: redactPostgresUri(options.pgUri) }
      : options.dbpath === ':memory:' ? { engine: 'inMemory' } : { dbPath: resolve(options.dbpath) },
  };
  if (options.oplogSizeMB !== undefined) (parsed.replication as Document).oplogSizeMB = options.oplogSizeMB;
  if (options.oplogMinRetentionHours !== undefined) (parsed.storage as Document).oplogMinRetentionHours = options.oplogMinRetentionHours;
  if (options.enableTestCommands) parsed.setParameter = { enableTestCommands: '1' };
  const net = parsed.net as Document;
  if (options.maxConns !== undefined) net.maxIncomingConnections = options.maxConns;
  for (const key of ['reservedLoopbackConns', 'maxEstablishingConns', 'idleConnectionTimeoutMS', 'partialMessageTimeoutMS'] as const) {
    if (options[key] !== undefined) net[key] = options[key];
  }
  if (options.quiet) parsed.systemLog = { quiet: true };
  if (options.auth) parsed.security = { authorization: 'enabled' };
  const tls = tlsParsed(options);
  if (tls) net.tls = tls;
  return parsed;
}

async function openStorageForServer(options: StartServerOptions, log: (event: Record<string, unknown>) => void): Promise<Storage> {
  try {
    if (options.pgUri !== undefined) return await openStorage(options.pgUri, { engine: 'postgres', log });
    return await openStorage(options.dbpath, { synchronous: options.synchronous, log });
  } catch (err) {
    if (err instanceof StorageError && err.kind === 'DBPathInUse') {
      // mongod exits with 100 (an uncaught DBException in initAndListen) and this message.
      throw new ServerStartupError('DBPathInUse', `DBPathInUse: ${err.message}`, 100, { cause: err });
    }
    if (err instanceof StorageError && err.kind === 'Corrupted') {
      // mongod refuses a damaged WiredTiger store with an uncaught DBException too (exit 100).
      throw new ServerStartupError('InternalError', `Corrupted data: ${err.message}`, 100, { cause: err });
    }
    const message = err instanceof Error ? err.message : String(err);
    const where = options.pgUri !== undefined ? `the PostgreSQL database ${redactPostgresUri(options.pgUri)}` : `the data folder ${options.dbpath}`;
    throw new ServerStartupError('InternalError', `Could not open ${where}: ${message}`, 100, { cause: err });
  }
}

/**
 * Opens the storage and engine and starts listening. Rejects with ServerStartupError: DBPathInUse (exit code 100)
 * when another server holds the folder, SocketException (48) when an address cannot be bound; nothing stays open
 * after a rejection.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const sink = options.log;
  const emit = (entry: LogEntry): void => {
    if (!sink) return;
    try {
      sink(entry);
    } catch {
      // a failing logger must not take the server down
    }
  };
  let stats: ServerStats | undefined;
  const write = (entry: LogEntry): void => {
    stats?.appendRamLog(JSON.stringify(entry));
    emit(entry);
  };
  const onEvent = (event: Record<string, unknown>): void => {
    if (options.quiet && typeof event.msg === 'string' && QUIET_SUPPRESSED.has(event.msg)) return;
    write(eventToEntry(event));
  };

  // Before anything is opened: a TLS setup mongod refuses, or a certificate that cannot be used, stops the start.
  const tlsAcceptor = createTlsAcceptor(options);
  const auth = options.auth === true || options.keyFile !== undefined;
  const parsed = options.parsed ?? defaultParsed(options);
  write(logEntry('I', 'CONTROL', 4615611, 'initandlisten', 'eddydb starting', {
    pid: process.pid, port: options.port, host: os.hostname(), version: SERVER_VERSION,
    ...(options.pgUri !== undefined ? { pgUri: redactPostgresUri(options.pgUri) } : { dbPath: options.dbpath }),
  }));
  write(logEntry('I', 'CONTROL', 21951, 'initandlisten', 'Options set by command line', { options: parsed }));

  if (options.maxHeapBudgetMB !== undefined) configureMemoryBudget(options.maxHeapBudgetMB);
  const storage = await openStorageForServer(options, onEvent);
  let engine: Engine;
  try {
    engine = await Engine.open(storage, {
      // Measured after openStorage, which creates the data folder. PostgreSQL's disk cannot be measured from here: the
      // floor of a data folder's default, unless --oplogSizeMB says otherwise.
      oplogSizeBytes: options.pgUri !== undefined
        ? resolveOplogSizeBytes(null, options.oplogSizeMB)
        : resolveOplogSizeBytes(options.dbpath, options.oplogSizeMB),
      oplogMinRetentionHours: options.oplogMinRetentionHours,
      oplogCacheBytes: options.oplogCacheBytes,
      transactionLifetimeLimitSeconds: options.transactionLifetimeLimitSeconds,
      blockingStageMemoryBytes: options.internalQueryMaxBlockingSortMemoryUsageBytes,
      allowDiskUseByDefault: options.allowDiskUseByDefault,
      ttlMonitorSleepSecs: options.ttlMonitorSleepSecs,
      ttlMonitorEnabled: options.ttlMonitorEnabled,
      now: options.now,
      // On PostgreSQL no folder is this server's own: spills go to the system's temporary folder.
      tempDir: options.pgUri !== undefined ? undefined : await spillFolder(options.dbpath),
      log: onEvent,
    });
  } catch (err) {
    await storage.close().catch(() => undefined);
    throw err;
  }
  const context = new ServerContext(
    engine,
    {
      replSetName: options.replSet,
      // Servers on PostgreSQL share their data with any others on the same database: each is a router to it.
      router: options.pgUri !== undefined,
      enableTestCommands: options.enableTestCommands,
      transactionLifetimeLimitSeconds: options.transactionLifetimeLimitSeconds,
      internalQueryMaxBlockingSortMemoryUsageBytes: options.internalQueryMaxBlockingSortMemoryUsageBytes,
      allowDiskUseByDefault: options.allowDiskUseByDefault,
      argv: options.argv ?? [...process.argv],
      parsed,
      log: onEvent,
      slowMs: options.slowMs,
      auth,
      authenticationMechanisms: options.authenticationMechanisms,
      ...(options.keyFile !== undefined ? { clusterKey: options.keyFile } : {}),
    },
    new ObjectId(ELECTION_ID_HEX),
  );
  if (options.scramIterationCount !== undefined) context.accessControl.iterations['SCRAM-SHA-1'] = options.scramIterationCount;
  if (options.scramSHA256IterationCount !== undefined) context.accessControl.iterations['SCRAM-SHA-256'] = options.scramSHA256IterationCount;
  stats = context.stats;
  const serverStats = stats;
  const resolved = resolveConnectionSettings(options);
  if (resolved.reducedFrom !== undefined) {
    write(logEntry('W', 'NETWORK', 0, 'initandlisten', 'maxConns reduced to what the open-file limit allows', {
      requested: resolved.reducedFrom, maxConns: resolved.settings.maxConns,
    }));
  }
  const hosts = options.bindIp.split(',').map((h) => h.trim()).filter((h) => h.length > 0);
  if (hosts.length === 0) hosts.push('127.0.0.1');
  const parsedNet = options.parsed?.net as Document | undefined;
  for (const warning of startupWarnings({
    auth,
    hosts,
    bindIpDefaulted: options.parsed !== undefined && parsedNet?.bindIp === undefined && parsedNet?.bindIpAll === undefined,
    tls: tlsAcceptor !== undefined,
    tlsCAFile: options.tlsCAFile !== undefined,
    tlsAllowInvalidCertificates: options.tlsAllowInvalidCertificates === true,
    root: process.getuid?.() === 0,
  })) {
    write(warning);
    if (warning.tags?.includes('startupWarnings')) serverStats.startupWarnings.push(JSON.stringify(warning));
  }
  // Every listener shares one set of limits: the caps count the server's connections, not a listener's. When
  // only loopback clients can reach the server, a reserve for them would just lower the cap.
  const remoteReachable = hosts.some((h) => h !== 'localhost' && !isLoopbackAddress(h));
  const limits = new ConnectionLimits({ ...resolved.settings, reservedLoopbackConns: remoteReachable ? resolved.settings.reservedLoopbackConns : 0 });
  serverStats.connections.limit = limits.settings.maxConns;

  const cursorsOf = new WeakMap<ConnectionInfo, Set<bigint>>();
  /** Forgets the cursors that ended; true when one is still open. */
  const pruneCursors = (ids: Set<bigint>): boolean => {
    for (const id of ids) if (!engine.cursors.has(id)) ids.delete(id);
    return ids.size > 0;
  };
  /** Remembers the cursor a reply opened, so that the connection counts as busy while the cursor lives. */
  const noteCursor = (conn: ConnectionInfo, reply: Document): void => {
    const id = (reply.cursor as Document | undefined)?.id;
    if (!(id instanceof Long)) return;
    const value = id.toBigInt();
    if (value === 0n) return;
    let ids = cursorsOf.get(conn);
    if (!ids) cursorsOf.set(conn, (ids = new Set()));
    // A busy connection is never asked whether it is idle: keep its list from growing with cursors long gone.
    if (ids.size >= 64) pruneCursors(ids);
    ids.add(value);
  };
  const holdsWork = (conn: ConnectionInfo): boolean => {
    const ids = cursorsOf.get(conn);
    return ids !== undefined && pruneCursors(ids);
  };

  const makeHandler = (getWire: () => WireServer): CommandHandler => async (command, conn, request) => {
    // Listed by $currentOp's idleConnections from its first command on.
    if (!context.connections.has(conn.id)) context.connections.set(conn.id, conn);
    serverStats.countCommand(command);
    serverStats.connections.active++;
    try {
      const exhaust = request.exhaustAllowed ? { runAgain: false } : undefined;
      const reply = await dispatch(context, command, conn, { setCompressors: (names) => getWire().setCompressors(conn, names), ...(exhaust ? { exhaust } : {}) });
      if (exhaust?.runAgain) request.runAgainForExhaust = true;
      // Only an idle clock asks whether a connection holds a cursor.
      if (limits.settings.idleConnectionTimeoutMS > 0) noteCursor(conn, reply);
      return reply;
    } catch (err) {
      if (err instanceof CloseConnectionRequested) throw new CloseConnectionSignal(err.message);
      throw err;
    } finally {
      serverStats.connections.active--;
    }
  };
  const onConnectionOpened = (): void => {
    serverStats.connections.current++;
    serverStats.connections.totalCreated++;
  };
  const onConnectionRefused = (): void => {
    serverStats.connections.rejected++;
  };
  const onConnectionClosed = (conn: ConnectionInfo): void => {
    serverStats.connections.current--;
    context.connections.delete(conn.id);
    // A command still running for a client that went away is wasted work: interrupt it, as mongod does.
    context.operations.killConnection(conn.id);
  };

  const wires: WireServer[] = [];
  let port = options.port;
  try {
    for (const host of hosts) {
      const wire: WireServer = createWireServer({
        host,
        port,
        handler: makeHandler(() => wire),
        limits,
        holdsWork,
        onConnectionOpened,
        onConnectionRefused,
        onConnectionClosed,
        log: onEvent,
        // mongod 6.0+ only answers the handshake and auth commands over OP_QUERY.
        strictOpQuery: true,
        ...(tlsAcceptor ? { tls: tlsAcceptor } : {}),
      });
      wires.push(wire);
      const bound = await wire.listen();
      // With port 0 the first listener picks the port and the others share it, as one mongod has one port.
      port = bound.port;
      write(logEntry('I', 'NETWORK', 23015, 'listener', 'Listening on', { address: hostPort(host, port) }));
    }
  } catch (err) {
    await Promise.all(wires.map((w) => w.close()));
    await engine.close().catch(() => undefined);
    const message = err instanceof Error ? err.message : String(err);
    const text = (err as { code?: unknown }).code === 'EADDRINUSE' ? 'Address already in use' : message;
    write(logEntry('E', 'NETWORK', 23024, 'initandlisten', 'Failed to set up listener', { error: text }));
    throw new ServerStartupError('SocketException', `SocketException: ${text}`, 48, { cause: err });
  }
  const host = hosts[0]!;
  const address = hostPort(host, port);
  write(logEntry('I', 'NETWORK', 23016, 'listener', 'Waiting for connections', { port, address, ssl: tlsAcceptor ? 'on' : 'off' }));

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      write(logEntry('I', 'CONTROL', 4784900, 'shutdown', 'Shutdown started', { address }));
      context.operations.killAll(mongoError('InterruptedAtShutdown', 'interrupted at shutdown'));
      // close() stops the listeners and destroys every socket before it returns; what it then waits for is each
      // socket's close event, thousands of them under load, which need not hold up the checkpoint.
      const wiresClosed = Promise.all(wires.map((w) => w.close()));
      try {
        await engine.storage.checkpoint();
      } catch (err) {
        write(logEntry('W', 'STORAGE', 0, 'shutdown', 'Checkpoint failed', { error: err instanceof Error ? err.message : String(err) }));
      }
      // Ends every cursor, wakes getMores that wait for changes, then closes storage once queued work is done.
      await engine.close();
      write(logEntry('I', 'STORAGE', 4784927, 'shutdown', 'Storage closed', {}));
      await wiresClosed;
    })();
    return closing;
  };

  return { host, port, address, engine, context, close };
}

/**
 * `<dbpath>/_tmp`, where blocking stages spill, emptied at start as mongod does: a crash during a spilling sort leaves
 * its file there. Called once storage holds the folder's lock, so no other server is using it.
 */
async function spillFolder(dbpath: string): Promise<string | undefined> {
  if (dbpath === ':memory:') return undefined;
  const dir = join(resolve(dbpath), '_tmp');
  await rm(dir, { recursive: true, force: true });
  return dir;
}
