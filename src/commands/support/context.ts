import type { Document } from '../../bson/types.js';
import type { Engine } from '../../engine/engine.js';
import { OperationRegistry, type Operation } from '../../engine/operation.js';
import { FailPoints } from './fail_points.js';
import { ServerStats } from './server_stats.js';
import { ProfilerSettings } from './profiler.js';
import type { Authorization } from '../../auth/authorization.js';
import { AccessControl } from '../../auth/access_control.js';
import { builtinRolePrivileges } from '../../auth/builtin_roles.js';

/** How the server was started: mongod's own option names where they exist. */
export interface ServerOptions {
  replSetName: string;
  /**
   * True when this server is one of several on shared storage (PostgreSQL): it answers the handshake as a `mongos`
   * does, so drivers given several such servers treat them as the routers of a sharded cluster and use them all.
   */
  router?: boolean;
  enableTestCommands: boolean;
  /** Set by `--setParameter transactionLifetimeLimitSeconds=N`; the engine's default (60) otherwise. */
  transactionLifetimeLimitSeconds?: number;
  internalQueryMaxBlockingSortMemoryUsageBytes?: number;
  allowDiskUseByDefault?: boolean;
  /** The command line as given, for getCmdLineOpts. */
  argv: string[];
  /** getCmdLineOpts' `parsed`. */
  parsed: Document;
  /** Logs one JSON line per notable event (slow or failed commands). */
  log?: (event: Record<string, unknown>) => void;
  /** Commands slower than this are logged (mongod's slowms) until the profile command changes it. */
  slowMs?: number;
  /** `--auth`: access control on; every command needs an authenticated user holding its privileges. */
  auth?: boolean;
  /**
   * The key of `--keyFile` (its base64 characters, whitespace removed): the password of the `__system@local` user
   * members of a deployment authenticate as. Never logged or reported.
   */
  clusterKey?: string;
  /** mongod's `authenticationMechanisms` startup parameter; its default without. */
  authenticationMechanisms?: readonly string[];
}

/** The version eddydb reports as a MongoDB server; drivers and test runners pick features from it. */
export const SERVER_VERSION = '8.0.0';
export const MAX_WIRE_VERSION = 25;

/**
 * Everything commands share: the engine, the options, the fail points and the counters serverStatus reports. One
 * per server or embedded client.
 */
export class ServerContext {
  readonly failPoints = new FailPoints();
  readonly stats = new ServerStats();
  /** slowms, sampleRate and each database's profiling level and filter (the profile command). */
  readonly profiler: ProfilerSettings;
  /** The commands in progress: what `$currentOp` lists and `killOp` kills. */
  readonly operations = new OperationRegistry();
  /** The open wire connections that have sent a command, by id: the idle ones `$currentOp` lists on request. */
  readonly connections = new Map<number, ConnectionState>();
  readonly startTime = new Date();
  /** A fixed electionId: drivers compare it for stale-primary checks, so it must never change. */
  readonly electionId: unknown;
  /** Users, roles and the authorization cache's generation; enforcement only with `options.auth`. */
  readonly accessControl: AccessControl;
  private nextConnectionId = 1;

  constructor(readonly engine: Engine, readonly options: ServerOptions, electionId: unknown) {
    this.electionId = electionId;
    this.accessControl = new AccessControl(engine, { enabled: options.auth === true, clusterKey: options.clusterKey, builtinRoles: builtinRolePrivileges });
    this.profiler = new ProfilerSettings(options.slowMs);
  }

  allocateConnectionId(): number {
    return this.nextConnectionId++;
  }
}

/** The connection a command arrived on. The wire server's ConnectionInfo satisfies it; the embedded client has one too. */
export interface ConnectionState {
  id: number;
  remoteAddress: string;
  /** host:port the client used to reach us (hello's `me`, `hosts`, `primary`). */
  localAddress: string;
  /** Free-form per-connection slot: appName, negotiated compressors. */
  state: Record<string, unknown>;
  /**
   * Present when the connection speaks TLS; `peerSubject` is the client certificate's subject as mongod prints it
   * (RFC 2253, `CN=client,OU=eddy,O=eddydb`), only for a certificate that verified against `--tlsCAFile`.
   */
  tls?: { peerSubject?: string };
}

export interface CommandContext {
  server: ServerContext;
  /**
   * The engine the command runs on: the server's, or inside a multi-document transaction the transaction's view of
   * it (its snapshot and its buffered writes).
   */
  engine: Engine;
  connection: ConnectionState;
  /** This command as a running operation: its opid, deadline (`maxTimeMS`) and kill state. */
  op: Operation;
  /** `$db`. */
  db: string;
  lsid?: Document;
  /** Set by the wire layer so hello can negotiate compression. */
  setCompressors?: (names: string[]) => void;
  /** Set while the command runs (a fail point) to close the connection instead of sending the reply. */
  closeConnection?: boolean;
  /**
   * Present when the request came in an OP_MSG with the exhaustAllowed flag: a getMore whose cursor stays open sets
   * `runAgain`, and the wire layer streams the next batches itself (mongod's exhaust cursors).
   */
  exhaust?: { runAgain: boolean };
  /**
   * The connection's users and privileges when access control is on; absent when it is off (everything allowed).
   */
  authz?: Authorization;
}

/** One command: a file under commands/, registered (with the other spellings of its name) in registry.ts. */
export interface CommandDefinition {
  name: string;
  /** Only runs against the admin database (Unauthorized otherwise, as mongod). */
  adminOnly?: boolean;
  /** Only exists with enableTestCommands. */
  testOnly?: boolean;
  /**
   * Its `lsid` is checked but the session is not marked used (mongod's attachLogicalSessionsToOpCtx() false): the
   * kill commands, so that a kill sent in a session does not count as a use of it.
   */
  ignoresSession?: boolean;
  run(command: Document, ctx: CommandContext): Promise<Document>;
}
