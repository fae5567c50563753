/**
 * The command line of `eddydb serve`, with mongod's option names and error messages (a bad command line exits
 * with 2, mongod's EXIT_BADOPTIONS).
 */
import { resolve } from 'node:path';
import type { Document } from '../bson/index.js';
import { parseBoolParameter, SERVER_PARAMETERS } from '../commands/getParameter.js';
import { KeyFileError, readKeyFile } from '../server/key_file.js';
import { isPostgresUri, redactPostgresUri } from '../storage/index.js';
import type { StartServerOptions } from '../server/server.js';
import { tlsOptionsProblem, tlsParsed, type TlsOptions } from '../server/tls_options.js';
import { invalidArgument as invalid, readCommandLine, UsageError, type OptionKind } from './command_line.js';

export { UsageError };

/** What the command line asks for. */
export type CliCommand =
  | { kind: 'serve'; options: StartServerOptions }
  | { kind: 'help' }
  | { kind: 'version' };

export const HELP_TEXT = `Usage: eddydb [serve] [options]
       eddydb watch <uri> [options]

Runs eddydb as a MongoDB wire-protocol server: a one-member replica set any MongoDB driver connects to
(mongodb://127.0.0.1:27017/?replicaSet=rs0).

'eddydb watch <uri>' prints the change events of an eddydb server or a MongoDB deployment, one JSON line each,
and can resume where it stopped; 'eddydb watch --help' lists its options.

Options (mongod's names):
  --port <n>                    port to listen on (default 27017; 0 picks a free one)
  --bind_ip <addresses>         comma-separated addresses to listen on (default 127.0.0.1)
  --bind_ip_all                 listen on all IPv4 addresses (0.0.0.0)
  --dbpath <path>               data folder, created if missing (default ./data)
  --replSet <name>              replica-set name reported to clients (default rs0)
  --setParameter <name=value>   set a server parameter; repeatable (enableTestCommands=1,
                                maxHeapBudgetMB=N: refuse work past N MB of JavaScript heap; default 75%
                                of node's heap limit, which NODE_OPTIONS=--max-old-space-size=<MB> sets)
  --oplogSizeMB <n>             oplog retention in megabytes (default 5% of free disk, at least 990,
                                at most 51200; --inMemory: 5% of physical memory, at least 50)
  --oplogMinRetentionHours <h>  keep oplog entries at least this many hours, whatever the size (default 0)
  --inMemory                    keep all data in memory (same as --storageEngine inMemory)
  --storageEngine <name>        sqlite (default; wiredTiger is accepted as its alias), inMemory, or
                                postgres (with --pgUri)
  --pgUri <uri>                 keep the data in this PostgreSQL database (postgresql://user:pw@host/db);
                                implies --storageEngine postgres; one eddydb server per database for now
  --synchronous <normal|full>   SQLite durability: full syncs every commit (default normal)
  --maxConns <n>                most client connections open at once; one more is closed as it arrives
                                (default and upper bound: 80% of the open-file limit, ulimit -n)
  --reservedLoopbackConns <n>   with a non-loopback --bind_ip, the last n of the --maxConns slots only admit
                                clients from 127.0.0.1/::1, so an operator can always connect (default 10)
  --maxEstablishingConns <n>    most connections that have not sent a whole first message yet; one more closes
                                the one that waited longest (default a quarter of --maxConns, at least 100)
  --idleConnectionTimeoutMS <ms>
                                close a connection silent this long with no command running and no cursor
                                open (default 0: never, as drivers keep pooled connections idle)
  --partialMessageTimeoutMS <ms>
                                close a connection whose message is incomplete this long after its first
                                byte, that sent no whole message this long after connecting, or that has
                                not read a reply this long after it was sent (default 30000; 0: never)
  --slowms <n>                  log commands slower than this many milliseconds (default 100)
  --auth                        access control: clients must authenticate as a user (SCRAM) and hold the
                                privileges of each command; create the first user from localhost
  --keyFile <path>              the deployment's shared key (6 to 1024 base64 characters; the file must not
                                be readable by group or others); implies --auth

TLS options (mongod's names):
  --tlsMode <mode>              disabled (default), allowTLS or preferTLS (plain and TLS clients on the same
                                port), requireTLS (TLS clients only)
  --tlsCertificateKeyFile <pem> the server's certificate and private key, in one PEM file
  --tlsCertificateKeyFilePassword <password>
                                decrypts an encrypted private key in --tlsCertificateKeyFile
  --tlsCAFile <pem>             CA certificates: clients must then present a certificate signed by one of them
  --tlsAllowConnectionsWithoutCertificates
                                with --tlsCAFile, still admit clients that present no certificate
  --tlsAllowInvalidCertificates with --tlsCAFile, admit clients whose certificate does not verify (not usable
                                for MONGODB-X509 authentication)
  --tlsDisabledProtocols <list> comma-separated TLS1_0,TLS1_1,TLS1_2,TLS1_3 the server will not speak
                                (default TLS1_0; 'none' enables all)
  --quiet                       leave connection events out of the log
  --version                     print the version and exit
  -h, --help                    print this help and exit

The server logs one JSON line per event to stdout and shuts down cleanly on SIGINT or SIGTERM.
`;

