/**
 * The entity map of the unified test format: clients (with their command-monitoring log), databases, collections,
 * sessions, change streams, cursors and saved BSON values, by unique name.
 * https://github.com/mongodb/specifications/blob/master/source/unified-test-format/unified-test-format.md#entity-map
 */
import {
  GridFSBucket,
  MongoClient,
  ReadPreference,
  type AbstractCursor,
  type ChangeStream,
  type ClientSession,
  type Collection,
  type CommandFailedEvent,
  type CommandStartedEvent,
  type CommandSucceededEvent,
  type Db,
  type Document,
  type MongoClientOptions,
} from 'mongodb';
import type { EntityLookup } from './matcher.js';

/** An error in the runner or the test file (unknown operation, missing entity): never matched by expectError. */
export class RunnerError extends Error {
  override name = 'RunnerError';
}

/** One observed command-monitoring event, reduced to what expectEvents can assert. */
export interface ObservedCommandEvent {
  type: 'commandStartedEvent' | 'commandSucceededEvent' | 'commandFailedEvent';
  commandName: string;
  databaseName: string;
  command?: Document;
  reply?: Document;
  failure?: unknown;
  serviceId?: unknown;
  serverConnectionId?: unknown;
}

/** Command names whose events are left out unless observeSensitiveCommands is set (command monitoring spec, Security). */
const SENSITIVE_COMMANDS = new Set([
  'authenticate',
  'saslstart',
  'saslcontinue',
  'getnonce',
  'createuser',
  'updateuser',
  'copydbgetnonce',
  'copydbsaslstart',
  'copydb',
]);
const HELLO_COMMANDS = new Set(['hello', 'ismaster']);

/** The connection-pool events a client entity may observe, by the driver event each comes from (CMAP spec, Events). */
export const CMAP_EVENTS: ReadonlyMap<string, string> = new Map([
  ['poolCreatedEvent', 'connectionPoolCreated'],
  ['poolReadyEvent', 'connectionPoolReady'],
  ['poolClearedEvent', 'connectionPoolCleared'],
  ['poolClosedEvent', 'connectionPoolClosed'],
  ['connectionCreatedEvent', 'connectionCreated'],
  ['connectionReadyEvent', 'connectionReady'],
  ['connectionClosedEvent', 'connectionClosed'],
  ['connectionCheckOutStartedEvent', 'connectionCheckOutStarted'],
  ['connectionCheckOutFailedEvent', 'connectionCheckOutFailed'],
  ['connectionCheckedOutEvent', 'connectionCheckedOut'],
  ['connectionCheckedInEvent', 'connectionCheckedIn'],
]);

/** One observed connection-pool event: its unified-format name and the fields an expectation may name. */
export interface ObservedCmapEvent {
  type: string;
  reason?: unknown;
  serviceId?: unknown;
}

/** A client entity: the driver's MongoClient plus the command events it observed. */
export class ClientEntity {
  readonly events: ObservedCommandEvent[] = [];
  readonly cmapEvents: ObservedCmapEvent[] = [];
  private recording = true;

  constructor(
    readonly id: string,
    readonly client: MongoClient,
    private readonly observe: ReadonlySet<string>,
    private readonly ignore: ReadonlySet<string>,
    private readonly observeSensitive: boolean,
  ) {
    for (const [type, driverEvent] of CMAP_EVENTS) {
      if (!observe.has(type)) continue;
      client.on(driverEvent as 'connectionReady', (ev: { reason?: unknown; serviceId?: unknown }) => {
        if (this.recording) this.cmapEvents.push({ type, reason: ev.reason, serviceId: ev.serviceId });
      });
    }
    client.on('commandStarted', (ev: CommandStartedEvent) =>
      this.record({
        type: 'commandStartedEvent',
        commandName: ev.commandName,
        databaseName: ev.databaseName,
        command: ev.command,
        serviceId: ev.serviceId,
        serverConnectionId: ev.serverConnectionId,
      }),
    );
    client.on('commandSucceeded', (ev: CommandSucceededEvent) =>
      this.record({
        type: 'commandSucceededEvent',
        commandName: ev.commandName,
        databaseName: (ev as { databaseName?: string }).databaseName ?? '',
        reply: ev.reply as Document,
        serviceId: ev.serviceId,
        serverConnectionId: ev.serverConnectionId,
      }),
    );
    client.on('commandFailed', (ev: CommandFailedEvent) =>
      this.record({
        type: 'commandFailedEvent',
        commandName: ev.commandName,
        databaseName: (ev as { databaseName?: string }).databaseName ?? '',
        failure: ev.failure,
        serviceId: ev.serviceId,
        serverConnectionId: ev.serverConnectionId,
      }),
    );
  }

  /** Called once the test's operations are done: later commands (killCursors on cleanup) are not part of the test. */
  stopRecording(): void {
    this.recording = false;
  }

  private record(ev: ObservedCommandEvent): void {
    if (!this.recording || !this.observe.has(ev.type)) return;
    const name = ev.commandName;
    // configureFailPoint issued by the failPoint operation is never observed (unified format, Executing a Test).
    if (name === 'configureFailPoint' || this.ignore.has(name)) return;
    if (!this.observeSensitive && this.isSensitive(ev)) return;
    this.events.push(ev);
  }

