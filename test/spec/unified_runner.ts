/**
 * A runner for the MongoDB unified test format on top of the official Node driver: it loads spec files from the
 * spec directory (spec_files.ts), decides which tests can run against the server (runOnRequirements, skip table,
 * runner support), and defines one node:test `describe` per file and one `it` per test.
 * https://github.com/mongodb/specifications/blob/master/source/unified-test-format/unified-test-format.md
 */
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import {
  BSON,
  MongoBulkWriteError,
  MongoClient,
  MongoClientBulkWriteError,
  MongoOperationTimeoutError,
  MongoServerError,
  type Document,
} from 'mongodb';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { CMAP_EVENTS, EntityMap, RunnerError, type ObservedCommandEvent } from './entities.js';
import { assertMatches, isDocument, MatchError, matches, show } from './matcher.js';
import type { StartServerOptions } from '../../src/server/index.js';
import { findSpecDir, SPEC_FILES_HOW_TO_GET, SPEC_FILES_MISSING } from './spec_files.js';
import {
  bulkWriteResultDocument,
  clientBulkWriteResultDocument,
  runEntityOperation,
  runSpecialOperation,
  SUPPORTED_OPERATIONS,
  SUPPORTED_SPECIAL_OPERATIONS,
  type EnabledFailPoint,
  type OperationContext,
} from './operations.js';

const { EJSON } = BSON;

/** The newest schema version this runner implements (major 1). */
export const SUPPORTED_SCHEMA_VERSION = [1, 22] as const;

/** Default budget of one test, operations and assertions included. */
export const DEFAULT_TEST_TIMEOUT_MS = 10_000;

export type Topology = 'single' | 'replicaset' | 'sharded' | 'load-balanced';

/** A test (or a whole file with test '*') that is intentionally not run, and why. */
export interface SkipEntry {
  file: string;
  test: string;
  reason: string;
}

/**
 * A test (or a whole file with test '*') whose timing margins are too thin for a busy machine, and why: when it
 * fails it runs once more, and it passes only if that second run passes. Both outcomes are reported.
 */
export type RetryEntry = SkipEntry;

/** The server under test as the runner sees it. */
export interface SpecEnvironment {
  /** Connection string for client entities. */
  uri: string;
  /** Connection string naming one server only, for clients with `useMultipleMongoses: false` (the first of `uri`'s). */
  singleUri: string;
  /** The runner's own client: initialData, outcome, disabling fail points. */
  internal: MongoClient;
  /** A client connected directly to each server (the first is `internal`'s), to turn fail points off everywhere. */
  servers: MongoClient[];
  /** buildInfo.versionArray's first three numbers. */
  serverVersion: number[];
  topology: Topology;
  /** getParameter '*' (empty when the server refused it). */
  serverParameters: Document;
  hello: Document;
  buildInfo: Document;
  close(): Promise<void>;
}

/** How the runner starts a server: src/server's startServer, or anything with its shape. */
export type StartServer = (options: StartServerOptions) => Promise<{ host: string; port: number; address: string; close(): Promise<void> }>;

/** `<sub>` in the spec directory (findSpecDir); suites check specFilesMissing() first, so this only throws outside them. */
export function specPath(sub: string): string {
  const base = findSpecDir();
  if (base === undefined) throw new Error(`${SPEC_FILES_MISSING}; ${SPEC_FILES_HOW_TO_GET}`);
  return join(base, sub);
}

/**
 * Starts the eddydb server in memory as replica set rs0 (or uses $SPEC_MONGODB_URI when set, to check the runner
 * against a real mongod), connects the internal client and reads the server's version and parameters. With
 * $EDDYDB_SPEC_ENGINE=postgres the server keeps its data in a throwaway PostgreSQL database instead (see
 * postgres_engine.spec.test.ts, which runs suites that way).
 */