const OPTIONS: Readonly<Record<string, OptionKind>> = {
  port: 'port',
  bind_ip: 'string',
  bind_ip_all: 'flag',
  dbpath: 'string',
  replSet: 'string',
  setParameter: 'string',
  oplogSizeMB: 'number',
  oplogMinRetentionHours: 'number',
  inMemory: 'flag',
  storageEngine: 'string',
  pgUri: 'string',
  synchronous: 'string',
  slowms: 'number',
  maxConns: 'number',
  reservedLoopbackConns: 'number',
  maxEstablishingConns: 'number',
  idleConnectionTimeoutMS: 'number',
  partialMessageTimeoutMS: 'number',
  quiet: 'flag',
  auth: 'flag',
  keyFile: 'string',
  tlsMode: 'string',
  tlsCertificateKeyFile: 'string',
  tlsCertificateKeyFilePassword: 'string',
  tlsCAFile: 'string',
  tlsAllowConnectionsWithoutCertificates: 'flag',
  tlsAllowInvalidCertificates: 'flag',
  tlsDisabledProtocols: 'string',
  version: 'flag',
  help: 'flag',
};

function parseNumber(option: string, value: string, kind: 'port' | 'number'): number {
  if (!/^\d+(\.\d+)?$/.test(value)) throw invalid(option, value);
  const n = Number(value);
  if (kind === 'port' && (!Number.isInteger(n) || n > 65535)) {
    throw new UsageError(`Error parsing command line: port number must be between 0 and 65535, got ${value}`);
  }
  return n;
}

/** Validates one `--setParameter name=value` as mongod does. */
function parseSetParameter(text: string, into: Record<string, string>): void {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`Illegal option assignment: "${text}"`);
  const name = text.slice(0, eq);
  const value = text.slice(eq + 1);
  const param = SERVER_PARAMETERS.find((p) => p.name === name);
  if (!param) throw new UsageError(`Unknown --setParameter '${name}'`);
  if (!param.settableAtStartup) throw new UsageError(`Cannot use --setParameter to set "${name}" at startup`);
  if (name === 'enableTestCommands' && parseBoolParameter(value) === undefined) {
    throw new UsageError(`Bad value for parameter "${name}": "${value}" is not a boolean (1, 0, true or false)`);
  }
  if (name === 'maxHeapBudgetMB' && !(/^[0-9]+$/.test(value) && Number(value) >= 1)) {
    throw new UsageError(`Bad value for parameter "${name}": "${value}" is not an integer of at least 1`);
  }
  if (name === 'transactionLifetimeLimitSeconds' && !(/^[0-9]+$/.test(value) && Number(value) >= 1)) {
    throw new UsageError(`Bad value for parameter "${name}": "${value}" is not an integer of at least 1`);
  }
  if (name === 'internalQueryMaxBlockingSortMemoryUsageBytes' && !(/^[0-9]+$/.test(value) && Number(value) >= 1)) {
    throw new UsageError(`Bad value for parameter "${name}": "${value}" is not an integer of at least 1`);
  }
  if (name === 'ttlMonitorSleepSecs' && !(/^[0-9]+$/.test(value) && Number(value) >= 1)) {
    throw new UsageError(`Bad value for parameter "${name}": "${value}" is not an integer of at least 1`);
  }
  if ((name === 'allowDiskUseByDefault' || name === 'ttlMonitorEnabled') && parseBoolParameter(value) === undefined) {
    throw new UsageError(`Bad value for parameter "${name}": "${value}" is not a boolean (1, 0, true or false)`);
  }
  if ((name === 'scramIterationCount' || name === 'scramSHA256IterationCount') && !(/^[0-9]+$/.test(value) && Number(value) >= 5000)) {
    throw new UsageError(`Bad value for parameter "${name}": "${value}" is not an integer of at least 5000`);
  }
  if (name === 'authenticationMechanisms') {
    for (const mechanism of value.split(',')) {
      if (!['MONGODB-X509', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'PLAIN'].includes(mechanism)) {
        throw new UsageError(`Bad value for parameter "${name}": Unknown authentication mechanism '${mechanism}' (eddydb supports MONGODB-X509, SCRAM-SHA-1, SCRAM-SHA-256 and PLAIN)`);
      }
    }
  }
  into[name] = value;
}