  private isSensitive(ev: ObservedCommandEvent): boolean {
    const lower = ev.commandName.toLowerCase();
    if (SENSITIVE_COMMANDS.has(lower)) return true;
    if (HELLO_COMMANDS.has(lower)) {
      // hello is sensitive only with speculativeAuthenticate; the driver then redacts it to {}.
      const doc = ev.command ?? ev.reply;
      return !doc || Object.keys(doc).length === 0 || 'speculativeAuthenticate' in doc;
    }
    return false;
  }
}

export type Entity =
  | { kind: 'client'; value: ClientEntity }
  | { kind: 'database'; value: Db }
  | { kind: 'collection'; value: Collection }
  | { kind: 'session'; value: ClientSession; lsid: Document }
  | { kind: 'changeStream'; value: ChangeStream }
  | { kind: 'cursor'; value: AbstractCursor }
  | { kind: 'bucket'; value: GridFSBucket }
  | { kind: 'bson'; value: unknown };

export type EntityKind = Entity['kind'];
type ValueOf<K extends EntityKind> = Extract<Entity, { kind: K }>['value'];

/** What entity creation needs from the test environment. */
export interface EntityEnvironment {
  /** The connection string every client entity starts from. */
  uri: string;
  /** The same naming one server only: for `useMultipleMongoses: false` (equal to `uri` with one server). */
  singleUri: string;
}