export async function openSpecEnvironment(startServer: StartServer): Promise<SpecEnvironment> {
  let base = process.env.SPEC_MONGODB_URI;
  let topology: Topology | undefined;
  let database: TestDatabase | undefined;
  let singleBase: string | undefined;
  const servers: Awaited<ReturnType<StartServer>>[] = [];
  const directs: MongoClient[] = [];
  if (!base) {
    const options = { port: 0, bindIp: '127.0.0.1', dbpath: ':memory:', replSet: 'rs0', enableTestCommands: true } as const;
    if (process.env.EDDYDB_SPEC_ENGINE === 'postgres') {
      // Two servers on one database, which answer as the routers of a sharded cluster: runOnRequirements are
      // evaluated for 'sharded', and clients use both unless a test asks for one (useMultipleMongoses: false).
      database = await createTestDatabase('spec');
      for (let i = 0; i < 2; i++) servers.push(await startServer({ ...options, pgUri: database.uri }));
      base = `mongodb://${servers.map((s) => `127.0.0.1:${s.port}`).join(',')}/`;
      singleBase = `mongodb://127.0.0.1:${servers[0]!.port}/`;
    } else {
      servers.push(await startServer(options));
      base = `mongodb://127.0.0.1:${servers[0]!.port}/?replicaSet=rs0&directConnection=false`;
      // The brief: eddydb is a one-member replica set; runOnRequirements are evaluated for 'replicaset'.
      topology = 'replicaset';
    }
  }
  // A short server selection timeout turns "server unreachable" into a failure within a test's budget.
  const withTimeout = (b: string) => (b.includes('serverSelectionTimeoutMS') ? b : `${b}${b.includes('?') ? '&' : '/?'}serverSelectionTimeoutMS=5000`);
  const uri = withTimeout(base);
  const singleUri = withTimeout(singleBase ?? base);
  const internal = new MongoClient(singleUri);
  try {
    for (const s of servers.slice(1)) {
      const direct = new MongoClient(`mongodb://127.0.0.1:${s.port}/?directConnection=true&serverSelectionTimeoutMS=5000`);
      directs.push(direct);
      await direct.connect();
    }
    await internal.connect();
    const admin = internal.db('admin');
    const hello = await admin.command({ hello: 1 });
    const buildInfo = await admin.command({ buildInfo: 1 });
    let serverParameters: Document = {};
    try {
      serverParameters = await admin.command({ getParameter: '*' });
    } catch {
      // serverParameters requirements then count as unmet.
    }
    try {
      await admin.command({ killAllSessions: [] });
    } catch {
      // 11601, 13 and 59 are tolerated by the format; nothing else matters for a fresh server either.
    }
    const serverVersion = Array.isArray(buildInfo.versionArray)
      ? (buildInfo.versionArray as unknown[]).slice(0, 3).map(Number)
      : parseVersion(String(buildInfo.version));
    return {
      uri,
      singleUri,
      internal,
      servers: [internal, ...directs],
      serverVersion,
      topology: topology ?? detectTopology(hello),
      serverParameters,
      hello,
      buildInfo,
      close: async () => {
        await internal.close().catch(() => undefined);
        for (const direct of directs) await direct.close().catch(() => undefined);
        for (const s of servers) await s.close();
        await database?.drop();
      },
    };
  } catch (err) {
    await internal.close().catch(() => undefined);
    for (const direct of directs) await direct.close().catch(() => undefined);
    for (const s of servers) await s.close().catch(() => undefined);
    await database?.drop().catch(() => undefined);
    throw err;
  }
}

function detectTopology(hello: Document): Topology {
  if (hello.msg === 'isdbgrid') return 'sharded';
  if (hello.serviceId !== undefined) return 'load-balanced';
  if (typeof hello.setName === 'string') return 'replicaset';
  return 'single';
}