/**
 * Parses the arguments after the program name: an optional `serve` (or `help`) subcommand, then options as
 * `--name value` or `--name=value`. Throws UsageError for anything mongod would refuse.
 */
export function parseCommandLine(args: readonly string[], cwd = process.cwd()): CliCommand {
  const rest = [...args];
  if (rest[0] === 'serve') rest.shift();
  else if (rest[0] === 'help') return { kind: 'help' };
  else if (rest[0] !== undefined && !rest[0].startsWith('-')) {
    throw new UsageError(`unknown command '${rest[0]}' (eddydb knows 'serve', 'watch' and 'help')`);
  }

  const given = new Map<string, string | true>();
  const setParameters: Record<string, string> = {};
  const read = readCommandLine(rest, OPTIONS);
  if (read.help) return { kind: 'help' };
  for (const { name, value } of read.options) {
    if (name === 'setParameter') parseSetParameter(value as string, setParameters);
    else given.set(name, value);
  }
  if (given.has('help')) return { kind: 'help' };
  if (given.has('version')) return { kind: 'version' };
  return { kind: 'serve', options: toServerOptions(given, setParameters, args, cwd) };
}

function toServerOptions(given: Map<string, string | true>, setParameters: Record<string, string>, args: readonly string[], cwd: string): StartServerOptions {
  const str = (name: string): string | undefined => {
    const v = given.get(name);
    return typeof v === 'string' ? v : undefined;
  };
  const parsed: Document = {};
  const section = (name: string): Document => (parsed[name] ??= {}) as Document;

  const portText = str('port');
  const port = portText === undefined ? 27017 : parseNumber('port', portText, 'port');
  if (portText !== undefined) section('net').port = port;
  let bindIp = str('bind_ip') ?? '127.0.0.1';
  if (given.has('bind_ip_all')) {
    if (given.has('bind_ip')) throw new UsageError('Error parsing command line: --bind_ip and --bind_ip_all are mutually exclusive');
    bindIp = '0.0.0.0';
    section('net').bindIpAll = true;
  } else if (given.has('bind_ip')) {
    section('net').bindIp = bindIp;
  }

  // mongod accepts "rs0/host1,host2" (a seed list); only the set name matters to a one-member set.
  const replSetText = str('replSet');
  const replSet = (replSetText ?? 'rs0').split('/')[0]!;
  if (replSet.length === 0) throw invalid('replSet', replSetText ?? '');
  if (replSetText !== undefined) section('replication').replSet = replSetText;

  const oplogText = str('oplogSizeMB');
  let oplogSizeMB: number | undefined;
  if (oplogText !== undefined) {
    oplogSizeMB = parseNumber('oplogSizeMB', oplogText, 'number');
    if (oplogSizeMB <= 0) throw invalid('oplogSizeMB', oplogText);
    section('replication').oplogSizeMB = oplogSizeMB;
  }
  // mongod keeps this one under storage: in its config file.
  const retentionText = str('oplogMinRetentionHours');
  const oplogMinRetentionHours = retentionText === undefined ? undefined : parseNumber('oplogMinRetentionHours', retentionText, 'number');
  if (oplogMinRetentionHours !== undefined) section('storage').oplogMinRetentionHours = oplogMinRetentionHours;

  const engineText = str('storageEngine');
  const pgUriText = str('pgUri');
  let inMemory = given.has('inMemory');
  if (engineText !== undefined) {
    if (engineText === 'inMemory') inMemory = true;
    else if (engineText !== 'sqlite' && engineText !== 'wiredTiger' && engineText !== 'postgres') {
      throw new UsageError(`Error parsing command line: unknown storage engine '${engineText}' (sqlite, inMemory or postgres)`);
    } else if (inMemory) {
      throw new UsageError(`Error parsing command line: --inMemory conflicts with --storageEngine ${engineText}`);
    }
    section('storage').engine = engineText;
  } else if (inMemory) {
    section('storage').engine = 'inMemory';
  }
  let pgUri: string | undefined;
  if (pgUriText !== undefined || engineText === 'postgres') {
    if (pgUriText === undefined) throw new UsageError('Error parsing command line: --storageEngine postgres needs --pgUri <postgresql://...>');
    if (!isPostgresUri(pgUriText)) throw invalid('pgUri', redactPostgresUri(pgUriText));
    if (engineText !== undefined && engineText !== 'postgres') {
      throw new UsageError(`Error parsing command line: --pgUri conflicts with --storageEngine ${engineText}`);
    }
    if (inMemory) throw new UsageError('Error parsing command line: --inMemory conflicts with --pgUri');
    pgUri = pgUriText;
    section('storage').engine = 'postgres';
    section('storage').pgUri = redactPostgresUri(pgUriText);
  }
  const dbpathText = str('dbpath');
  const dbpath = inMemory ? ':memory:' : resolve(cwd, dbpathText ?? 'data');
  if (dbpathText !== undefined) section('storage').dbPath = dbpathText;

  const syncText = str('synchronous');
  if (syncText !== undefined && syncText !== 'normal' && syncText !== 'full') throw invalid('synchronous', syncText);
  const synchronous = syncText as 'normal' | 'full' | undefined;

  const slowText = str('slowms');
  const slowMs = slowText === undefined ? undefined : parseNumber('slowms', slowText, 'number');
  if (slowMs !== undefined) section('operationProfiling').slowOpThresholdMs = slowMs;

  /** An integer option of at least `min`, reported under `net.<key>` by getCmdLineOpts. */
  const netInteger = (option: string, key: string, min: number): number | undefined => {
    const text = str(option);
    if (text === undefined) return undefined;
    const n = parseNumber(option, text, 'number');
    if (!Number.isInteger(n) || n < min) throw invalid(option, text);
    section('net')[key] = n;
    return n;
  };
  const maxConns = netInteger('maxConns', 'maxIncomingConnections', 1);
  const reservedLoopbackConns = netInteger('reservedLoopbackConns', 'reservedLoopbackConns', 0);
  const maxEstablishingConns = netInteger('maxEstablishingConns', 'maxEstablishingConns', 1);
  const idleConnectionTimeoutMS = netInteger('idleConnectionTimeoutMS', 'idleConnectionTimeoutMS', 0);
  const partialMessageTimeoutMS = netInteger('partialMessageTimeoutMS', 'partialMessageTimeoutMS', 0);

  const quiet = given.has('quiet');
  if (quiet) section('systemLog').quiet = true;
  const keyFilePath = str('keyFile');
  let keyFile: string | undefined;
  if (keyFilePath !== undefined) {
    try {
      keyFile = readKeyFile(keyFilePath, cwd);
    } catch (err) {
      if (err instanceof KeyFileError) throw new UsageError(err.message);
      throw err;
    }
    section('security').keyFile = keyFilePath;
  }
  // A key file turns access control on, as in mongod.
  const auth = given.has('auth') || keyFile !== undefined;
  if (given.has('auth')) section('security').authorization = 'enabled';

  const tls = tlsCommandLine(given, cwd);
  const tlsSection = tlsParsed(tls.asGiven);
  if (tlsSection) section('net').tls = tlsSection;

  if (Object.keys(setParameters).length > 0) parsed.setParameter = { ...setParameters };
  const testText = setParameters.enableTestCommands;
  const enableTestCommands = testText !== undefined && parseBoolParameter(testText) === true;
  const lifetime = setParameters.transactionLifetimeLimitSeconds;
  const transactionLifetimeLimitSeconds = lifetime === undefined ? undefined : Number(lifetime);
  const sortBytes = setParameters.internalQueryMaxBlockingSortMemoryUsageBytes;
  const diskDefault = setParameters.allowDiskUseByDefault;
  const budget = setParameters.maxHeapBudgetMB;
  const maxHeapBudgetMB = budget === undefined ? undefined : Number(budget);
  const ttlSleep = setParameters.ttlMonitorSleepSecs;
  const ttlEnabled = setParameters.ttlMonitorEnabled;
  const mechanisms = setParameters.authenticationMechanisms;
  const sha1Iterations = setParameters.scramIterationCount;
  const sha256Iterations = setParameters.scramSHA256IterationCount;

  return {
    port, bindIp, dbpath, ...(pgUri !== undefined ? { pgUri } : {}), replSet, enableTestCommands, oplogSizeMB, oplogMinRetentionHours, synchronous, slowMs, maxConns, quiet, auth,
    ...(keyFile !== undefined ? { keyFile } : {}),
    ...tls.resolved,
    reservedLoopbackConns, maxEstablishingConns, idleConnectionTimeoutMS, partialMessageTimeoutMS,
    transactionLifetimeLimitSeconds, maxHeapBudgetMB,
    internalQueryMaxBlockingSortMemoryUsageBytes: sortBytes === undefined ? undefined : Number(sortBytes),
    allowDiskUseByDefault: diskDefault === undefined ? undefined : parseBoolParameter(diskDefault),
    ttlMonitorSleepSecs: ttlSleep === undefined ? undefined : Number(ttlSleep),
    ttlMonitorEnabled: ttlEnabled === undefined ? undefined : parseBoolParameter(ttlEnabled),
    authenticationMechanisms: mechanisms === undefined ? undefined : mechanisms.split(','),
    scramIterationCount: sha1Iterations === undefined ? undefined : Number(sha1Iterations),
    scramSHA256IterationCount: sha256Iterations === undefined ? undefined : Number(sha256Iterations),
    argv: ['eddydb', ...redactPasswords(args)],
    parsed,
  };
}