/** Runs `p` but gives up after `ms` (cleanup must never hang a suite). */
async function bounded(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([p.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The per-test entity map. Names are unique (a second set() with the same name throws); get() checks the kind.
 * closeAll() ends sessions, closes streams, cursors and clients, suppressing their errors.
 */
export class EntityMap implements EntityLookup {
  private readonly entities = new Map<string, Entity>();

  has(name: string): boolean {
    return this.entities.has(name);
  }

  set(name: string, entity: Entity): void {
    if (this.entities.has(name)) throw new RunnerError(`entity ${JSON.stringify(name)} already exists`);
    this.entities.set(name, entity);
  }

  /** The entity `name`, of any kind; throws when it does not exist. */
  entity(name: string): Entity {
    const e = this.entities.get(name);
    if (!e) throw new RunnerError(`no entity named ${JSON.stringify(name)}`);
    return e;
  }

  get<K extends EntityKind>(name: string, kind: K): ValueOf<K> {
    const e = this.entity(name);
    if (e.kind !== kind) throw new RunnerError(`entity ${JSON.stringify(name)} is a ${e.kind}, not a ${kind}`);
    return e.value as ValueOf<K>;
  }

  bsonEntity(name: string): unknown {
    return this.get(name, 'bson');
  }

  sessionLsid(name: string): unknown {
    const e = this.entity(name);
    if (e.kind !== 'session') throw new RunnerError(`entity ${JSON.stringify(name)} is a ${e.kind}, not a session`);
    return e.lsid;
  }

  clients(): ClientEntity[] {
    return [...this.entities.values()].filter((e): e is Extract<Entity, { kind: 'client' }> => e.kind === 'client').map((e) => e.value);
  }

  stopRecording(): void {
    for (const c of this.clients()) c.stopRecording();
  }

  /** Closes everything; never throws and never takes more than a few seconds. */
  async closeAll(): Promise<void> {
    const all = [...this.entities.values()];
    await Promise.all(
      all.map((e) => {
        if (e.kind === 'changeStream' || e.kind === 'cursor') return bounded(e.value.close(), 2000);
        return Promise.resolve();
      }),
    );
    await Promise.all(all.map((e) => (e.kind === 'session' ? bounded(e.value.endSession(), 2000) : Promise.resolve())));
    await Promise.all(all.map((e) => (e.kind === 'client' ? bounded(e.value.client.close(true), 3000) : Promise.resolve())));
    this.entities.clear();
  }

  /** Creates the entities of a createEntities list, in order. */
  async create(list: Document[], env: EntityEnvironment): Promise<void> {
    for (const item of list) {
      const keys = Object.keys(item);
      if (keys.length !== 1) throw new Error(`an entity must have exactly one key, got ${JSON.stringify(keys)}`);
      const kind = keys[0];
      const spec = item[kind] as Document;
      const id = String(spec.id);
      switch (kind) {
        case 'client':
          this.set(id, { kind: 'client', value: await createClient(id, spec, env) });
          break;
        case 'database': {
          const client = this.get(String(spec.client), 'client').client;
          this.set(id, { kind: 'database', value: client.db(String(spec.databaseName), convertCollectionOrDatabaseOptions(spec.databaseOptions)) });
          break;
        }
        case 'collection': {
          const db = this.get(String(spec.database), 'database');
          this.set(id, { kind: 'collection', value: db.collection(String(spec.collectionName), convertCollectionOrDatabaseOptions(spec.collectionOptions)) });
          break;
        }
        case 'session': {
          const client = this.get(String(spec.client), 'client').client;
          const session = client.startSession(convertSessionOptions(spec.sessionOptions));
          const lsid = session.id;
          if (!lsid) throw new Error(`session ${id} has no lsid`);
          this.set(id, { kind: 'session', value: session, lsid });
          break;
        }
        case 'bucket': {
          const db = this.get(String(spec.database), 'database');
          this.set(id, { kind: 'bucket', value: new GridFSBucket(db, convertCommonOptions((spec.bucketOptions as Document | undefined) ?? {})) });
          break;
        }
        default:
          throw new Error(`unsupported entity type ${JSON.stringify(kind)}`);
      }
    }
  }
}

const CLIENT_KEYS = new Set(['id', 'uriOptions', 'useMultipleMongoses', 'observeEvents', 'ignoreCommandMonitoringEvents', 'observeSensitiveCommands', 'serverApi']);

/** A URI option value as it is written in a connection string. */
function uriValue(v: unknown): string {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    return Object.entries(v as Document)
      .map(([k, x]) => `${k}:${String(x)}`)
      .join(',');
  }
  return String(v);
}

/** `base` with `options` applied: options override keys already in the query string. */
export function withUriOptions(base: string, options: Document | undefined): string {
  const q = base.indexOf('?');
  const prefix = q === -1 ? base : base.slice(0, q);
  const params: [string, string][] = q === -1 ? [] : base.slice(q + 1).split('&').filter(Boolean).map((kv) => {
    const i = kv.indexOf('=');
    return [decodeURIComponent(kv.slice(0, i)), decodeURIComponent(kv.slice(i + 1))];
  });
  for (const [key, value] of Object.entries(options ?? {})) {
    for (let i = params.length - 1; i >= 0; i--) if (params[i][0].toLowerCase() === key.toLowerCase()) params.splice(i, 1);
    // readPreferenceTags is an array of tag sets, one URI key each (unified format, entity client uriOptions).
    for (const one of key === 'readPreferenceTags' && Array.isArray(value) ? value : [value]) params.push([key, uriValue(one)]);
  }
  const query = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return query ? `${prefix.endsWith('/') ? prefix : `${prefix}/`}?${query}` : prefix;
}

async function createClient(id: string, spec: Document, env: EntityEnvironment): Promise<ClientEntity> {
  for (const key of Object.keys(spec)) {
    if (!CLIENT_KEYS.has(key)) throw new Error(`unsupported client entity option ${JSON.stringify(key)}`);
  }
  const uri = withUriOptions(spec.useMultipleMongoses === false ? env.singleUri : env.uri, spec.uriOptions as Document | undefined);
  const options: MongoClientOptions = { monitorCommands: true };
  if (spec.serverApi) options.serverApi = spec.serverApi as MongoClientOptions['serverApi'];
  const client = new MongoClient(uri, options);
  const observe = new Set<string>((spec.observeEvents as string[] | undefined) ?? []);
  for (const ev of observe) {
    if (ev !== 'commandStartedEvent' && ev !== 'commandSucceededEvent' && ev !== 'commandFailedEvent' && !CMAP_EVENTS.has(ev)) {
      throw new Error(`unsupported observeEvents entry ${JSON.stringify(ev)}`);
    }
  }
  const entity = new ClientEntity(id, client, observe, new Set((spec.ignoreCommandMonitoringEvents as string[] | undefined) ?? []), spec.observeSensitiveCommands === true);
  await client.connect();
  return entity;
}

/** readConcern / readPreference / writeConcern in the unified format's shape, as driver options. */
export function convertCommonOptions(options: Document): Document {
  const out: Document = { ...options };
  if (options.readPreference) out.readPreference = toReadPreference(options.readPreference as Document);
  if (options.writeConcern) out.writeConcern = toWriteConcern(options.writeConcern as Document);
  if (options.readConcern) out.readConcern = { ...(options.readConcern as Document) };
  return out;
}

function convertCollectionOrDatabaseOptions(options: unknown): Document | undefined {
  return options ? convertCommonOptions(options as Document) : undefined;
}

function convertSessionOptions(options: unknown): Document | undefined {
  if (!options) return undefined;
  const out = { ...(options as Document) };
  if (out.defaultTransactionOptions) out.defaultTransactionOptions = convertCommonOptions(out.defaultTransactionOptions as Document);
  return out;
}

export function toReadPreference(rp: Document): ReadPreference {
  const opts: Document = {};
  if (rp.maxStalenessSeconds !== undefined) opts.maxStalenessSeconds = rp.maxStalenessSeconds;
  if (rp.hedge !== undefined) opts.hedge = rp.hedge;
  return new ReadPreference(rp.mode as never, rp.tagSets as never, opts);
}

export function toWriteConcern(wc: Document): Document {
  const out: Document = {};
  if (wc.w !== undefined) out.w = wc.w;
  if (wc.journal !== undefined) out.journal = wc.journal;
  if (wc.wtimeoutMS !== undefined) out.wtimeoutMS = wc.wtimeoutMS;
  return out;
}