/** "4.2.0-rc1" → [4, 2, 0]; missing parts are 0, anything after the third part is dropped. */
export function parseVersion(v: string): number[] {
  const parts = v.split('-')[0].split('.').map((x) => Number.parseInt(x, 10));
  return [0, 1, 2].map((i) => (Number.isFinite(parts[i]) ? parts[i] : 0));
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

/** What kind of runOnRequirement a server failed: the conformance report counts exclusions per kind. */
export type RequirementKind = 'version' | 'topology' | 'serverless' | 'auth' | 'csfle' | 'serverParameters';

/** One unmet runOnRequirement: its kind and a sentence for the report. */
export interface UnmetRequirement {
  kind: RequirementKind;
  message: string;
}

type RequirementEnv = Pick<SpecEnvironment, 'serverVersion' | 'topology' | 'serverParameters'>;

/** Why one runOnRequirement is not met (kind and message), or undefined when it is. */
export function checkRequirement(req: Document, env: RequirementEnv): UnmetRequirement | undefined {
  const version = env.serverVersion.join('.');
  if (req.minServerVersion !== undefined && compareVersions(env.serverVersion, parseVersion(String(req.minServerVersion))) < 0) {
    return { kind: 'version', message: `server ${version} < minServerVersion ${req.minServerVersion}` };
  }
  if (req.maxServerVersion !== undefined && compareVersions(env.serverVersion, parseVersion(String(req.maxServerVersion))) > 0) {
    return { kind: 'version', message: `server ${version} > maxServerVersion ${req.maxServerVersion}` };
  }
  if (Array.isArray(req.topologies)) {
    const ok = (req.topologies as string[]).some((t) => t === env.topology || (t === 'sharded-replicaset' && env.topology === 'sharded'));
    if (!ok) return { kind: 'topology', message: `topology ${env.topology} not in [${(req.topologies as string[]).join(', ')}]` };
  }
  if (req.serverless === 'require') return { kind: 'serverless', message: 'requires serverless' };
  if (req.auth === true) return { kind: 'auth', message: 'requires auth (the server runs without)' };
  if (req.authMechanism !== undefined) return { kind: 'auth', message: `requires auth mechanism ${req.authMechanism}` };
  if (req.csfle === true) return { kind: 'csfle', message: 'requires CSFLE' };
  if (isDocument(req.serverParameters)) {
    for (const [name, expected] of Object.entries(req.serverParameters)) {
      if (!matches(expected, env.serverParameters[name], { root: false })) {
        return { kind: 'serverParameters', message: `server parameter ${name} is ${show(env.serverParameters[name])}, needs ${show(expected)}` };
      }
    }
  }
  return undefined;
}

/** Why one runOnRequirement is not met, or undefined when it is. */
export function unmetRequirement(req: Document, env: RequirementEnv): string | undefined {
  return checkRequirement(req, env)?.message;
}

/**
 * Undefined when one of `reqs` is met (or there are none), else every requirement's failure. The format runs a test
 * when ANY requirement is met, so a test is excluded only when all of them fail.
 */
export function checkRequirements(reqs: unknown, env: RequirementEnv): UnmetRequirement[] | undefined {
  if (!Array.isArray(reqs) || reqs.length === 0) return undefined;
  const unmet: UnmetRequirement[] = [];
  for (const req of reqs) {
    const why = checkRequirement(req as Document, env);
    if (why === undefined) return undefined;
    unmet.push(why);
  }
  return unmet;
}

/** Undefined when one of `reqs` is met (or there are none), else the reasons none is. */
export function unmetRequirements(reqs: unknown, env: RequirementEnv): string | undefined {
  const unmet = checkRequirements(reqs, env);
  return unmet ? `runOnRequirements not met: ${unmet.map((u) => u.message).join('; ')}` : undefined;
}

/** Whether `schemaVersion` is one this runner may process. */
export function schemaSupported(schemaVersion: string): boolean {
  const [major, minor] = parseVersion(schemaVersion);
  return major === SUPPORTED_SCHEMA_VERSION[0] && minor <= SUPPORTED_SCHEMA_VERSION[1];
}

const UNSUPPORTED_CLIENT_OPTIONS = ['storeEventsAsEntities', 'observeLogMessages', 'autoEncryptOpts'];
const SUPPORTED_ENTITY_TYPES = new Set(['client', 'database', 'collection', 'session', 'bucket']);

/** Why the runner cannot execute `test` of `file` (a feature it does not implement), or undefined. */
export function runnerLimitation(file: Document, test: Document): string | undefined {
  const entityLists: Document[][] = [(file.createEntities as Document[] | undefined) ?? []];
  const ops: Document[] = [];
  const walk = (list: unknown): void => {
    for (const op of (list as Document[] | undefined) ?? []) {
      ops.push(op);
      if (op.name === 'createEntities') entityLists.push(((op.arguments as Document | undefined)?.entities as Document[]) ?? []);
      if (op.name === 'loop' || op.name === 'withTransaction') walk((op.arguments as Document | undefined)?.operations ?? (op.arguments as Document | undefined)?.callback);
    }
  };
  walk(test.operations);
  for (const list of entityLists) {
    for (const entity of list) {
      const [type] = Object.keys(entity);
      if (!SUPPORTED_ENTITY_TYPES.has(type)) return `runner: ${type} entities are not implemented`;
      const spec = entity[type] as Document;
      for (const opt of UNSUPPORTED_CLIENT_OPTIONS) if (type === 'client' && spec[opt] !== undefined) return `runner: client option ${opt} is not implemented`;
      if (type === 'client') {
        for (const ev of (spec.observeEvents as string[] | undefined) ?? []) {
          if (!ev.startsWith('command') && !CMAP_EVENTS.has(ev)) return `runner: observing ${ev} is not implemented`;
        }
      }
    }
  }
  // withTransaction's callback holds operations too.
  const all = (list: Document[]): Document[] => list.flatMap((op) => [op, ...all(((op.arguments as Document | undefined)?.callback as Document[] | undefined) ?? [])]);
  for (const op of all(ops)) {
    const name = String(op.name);
    const known = op.object === 'testRunner' ? SUPPORTED_SPECIAL_OPERATIONS.has(name) : SUPPORTED_OPERATIONS.has(name);
    if (!known) return `runner: operation ${name} is not implemented`;
  }
  for (const group of (test.expectEvents as Document[] | undefined) ?? []) {
    if (!['command', 'cmap'].includes(String(group.eventType ?? 'command'))) return `runner: ${group.eventType} event assertions are not implemented`;
  }
  if (test.expectLogMessages !== undefined) return 'runner: expectLogMessages is not implemented';
  return undefined;
}

// ---- running one test ------------------------------------------------------------------------------------------

/** A failed expectation, with where it happened. */
export class SpecAssertionError extends Error {
  override name = 'SpecAssertionError';
}

function fail(where: string, message: string): never {
  throw new SpecAssertionError(`${where}: ${message}`);
}

function matchOrFail(where: string, expected: unknown, actual: unknown, options: Parameters<typeof assertMatches>[2]): void {
  try {
    assertMatches(expected, actual, options);
  } catch (err) {
    if (err instanceof MatchError) fail(where, err.message);
    throw err;
  }
}

/** One line about an error the driver raised. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return `non-error thrown: ${show(err)}`;
  const e = err as Error & { code?: unknown; codeName?: unknown; errorLabels?: unknown };
  const labels = Array.isArray(e.errorLabels) && e.errorLabels.length > 0 ? ` labels=[${e.errorLabels.join(',')}]` : '';
  const code = e.code !== undefined ? ` code=${String(e.code)}${e.codeName ? `(${String(e.codeName)})` : ''}` : '';
  let text = `${e.name}${code}${labels}: ${e.message}`;
  // Bulk errors wrap the server's answers; show them, or the report would only say "an error occurred".
  if (err instanceof MongoClientBulkWriteError) {
    const writeErrors = [...err.writeErrors.entries()].map(([i, we]) => `#${i} ${show(we)}`);
    if (writeErrors.length > 0) text += `; writeErrors ${writeErrors.join(', ')}`;
    if (err.writeConcernErrors.length > 0) text += `; writeConcernErrors ${show(err.writeConcernErrors)}`;
  } else if (err instanceof MongoBulkWriteError) {
    const writeErrors = (err.writeErrors as unknown as Document[]).map((we) => `#${we.index} code=${we.code} ${we.errmsg}`);
    if (writeErrors.length > 0) text += `; writeErrors ${writeErrors.join(', ')}`;
  }
  const cause = (err as { cause?: unknown }).cause;
  if (cause !== undefined && cause !== err) text += ` (caused by ${describeError(cause)})`;
  return text;
}

function errorLabels(err: unknown): string[] {
  const e = err as { errorLabels?: unknown; errorLabelSet?: Set<string> };
  if (Array.isArray(e.errorLabels)) return e.errorLabels.map(String);
  return [];
}

/** Asserts an expectedError (unified format, expectedError) against what the operation threw. */
function checkExpectedError(where: string, err: unknown, expected: Document, entities: EntityMap): void {
  const summary = describeError(err);
  const isServer = err instanceof MongoServerError;
  // MongoClientBulkWriteError carries the top-level error in `cause`.
  const top = err instanceof MongoClientBulkWriteError && err.cause ? err.cause : err;
  const topError = top as { code?: unknown; codeName?: unknown; message?: string; errorResponse?: unknown };

  if (expected.isClientError === true && isServer) fail(where, `expected a client error, got a server error: ${summary}`);
  if (expected.isClientError === false && !isServer) fail(where, `expected a server error, got a client error: ${summary}`);
  if (expected.isTimeoutError === true && !(err instanceof MongoOperationTimeoutError)) fail(where, `expected a timeout error, got ${summary}`);
  if (expected.isTimeoutError === false && err instanceof MongoOperationTimeoutError) fail(where, `expected no timeout error, got ${summary}`);

  const bulkErrors: Document[] = [];
  if (err instanceof MongoBulkWriteError) {
    for (const we of err.writeErrors as unknown as Document[]) bulkErrors.push({ code: we.code, errmsg: we.errmsg, codeName: (we.err as Document | undefined)?.codeName });
    const wce = (err.result as unknown as { getWriteConcernError?: () => Document | undefined })?.getWriteConcernError?.();
    if (wce) bulkErrors.push({ code: wce.code, errmsg: wce.errmsg, codeName: wce.codeName });
  }

  if (typeof expected.errorContains === 'string') {
    const needle = expected.errorContains.toLowerCase();
    const messages = [String((err as Error).message ?? ''), String(topError.message ?? ''), ...bulkErrors.map((b) => String(b.errmsg ?? ''))];
    if (!messages.some((m) => m.toLowerCase().includes(needle))) fail(where, `error message does not contain ${JSON.stringify(expected.errorContains)}: ${summary}`);
  }
  if (expected.errorCode !== undefined) {
    const codes = [topError.code, ...bulkErrors.map((b) => b.code)];
    if (!codes.some((c) => c !== undefined && Number(c) === Number(expected.errorCode))) fail(where, `expected errorCode ${expected.errorCode}, got ${summary}`);
  }
  if (expected.errorCodeName !== undefined) {
    const want = String(expected.errorCodeName).toLowerCase();
    const names = [topError.codeName, ...bulkErrors.map((b) => b.codeName)];
    if (!names.some((n) => typeof n === 'string' && n.toLowerCase() === want)) fail(where, `expected errorCodeName ${expected.errorCodeName}, got ${summary}`);
  }
  const labels = errorLabels(top);
  for (const label of (expected.errorLabelsContain as string[] | undefined) ?? []) {
    if (!labels.includes(label)) fail(where, `error lacks label ${label}: ${summary}`);
  }
  for (const label of (expected.errorLabelsOmit as string[] | undefined) ?? []) {
    if (labels.includes(label)) fail(where, `error has label ${label} it must not have: ${summary}`);
  }
  if (expected.expectResult !== undefined) {
    let partial: unknown;
    if (err instanceof MongoClientBulkWriteError) partial = clientBulkWriteResultDocument(err.partialResult);
    else if (err instanceof MongoBulkWriteError) partial = bulkWriteResultDocument(err.result);
    matchOrFail(`${where}: expectError.expectResult (error: ${summary})`, expected.expectResult, partial, { entities });
  }
  if (expected.errorResponse !== undefined) {
    const response = isDocument(topError.errorResponse) ? topError.errorResponse : top;
    matchOrFail(`${where}: expectError.errorResponse (error: ${summary})`, expected.errorResponse, response, { entities });
  }
  if (expected.writeErrors !== undefined) {
    if (!(err instanceof MongoClientBulkWriteError)) fail(where, `expected writeErrors on a client bulk write error, got ${summary}`);
    const actual = Object.fromEntries([...err.writeErrors.entries()].map(([k, v]) => [String(k), v]));
    const want = expected.writeErrors as Document;
    for (const [index, we] of Object.entries(want)) {
      if (actual[index] === undefined) fail(where, `no write error for model ${index}; error: ${summary}`);
      matchOrFail(`${where}: expectError.writeErrors.${index}`, we, actual[index], { entities });
    }
    const extra = Object.keys(actual).filter((k) => !(k in want));
    if (extra.length > 0) fail(where, `unexpected write errors for models [${extra.join(', ')}]`);
  }
  if (expected.writeConcernErrors !== undefined) {
    if (!(err instanceof MongoClientBulkWriteError)) fail(where, `expected writeConcernErrors on a client bulk write error, got ${summary}`);
    matchOrFail(`${where}: expectError.writeConcernErrors`, expected.writeConcernErrors, err.writeConcernErrors, { entities, rootElements: true });
  }
}

function eventLabel(e: ObservedCommandEvent): string {
  return `${e.type}(${e.commandName})`;
}

/** Asserts test.expectEvents against the events each client observed. */
function checkExpectedEvents(expectEvents: Document[], entities: EntityMap): void {
  expectEvents.forEach((group, g) => {
    const clientName = String(group.client);
    const where = `expectEvents[${g}] (${clientName})`;
    if (group.eventType === 'cmap') {
      checkExpectedCmapEvents(where, group, entities);
      return;
    }
    const actual = entities.get(clientName, 'client').events;
    const expected = group.events as Document[];
    const ignoreExtra = group.ignoreExtraEvents === true;
    const listing = (): string =>
      `expected [${expected.map((e) => Object.keys(e)[0]).join(', ')}], observed [${actual.map(eventLabel).join(', ')}]`;
    const n = Math.min(actual.length, expected.length);
    for (let i = 0; i < n; i++) {
      const want = expected[i];
      const got = actual[i];
      const [type] = Object.keys(want);
      const spec = want[type] as Document;
      const at = `${where} event #${i}`;
      if (got.type !== type) fail(at, `expected a ${type}, observed ${eventLabel(got)}; ${listing()}`);
      if (spec.commandName !== undefined && spec.commandName !== got.commandName) {
        fail(at, `expected commandName ${spec.commandName}, observed ${got.commandName}; ${listing()}`);
      }
      if (spec.databaseName !== undefined && spec.databaseName !== got.databaseName) {
        fail(at, `expected databaseName ${spec.databaseName}, observed ${got.databaseName} (${got.commandName})`);
      }
      if (spec.command !== undefined) matchOrFail(`${at} ${got.commandName} command`, spec.command, got.command, { entities });
      if (spec.reply !== undefined) matchOrFail(`${at} ${got.commandName} reply`, spec.reply, got.reply, { entities });
      if (spec.hasServiceId !== undefined && (got.serviceId != null) !== spec.hasServiceId) fail(at, `hasServiceId should be ${spec.hasServiceId}`);
      if (spec.hasServerConnectionId !== undefined && (got.serverConnectionId != null) !== spec.hasServerConnectionId) {
        fail(at, `hasServerConnectionId should be ${spec.hasServerConnectionId}`);
      }
    }
    if (actual.length < expected.length || (!ignoreExtra && actual.length > expected.length)) {
      fail(where, `expected ${expected.length} event(s)${ignoreExtra ? ' or more' : ''}, observed ${actual.length}; ${listing()}`);
    }
  });
}

/** Asserts one eventType: cmap group of expectEvents: the pool events in order, with the fields the test names. */
function checkExpectedCmapEvents(where: string, group: Document, entities: EntityMap): void {
  const actual = entities.get(String(group.client), 'client').cmapEvents;
  const expected = group.events as Document[];
  const listing = (): string => `expected [${expected.map((e) => Object.keys(e)[0]).join(', ')}], observed [${actual.map((e) => e.type).join(', ')}]`;
  expected.forEach((want, i) => {
    const [type] = Object.keys(want);
    const spec = want[type] as Document;
    const got = actual[i];
    const at = `${where} event #${i}`;
    if (!got) fail(at, `missing; ${listing()}`);
    if (got.type !== type) fail(at, `expected a ${type}, observed ${got.type}; ${listing()}`);
    if (spec.reason !== undefined && spec.reason !== got.reason) fail(at, `expected reason ${show(spec.reason)}, observed ${show(got.reason)}`);
    if (spec.hasServiceId !== undefined && (got.serviceId != null) !== spec.hasServiceId) fail(at, `hasServiceId should be ${spec.hasServiceId}`);
  });
  if (group.ignoreExtraEvents !== true && actual.length > expected.length) fail(where, `expected ${expected.length} event(s), observed ${actual.length}; ${listing()}`);
}

const MAJORITY = { writeConcern: { w: 'majority' } } as const;

async function setUpInitialData(internal: MongoClient, initialData: Document[]): Promise<void> {
  for (const data of initialData) {
    const db = internal.db(String(data.databaseName));
    const name = String(data.collectionName);
    try {
      await db.command({ drop: name, ...MAJORITY });
    } catch (err) {
      if ((err as { code?: number }).code !== 26) throw err;
    }
    const docs = (data.documents as Document[] | undefined) ?? [];
    if (data.createOptions !== undefined || docs.length === 0) {
      await db.command({ create: name, ...(data.createOptions as Document | undefined), ...MAJORITY });
    }
    if (docs.length > 0) await db.collection(name).insertMany(docs, MAJORITY);
  }
}

async function checkOutcome(internal: MongoClient, outcome: Document[]): Promise<void> {
  for (const data of outcome) {
    const ns = `${data.databaseName}.${data.collectionName}`;
    const actual = await internal
      .db(String(data.databaseName))
      .collection(String(data.collectionName))
      .find({}, { sort: { _id: 1 }, readPreference: 'primary', readConcern: { level: 'local' } })
      .toArray();
    // Collection data must match exactly (no extra fields anywhere), key order aside.
    matchOrFail(`outcome ${ns}`, data.documents, actual, { root: false, operators: false });
  }
}

interface Progress {
  step: string;
}

/**
 * Runs `list` in order. In withTransaction's callback (`propagate`), an operation's error still goes to the driver
 * after it was checked, as the unified format requires, so that withTransaction can act on it.
 */
async function runOperations(list: Document[], ctx: OperationContext, progress: Progress, propagate = false): Promise<void> {
  for (const [i, op] of list.entries()) {
    const name = String(op.name);
    const object = String(op.object);
    const args = (op.arguments as Document | undefined) ?? {};
    const where = `operation #${i} ${name} on ${object}`;
    progress.step = where;
    if (object === 'testRunner') {
      try {
        await runSpecialOperation(ctx, name, args);
      } catch (err) {
        if (err instanceof SpecAssertionError || err instanceof RunnerError) throw err;
        fail(where, `special operation failed: ${describeError(err)}`);
      }
      continue;
    }
    let result: Awaited<ReturnType<typeof runEntityOperation>> | undefined;
    let error: unknown;
    let threw = false;
    try {
      result = await runEntityOperation(ctx, name, object, args);
    } catch (err) {
      if (err instanceof RunnerError) throw err;
      threw = true;
      error = err;
    }
    if (op.ignoreResultAndError === true) {
      if (result?.entity && op.saveResultAsEntity) ctx.entities.set(String(op.saveResultAsEntity), result.entity);
      if (threw && propagate) throw error;
      continue;
    }
    if (op.expectError !== undefined) {
      if (!threw) fail(where, `expected an error, got result ${show(result?.value)}`);
      checkExpectedError(where, error, op.expectError as Document, ctx.entities);
      if (propagate) throw error;
      continue;
    }
    if (threw) fail(where, `unexpected error: ${describeError(error)}`);
    if (op.expectResult !== undefined) {
      matchOrFail(`${where}: expectResult`, op.expectResult, result!.value, { entities: ctx.entities, rootElements: result!.rootElements });
    }
    if (op.saveResultAsEntity !== undefined) {
      const id = String(op.saveResultAsEntity);
      if (result!.entity) ctx.entities.set(id, result!.entity);
      else if (result!.value === undefined) throw new RunnerError(`${where}: no result to save as ${id}`);
      else ctx.entities.set(id, { kind: 'bson', value: result!.value });
    }
  }
}

/** Turns every fail point a test enabled off, on every server (a client of several may have set it on any). */
async function disableFailPoints(servers: MongoClient[], failPoints: EnabledFailPoint[]): Promise<void> {
  while (failPoints.length > 0) {
    const fp = failPoints.pop()!;
    for (const server of servers) {
      await server
        .db('admin')
        .command({ configureFailPoint: fp.name, mode: 'off' })
        .catch(() => undefined);
    }
  }
}

/**
 * Runs test number `index` of a parsed file against `env`: initialData, createEntities, operations, expectEvents,
 * outcome. Rejects with a SpecAssertionError naming the first mismatch. Everything it opened is closed and every fail
 * point it enabled is turned off before it settles, also on failure or timeout.
 */
export async function runUnifiedTest(raw: string, index: number, env: SpecEnvironment, timeoutMS = DEFAULT_TEST_TIMEOUT_MS): Promise<void> {
  // Parse afresh: drivers mutate argument documents (insertOne adds _id), and no state may leak between tests.
  const file = EJSON.parse(raw, { relaxed: true }) as Document;
  const test = (file.tests as Document[])[index];
  const entities = new EntityMap();
  const failPoints: EnabledFailPoint[] = [];
  const progress: Progress = { step: 'initialData' };
  const ctx: OperationContext = {
    entities,
    internal: env.internal,
    failPoints,
    createEntities: (list) => entities.create(list, { uri: env.uri, singleUri: env.singleUri }),
    runOperations: (list) => runOperations(list, ctx, progress, true),
  };

  const body = async (): Promise<void> => {
    await setUpInitialData(env.internal, (file.initialData as Document[] | undefined) ?? []).catch((err) => {
      if (err instanceof SpecAssertionError) throw err;
      fail('initialData', `setup failed: ${describeError(err)}`);
    });
    progress.step = 'createEntities';
    await entities.create((file.createEntities as Document[] | undefined) ?? [], { uri: env.uri, singleUri: env.singleUri }).catch((err) => {
      if (err instanceof RunnerError) throw err;
      fail('createEntities', describeError(err));
    });
    await runOperations(test.operations as Document[], ctx, progress);
    entities.stopRecording();
    progress.step = 'disabling fail points';
    await disableFailPoints(env.servers, failPoints);
    if (test.expectEvents !== undefined) {
      progress.step = 'expectEvents';
      checkExpectedEvents(test.expectEvents as Document[], entities);
    }
    if (test.outcome !== undefined) {
      progress.step = 'outcome';
      await checkOutcome(env.internal, test.outcome as Document[]);
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const running = body();
  // If the timer wins, the body keeps running until closeAll() below makes its pending driver call fail.
  running.catch(() => undefined);
  try {
    await Promise.race([
      running,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new SpecAssertionError(`timed out after ${timeoutMS} ms during ${progress.step}`)), timeoutMS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    entities.stopRecording();
    await disableFailPoints(env.servers, failPoints);
    await entities.closeAll();
  }
}

// ---- defining node:test suites ---------------------------------------------------------------------------------

export interface SuiteOptions {
  /** Folder holding the spec files (see specPath). */
  dir: string;
  env: SpecEnvironment;
  /** Tests deliberately not run; test '*' skips a whole file. */
  skips?: readonly SkipEntry[];
  /** Timing-sensitive tests that get a second run when the first fails; test '*' covers a whole file. */
  retries?: readonly RetryEntry[];
  /** Only these file names (default: every .json in dir). */
  files?: readonly string[];
  timeoutMS?: number;
}

/**
 * Why a test does not run, by who decided it:
 * - `requirement`: its runOnRequirements exclude this server (version range, topology, ...): the test does not apply;
 * - `named`: the suite's skip table (a driver bug or missing feature, with the reason): applies but does not pass;
 * - `skipReason`: the spec file itself marks the test as skipped;
 * - `runner`: the test needs a unified-format feature this runner does not implement.
 * Only `requirement` skips leave the set of applicable tests; the others count as not passing.
 */
export interface SkipDecision {
  kind: 'requirement' | 'named' | 'skipReason' | 'runner';
  reason: string;
  /** For `requirement`: the kinds of the unmet requirements, e.g. ['version'] or ['topology']. */
  requirementKinds?: RequirementKind[];
}

/** One line of $SPEC_RESULTS_FILE. */
export interface RecordedResult {
  suite: string;
  file: string;
  test: string;
  status: 'pass' | 'fail' | 'skip';
  message?: string;
  /** For skips: SkipDecision.kind. */
  skipKind?: SkipDecision['kind'];
  /** For requirement skips: the kinds of the unmet requirements. */
  requirementKinds?: RequirementKind[];
  /** Set when the first run failed and the test ran again (RetryEntry); `status` is the second run's. */
  retried?: { firstFailure: string; reason: string };
}

/** How a test's runs went: `failure` is what decides a failed test; `retried` is set when it ran a second time. */
export interface RunOutcome {
  failure?: { error: unknown; message: string };
  retried?: { firstFailure: string; reason: string };
}

/**
 * Runs `attempt`; with a retry entry, runs it once more when the first run fails, and the second run decides.
 * `note` is told about the second run (node:test diagnostics show it under the test).
 */
export async function runWithRetry(attempt: () => Promise<void>, retry: RetryEntry | undefined, note: (line: string) => void): Promise<RunOutcome> {
  try {
    await attempt();
    return {};
  } catch (err) {
    if (!retry) return { failure: { error: err, message: errorMessage(err) } };
    const retried = { firstFailure: errorMessage(err), reason: retry.reason };
    note(`first run failed, running once more (${retry.reason}): ${retried.firstFailure}`);
    try {
      await attempt();
    } catch (again) {
      const message = `failed twice; second run: ${errorMessage(again)}; first run: ${retried.firstFailure}`;
      return { failure: { error: new SpecAssertionError(message, { cause: again }), message }, retried };
    }
    note('passed on the second run');
    return { retried };
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Appends one JSON line per test to $SPEC_RESULTS_FILE when set (scripts/test-spec.mjs reads them). */
function recordResult(entry: RecordedResult): void {
  const path = process.env.SPEC_RESULTS_FILE;
  if (!path) return;
  try {
    appendFileSync(path, `${JSON.stringify(entry)}\n`);
  } catch {
    // reporting is best effort
  }
}

/** Why and by whom `test` of `fileName` is skipped, or undefined when it runs. A skip-table entry wins. */
export function classifySkip(fileName: string, file: Document, test: Document, env: SpecEnvironment, skips: readonly SkipEntry[]): SkipDecision | undefined {
  const listed = skips.find((s) => s.file === fileName && (s.test === '*' || s.test === test.description));
  if (listed) return { kind: 'named', reason: listed.reason };
  if (typeof test.skipReason === 'string') return { kind: 'skipReason', reason: `skipReason: ${test.skipReason}` };
  for (const [level, reqs] of [['file ', file.runOnRequirements], ['', test.runOnRequirements]] as const) {
    const unmet = checkRequirements(reqs, env);
    if (unmet) {
      return {
        kind: 'requirement',
        reason: `${level}runOnRequirements not met: ${unmet.map((u) => u.message).join('; ')}`,
        requirementKinds: [...new Set(unmet.map((u) => u.kind))].sort(),
      };
    }
  }
  const limitation = runnerLimitation(file, test);
  return limitation === undefined ? undefined : { kind: 'runner', reason: limitation };
}

/** Why `test` of `fileName` is skipped, or undefined when it runs. */
export function skipReason(fileName: string, file: Document, test: Document, env: SpecEnvironment, skips: readonly SkipEntry[]): string | undefined {
  return classifySkip(fileName, file, test, env, skips)?.reason;
}

/** Defines one describe per spec file in `options.dir` and one it per test (it.skip with the reason when skipped). */
export function defineUnifiedSuite(options: SuiteOptions): void {
  const skips = options.skips ?? [];
  const retries = options.retries ?? [];
  const suite = basename(options.dir);
  const names = options.files ?? readdirSync(options.dir).filter((f) => f.endsWith('.json')).sort();
  const titles = new Map<string, Set<string>>();
  for (const name of names) {
    const raw = readFileSync(join(options.dir, name), 'utf8');
    const file = EJSON.parse(raw, { relaxed: true }) as Document;
    titles.set(name, new Set(((file.tests as Document[] | undefined) ?? []).map((t) => String(t.description))));
    describe(name, () => {
      const tests = (file.tests as Document[] | undefined) ?? [];
      tests.forEach((test, index) => {
        const title = String(test.description);
        if (!schemaSupported(String(file.schemaVersion))) {
          it(title, () => {
            recordResult({ suite, file: name, test: title, status: 'fail', message: `schemaVersion ${file.schemaVersion} unsupported` });
            throw new Error(`schemaVersion ${file.schemaVersion} is newer than ${SUPPORTED_SCHEMA_VERSION.join('.')}`);
          });
          return;
        }
        const skip = classifySkip(name, file, test, options.env, skips);
        if (skip !== undefined) {
          recordResult({ suite, file: name, test: title, status: 'skip', message: skip.reason, skipKind: skip.kind, requirementKinds: skip.requirementKinds });
          it(title, { skip: skip.reason }, () => undefined);
          return;
        }
        const timeout = options.timeoutMS ?? DEFAULT_TEST_TIMEOUT_MS;
        const retry = retries.find((r) => r.file === name && (r.test === '*' || r.test === title));
        it(title, { timeout: (timeout + 10_000) * (retry ? 2 : 1) }, async (t) => {
          const outcome = await runWithRetry(() => runUnifiedTest(raw, index, options.env, timeout), retry, (line) => t.diagnostic(line));
          const status = outcome.failure ? 'fail' : 'pass';
          recordResult({ suite, file: name, test: title, status, message: outcome.failure?.message, retried: outcome.retried });
          if (outcome.failure) throw outcome.failure.error;
        });
      });
    });
  }
  // A skip or retry entry that matches nothing does nothing and only misleads; the tables must follow the files.
  const stale = [...skips, ...retries].filter((s) => !titles.get(s.file) || (s.test !== '*' && !titles.get(s.file)!.has(s.test)));
  if (stale.length > 0 && !options.files) {
    it('skip and retry table entries name existing tests', () => {
      throw new Error(`stale skip or retry entries: ${stale.map((s) => `${s.file} / ${s.test}`).join('; ')}`);
    });
  }
}

/**
 * Defines the environment checks every spec suite starts with: the server must look like what the runner assumes
 * (a replica-set primary of rs0 with test commands), otherwise most of the suite would be skipped or fail obscurely.
 */
export function defineEnvironmentChecks(env: SpecEnvironment): void {
  describe('environment', () => {
    it(`hello describes a writable ${env.topology === 'sharded' ? 'router (mongos)' : 'replica-set primary'}`, () => {
      const h = env.hello;
      const problems: string[] = [];
      if (h.isWritablePrimary !== true) problems.push(`isWritablePrimary is ${show(h.isWritablePrimary)}`);
      if (env.topology === 'sharded') {
        if (h.msg !== 'isdbgrid') problems.push(`msg is ${show(h.msg)}`);
        for (const field of ['setName', 'hosts', 'primary', 'me', 'electionId']) if (h[field] !== undefined) problems.push(`a router has no ${field}`);
      } else {
        if (typeof h.setName !== 'string') problems.push('setName is missing');
        if (!Array.isArray(h.hosts) || h.hosts.length === 0) problems.push('hosts is missing');
      }
      if (typeof h.maxWireVersion !== 'number' || h.maxWireVersion < 9) problems.push(`maxWireVersion is ${show(h.maxWireVersion)}`);
      if (h.logicalSessionTimeoutMinutes === undefined) problems.push('logicalSessionTimeoutMinutes is missing');
      if (problems.length > 0) throw new SpecAssertionError(`hello: ${problems.join('; ')}`);
    });
    it('buildInfo has version and versionArray', () => {
      if (typeof env.buildInfo.version !== 'string' || !Array.isArray(env.buildInfo.versionArray)) {
        throw new SpecAssertionError(`buildInfo: version ${show(env.buildInfo.version)}, versionArray ${show(env.buildInfo.versionArray)}`);
      }
    });
  });
}