/** Options whose value getCmdLineOpts shows as `<password>`, as mongod redacts them. */
const PASSWORD_OPTIONS: ReadonlySet<string> = new Set(['tlsCertificateKeyFilePassword']);

/** Options holding a URI whose password part getCmdLineOpts shows as `xxx`. */
const URI_OPTIONS: ReadonlySet<string> = new Set(['pgUri']);

function redactPasswords(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, eq >= 0 ? eq : undefined) : '';
    const hide = PASSWORD_OPTIONS.has(name) ? () => '<password>' : URI_OPTIONS.has(name) ? redactPostgresUri : null;
    if (hide === null) {
      out.push(arg);
    } else if (eq >= 0) {
      out.push(`--${name}=${hide(arg.slice(eq + 1))}`);
    } else {
      out.push(arg);
      if (i + 1 < args.length) {
        out.push(hide(args[i + 1]!));
        i++;
      }
    }
  }
  return out;
}

/** The TLS options as given (for getCmdLineOpts) and with their files resolved against `cwd` (for the server). */
function tlsCommandLine(given: Map<string, string | true>, cwd: string): { asGiven: TlsOptions; resolved: TlsOptions } {
  const str = (name: string): string | undefined => {
    const v = given.get(name);
    return typeof v === 'string' ? v : undefined;
  };
  const asGiven: TlsOptions = {};
  const mode = str('tlsMode');
  if (mode !== undefined) asGiven.tlsMode = mode as TlsOptions['tlsMode'];
  const keyFile = str('tlsCertificateKeyFile');
  if (keyFile !== undefined) asGiven.tlsCertificateKeyFile = keyFile;
  const password = str('tlsCertificateKeyFilePassword');
  if (password !== undefined) asGiven.tlsCertificateKeyFilePassword = password;
  const caFile = str('tlsCAFile');
  if (caFile !== undefined) asGiven.tlsCAFile = caFile;
  if (given.has('tlsAllowConnectionsWithoutCertificates')) asGiven.tlsAllowConnectionsWithoutCertificates = true;
  if (given.has('tlsAllowInvalidCertificates')) asGiven.tlsAllowInvalidCertificates = true;
  const disabled = str('tlsDisabledProtocols');
  if (disabled !== undefined) asGiven.tlsDisabledProtocols = disabled;
  const problem = tlsOptionsProblem(asGiven);
  if (problem !== undefined) throw new UsageError(`BadValue: ${problem}`);
  const resolved: TlsOptions = { ...asGiven };
  if (keyFile !== undefined) resolved.tlsCertificateKeyFile = resolve(cwd, keyFile);
  if (caFile !== undefined) resolved.tlsCAFile = resolve(cwd, caFile);
  return { asGiven, resolved };
}
