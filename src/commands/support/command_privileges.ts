import { documentToString } from '../../bson/format.js';
import { isDocument, isNumeric, toNumber, type Document } from '../../bson/types.js';
import type { Authorization } from '../../auth/authorization.js';
import type { Privilege, Resource, UserName } from '../../auth/privilege.js';
import { mongoError, type MongoServerError } from '../../errors/index.js';
import { allowedBy, type CommandRequirement } from './command_requirement.js';
import { pipelinePrivileges } from './pipeline_privileges.js';
import { USER_MANAGEMENT_REQUIREMENTS } from './user_management_privileges.js';

/**
 * What each command needs when access control is on, read from its command document as mongod's
 * checkAuthForOperation/doCheckAuthorization does, and the check itself with mongod's refusals: "Command <name>
 * requires authentication" before any user has authenticated, otherwise "not authorized on <db> to execute command
 * <the command as mongod prints it>", with passwords and SASL payloads printed as "xxx".
 */

export type { CommandRequirement } from './command_requirement.js';
export { changeStreamPrivileges, pipelinePrivileges } from './pipeline_privileges.js';

type RequirementOf = (cmd: Document, db: string) => CommandRequirement;

const NONE: CommandRequirement = { requiresAuth: false, privileges: [] };
const AUTHENTICATED: CommandRequirement = { requiresAuth: true, privileges: [] };

const noAuth: RequirementOf = () => NONE;
/** Being authenticated is enough; the command itself checks what it touches (a cursor's or an operation's owner). */
const authenticated: RequirementOf = () => AUTHENTICATED;
const needs = (privileges: Privilege[]): CommandRequirement => ({ requiresAuth: true, privileges });

/** The collection a command names in its first field, or its database when the value is not a collection name. */
function namespace(cmd: Document, name: string, db: string): Resource {
  const value = cmd[name];
  return { db, collection: typeof value === 'string' ? value : '' };
}

const onNamespace = (actions: string[]): RequirementOf => (cmd, db) => {
  const name = Object.keys(cmd)[0] ?? '';
  return needs([{ resource: namespace(cmd, name, db), actions }]);
};
const onDatabase = (actions: string[]): RequirementOf => (_cmd, db) => needs([{ resource: { db, collection: '' }, actions }]);
const onCluster = (actions: string[]): RequirementOf => () => needs([{ resource: { cluster: true }, actions }]);

/** A flag as mongod reads a bool field: true, or a number other than 0. */
function isTrue(value: unknown): boolean {
  return value === true || (isNumeric(value) && toNumber(value) !== 0);
}

const bypasses = (cmd: Document): boolean => isTrue(cmd.bypassDocumentValidation);

function withBypass(cmd: Document, actions: string[]): string[] {
  return bypasses(cmd) ? [...actions, 'bypassDocumentValidation'] : actions;
}

function insert(cmd: Document, db: string): CommandRequirement {
  return needs([{ resource: namespace(cmd, 'insert', db), actions: withBypass(cmd, ['insert']) }]);
}

function update(cmd: Document, db: string): CommandRequirement {
  const upsert = Array.isArray(cmd.updates) && cmd.updates.some((u) => isDocument(u) && isTrue(u.upsert));
  return needs([{ resource: namespace(cmd, 'update', db), actions: withBypass(cmd, upsert ? ['update', 'insert'] : ['update']) }]);
}

function deleteCommand(cmd: Document, db: string): CommandRequirement {
  return needs([{ resource: namespace(cmd, 'delete', db), actions: ['remove'] }]);
}

function findAndModify(cmd: Document, db: string): CommandRequirement {
  const actions = ['find'];
  if (cmd.update !== undefined) actions.push('update');
  if (isTrue(cmd.upsert)) actions.push('insert');
  if (isTrue(cmd.remove)) actions.push('remove');
  return needs([{ resource: namespace(cmd, Object.keys(cmd)[0] ?? 'findAndModify', db), actions: withBypass(cmd, actions) }]);
}

function aggregate(cmd: Document, db: string): CommandRequirement {
  const collection = typeof cmd.aggregate === 'string' ? cmd.aggregate : null;
  const bypass = bypasses(cmd);
  return {
    requiresAuth: true,
    privileges: pipelinePrivileges(db, collection, cmd.pipeline, bypass),
    allows: (authz) => authz.isAuthorizedFor(pipelinePrivileges(db, collection, cmd.pipeline, bypass, authz.userNames)),
  };
}

/** bulkWrite: on each namespace of `nsInfo`, the actions of the operations that name it. */
function bulkWrite(cmd: Document): CommandRequirement {
  const nsInfo = Array.isArray(cmd.nsInfo) ? cmd.nsInfo : [];
  const actions = nsInfo.map(() => new Set<string>());
  for (const op of Array.isArray(cmd.ops) ? cmd.ops : []) {
    if (!isDocument(op)) continue;
    const add = (key: string, ...names: string[]): void => {
      const index = isNumeric(op[key]) ? toNumber(op[key]) : NaN;
      if (Number.isInteger(index) && actions[index]) for (const n of names) actions[index]!.add(n);
    };
    if (op.insert !== undefined) add('insert', 'insert');
    if (op.update !== undefined) add('update', ...(isTrue(op.upsert) ? ['update', 'insert'] : ['update']));
    if (op.delete !== undefined) add('delete', 'remove');
  }
  const privileges: Privilege[] = [];
  nsInfo.forEach((entry, i) => {
    const ns = isDocument(entry) && typeof entry.ns === 'string' ? splitNamespace(entry.ns) : null;
    // Bypassing validation is asked of every namespace listed, used or not.
    const needed = withBypass(cmd, [...actions[i]!]);
    if (ns && needed.length > 0) privileges.push({ resource: { db: ns.db, collection: ns.collection }, actions: needed });
  });
  return needs(privileges);
}

function splitNamespace(ns: string): { db: string; collection: string } | null {
  const dot = ns.indexOf('.');
  if (dot <= 0 || dot === ns.length - 1) return null;
  return { db: ns.slice(0, dot), collection: ns.slice(dot + 1) };
}

/**
 * Defining a view on `viewOn` needs what an aggregation of its pipeline on its source needs, unless the user cannot
 * read the view anyway (then it learns nothing through it).
 */
function mayDefineView(authz: Authorization, view: Resource, db: string, viewOn: unknown, pipeline: unknown): boolean {
  if (!authz.isAuthorizedFor([{ resource: view, actions: ['find'] }])) return true;
  const source = typeof viewOn === 'string' ? viewOn : '';
  return authz.isAuthorizedFor(pipelinePrivileges(db, source, Array.isArray(pipeline) ? pipeline : []));
}

function create(cmd: Document, db: string): CommandRequirement {
  const target = namespace(cmd, 'create', db);
  const capped: Privilege[] = isTrue(cmd.capped) ? [{ resource: target, actions: ['convertToCapped'] }] : [];
  const privileges: Privilege[] = [...capped, { resource: target, actions: ['createCollection'] }];
  if (cmd.viewOn !== undefined) {
    return { requiresAuth: true, privileges, allows: (authz) => authz.isAuthorizedFor(privileges) && mayDefineView(authz, target, db, cmd.viewOn, cmd.pipeline) };
  }
  // A collection may also be created by whoever may insert into it.
  const byInsert: Privilege[] = [...capped, { resource: target, actions: ['insert'] }];
  return { requiresAuth: true, privileges, allows: (authz) => authz.isAuthorizedFor(privileges) || authz.isAuthorizedFor(byInsert) };
}

function collMod(cmd: Document, db: string): CommandRequirement {
  const target = namespace(cmd, 'collMod', db);
  const privileges: Privilege[] = [{ resource: target, actions: ['collMod'] }];
  const hasViewOn = cmd.viewOn !== undefined;
  if (hasViewOn !== (cmd.pipeline !== undefined)) {
    // Changing only one of them could expose more of the source, or read more through the old pipeline.
    const error: MongoServerError = mongoError('InvalidOptions', "Must specify both 'viewOn' and 'pipeline' when modifying a view and auth is enabled");
    return { requiresAuth: true, privileges, error };
  }
  if (!hasViewOn) return needs(privileges);
  return { requiresAuth: true, privileges, allows: (authz) => authz.isAuthorizedFor(privileges) && mayDefineView(authz, target, db, cmd.viewOn, cmd.pipeline) };
}

function isNormalCollection(ns: { db: string; collection: string }): boolean {
  return !ns.collection.startsWith('system.') && !(ns.db === 'local' && ns.collection.startsWith('replset.'));
}

function renameCollection(cmd: Document): CommandRequirement {
  const source = typeof cmd.renameCollection === 'string' ? splitNamespace(cmd.renameCollection) : null;
  const target = typeof cmd.to === 'string' ? splitNamespace(cmd.to) : null;
  if (!source || !target) return AUTHENTICATED;
  // A UUID (the target's expected identity) also drops the target.
  const dropTarget = cmd.dropTarget !== undefined && cmd.dropTarget !== null && cmd.dropTarget !== false && !(isNumeric(cmd.dropTarget) && toNumber(cmd.dropTarget) === 0);
  const src: Resource = source;
  const dst: Resource = target;
  const privileges: Privilege[] = [
    { resource: src, actions: ['find', 'dropCollection'] },
    { resource: dst, actions: dropTarget ? ['insert', 'createIndex', 'dropCollection'] : ['insert', 'createIndex'] },
  ];
  const sameDatabase = source.db === target.db && isNormalCollection(source) && isNormalCollection(target);
  return {
    requiresAuth: true,
    privileges,
    allows: (authz) => {
      if (sameDatabase && authz.isAuthorizedFor([{ resource: { db: source.db, collection: '' }, actions: ['renameCollectionSameDB'] }])) {
        const canDropTarget = !dropTarget || authz.isAuthorizedFor([{ resource: dst, actions: ['dropCollection'] }]);
        // Within a database, renaming may not give a user who cannot read the source a collection it can read.
        const canReadSource = authz.isAuthorizedFor([{ resource: src, actions: ['find'] }]);
        const canReadTarget = authz.isAuthorizedFor([{ resource: dst, actions: ['find'] }]);
        if (canDropTarget && (canReadSource || !canReadTarget)) return true;
      }
      return authz.isAuthorizedFor(privileges);
    },
  };
}

function explain(cmd: Document, db: string): CommandRequirement {
  const inner = cmd.explain;
  if (!isDocument(inner)) return AUTHENTICATED;
  const name = Object.keys(inner)[0];
  const of = name === undefined ? undefined : EXPLAINABLE[name];
  const requirement = of ? of(inner, db) : AUTHENTICATED;
  return { ...requirement, requiresAuth: true };
}

function listCollections(cmd: Document, db: string): CommandRequirement {
  const privileges: Privilege[] = [{ resource: { db, collection: '' }, actions: ['listCollections'] }];
  // Names of the collections a user has some privilege on need no listCollections (the command filters them).
  const ownOnly = isTrue(cmd.authorizedCollections) && isTrue(cmd.nameOnly);
  return {
    requiresAuth: true,
    privileges,
    allows: (authz) => (ownOnly && authz.isAuthorizedForAnyActionOnDatabase(db)) || authz.isAuthorizedFor(privileges),
  };
}

function profile(cmd: Document, db: string): CommandRequirement {
  const privileges: Privilege[] = [{ resource: { db, collection: '' }, actions: ['enableProfiler'] }];
  // Reading the settings (a negative level, nothing to change) only needs to read system.profile.
  const readOnly = isNumeric(cmd.profile) && toNumber(cmd.profile) < 0 && cmd.slowms === undefined && cmd.sampleRate === undefined && cmd.filter === undefined;
  const readProfile: Privilege[] = [{ resource: { db, collection: 'system.profile' }, actions: ['find'] }];
  return { requiresAuth: true, privileges, allows: (authz) => (readOnly && authz.isAuthorizedFor(readProfile)) || authz.isAuthorizedFor(privileges) };
}

function currentOp(cmd: Document): CommandRequirement {
  const privileges: Privilege[] = [{ resource: { cluster: true }, actions: ['inprog'] }];
  return { requiresAuth: true, privileges, allows: (authz) => authz.isAuthorizedFor(privileges) || (authz.isAuthenticated && isTrue(cmd.$ownOps)) };
}

function killOp(): CommandRequirement {
  const privileges: Privilege[] = [{ resource: { cluster: true }, actions: ['killop'] }];
  // Without killop a user may still kill its own operations, which killOp checks once it has found the operation.
  return { requiresAuth: true, privileges, allows: (authz) => authz.isAuthenticated };
}

const EXPLAINABLE: Readonly<Record<string, RequirementOf>> = {
  aggregate,
  count: onNamespace(['find']),
  delete: deleteCommand,
  distinct: onNamespace(['find']),
  find: onNamespace(['find']),
  findAndModify,
  findandmodify: findAndModify,
  update,
};

const REQUIREMENTS: Readonly<Record<string, RequirementOf>> = {
  abortTransaction: authenticated,
  aggregate,
  authenticate: noAuth,
  buildInfo: noAuth,
  bulkWrite,
  collMod,
  collStats: onNamespace(['collStats']),
  commitTransaction: authenticated,
  configureFailPoint: authenticated,
  connPoolStats: onCluster(['connPoolStats']),
  connectionStatus: noAuth,
  count: onNamespace(['find']),
  create,
  createIndexes: onNamespace(['createIndex']),
  createSearchIndexes: onNamespace(['createSearchIndexes']),
  currentOp,
  dbStats: onDatabase(['dbStats']),
  delete: deleteCommand,
  distinct: onNamespace(['find']),
  drop: onNamespace(['dropCollection']),
  dropDatabase: onDatabase(['dropDatabase']),
  dropIndexes: onNamespace(['dropIndex']),
  dropSearchIndex: onNamespace(['dropSearchIndex']),
  endSessions: authenticated,
  explain,
  find: onNamespace(['find']),
  findAndModify,
  fsync: onCluster(['fsync']),
  fsyncUnlock: onCluster(['unlock']),
  getCmdLineOpts: onCluster(['getCmdLineOpts']),
  getLog: onCluster(['getLog']),
  getMore: authenticated,
  getParameter: onCluster(['getParameter']),
  hello: noAuth,
  hostInfo: onCluster(['hostInfo']),
  insert,
  killAllSessions: onCluster(['killAnySession']),
  killAllSessionsByPattern: onCluster(['killAnySession']),
  killCursors: authenticated,
  killOp,
  killSessions: authenticated,
  listCollections,
  listCommands: noAuth,
  // Lists what the user may see when it may not list everything; the command itself decides (listDatabases.ts).
  listDatabases: authenticated,
  listIndexes: onNamespace(['listIndexes']),
  logout: noAuth,
  ping: noAuth,
  profile,
  refreshSessions: authenticated,
  renameCollection,
  replSetGetConfig: onCluster(['replSetGetConfig']),
  replSetGetStatus: onCluster(['replSetGetStatus']),
  saslContinue: noAuth,
  saslStart: noAuth,
  serverStatus: onCluster(['serverStatus']),
  setParameter: onCluster(['setParameter']),
  shutdown: onCluster(['shutdown']),
  startSession: authenticated,
  top: onCluster(['top']),
  update,
  updateSearchIndex: onNamespace(['updateSearchIndex']),
  validate: onNamespace(['validate']),
  waitForFailPoint: authenticated,
  whatsmyuri: authenticated,
  ...USER_MANAGEMENT_REQUIREMENTS,
};

/** Other spellings of command names, to the name mongod reports. */
const ALIASES: Readonly<Record<string, string>> = {
  buildinfo: 'buildInfo',
  collstats: 'collStats',
  dbstats: 'dbStats',
  deleteIndexes: 'dropIndexes',
  findandmodify: 'findAndModify',
  isMaster: 'hello',
  ismaster: 'hello',
};

function canonicalName(name: string): string {
  return Object.hasOwn(ALIASES, name) ? ALIASES[name]! : name;
}

/** A command missing from the table needs every action on every resource: only __system holds that. */
function unknownCommand(): CommandRequirement {
  return needs([{ resource: { anyResource: true }, actions: ['anyAction'] }]);
}

/** What running `cmd` (named `name`, on `db`) asks of the connection's users. */
export function commandRequirement(name: string, cmd: Document, db: string): CommandRequirement {
  const canonical = canonicalName(name);
  const of = Object.hasOwn(REQUIREMENTS, canonical) ? REQUIREMENTS[canonical]! : undefined;
  return of ? of(cmd, db) : unknownCommand();
}

/** True when the command is in the table (a test checks that every registered command is). */
export function hasCommandRequirement(name: string): boolean {
  return Object.hasOwn(REQUIREMENTS, canonicalName(name));
}

/** False for the commands a client may run before it authenticates (listCommands' `requiresAuth`). */
export function commandRequiresAuth(name: string): boolean {
  return commandRequirement(name, {}, 'admin').requiresAuth;
}

/**
 * The privileges `cmd` needs, for a cursor to keep so later getMores can be checked against them: for a find or
 * an aggregation, what reading its namespaces (or watching its change stream) takes. `self`, the users who ran it,
 * lets an aggregation listing their own sessions need nothing.
 */
export function requiredPrivilegesOf(name: string, cmd: Document, db: string, self?: readonly UserName[]): Privilege[] {
  if (canonicalName(name) === 'aggregate' && self) {
    return pipelinePrivileges(db, typeof cmd.aggregate === 'string' ? cmd.aggregate : null, cmd.pipeline, bypasses(cmd), self);
  }
  return commandRequirement(name, cmd, db).privileges;
}

/**
 * Throws unless the connection's users may run `cmd`: Unauthorized (13) "Command <name> requires authentication"
 * when no user has authenticated, or "not authorized on <db> to execute command <cmd>"; or the other refusal mongod
 * makes while checking (collMod's InvalidOptions). With no user authenticated, a command is still allowed when the
 * Authorization grants what it needs anyway: mongod's localhost exception, which lets the first user be created.
 */
export function checkCommandAuthorization(name: string, cmd: Document, db: string, authz: Authorization): void {
  const requirement = commandRequirement(name, cmd, db);
  if (!requirement.requiresAuth) return;
  const allowed = allowedBy(requirement, authz);
  if (!authz.isAuthenticated && !(allowed && hasRealRequirement(requirement))) {
    throw mongoError('Unauthorized', `Command ${canonicalName(name)} requires authentication`);
  }
  if (!allowed) throw notAuthorizedToExecute(name, cmd, db);
  if (requirement.error) throw requirement.error;
}

/**
 * mongod's refusal of a command the user may not run: what a command that finishes its own check later (killOp on
 * another user's operation) throws too, since mongod words every Unauthorized of a command's check so.
 */
export function notAuthorizedToExecute(name: string, cmd: Document, db: string): MongoServerError {
  return mongoError('Unauthorized', `not authorized on ${db} to execute command ${commandForMessage(cmd)}`);
}

function hasRealRequirement(requirement: CommandRequirement): boolean {
  return requirement.privileges.length > 0;
}

/** Fields whose values mongod prints as "xxx" in messages (its commands' sensitive fields). */
const SECRET_FIELDS: ReadonlySet<string> = new Set(['pwd', 'payload']);

/**
 * The arrays a driver sends as OP_MSG document sequences. mongod prints only the message's body; the wire layer
 * appends sequences after the body's fields, so after `$db`, which every body has.
 */
const SEQUENCE_FIELDS: ReadonlySet<string> = new Set(['documents', 'updates', 'deletes', 'ops', 'nsInfo']);

/** The printed command stays well inside a reply's 16 MiB, however large the request. */
const MAX_PRINTED_CHARS = 1024 * 1024;

/**
 * The command as mongod prints it in "not authorized" messages: its body, each secret field's value replaced with
 * "xxx" (every `pwd` and SASL `payload`, at the top level where those commands carry them).
 */
export function commandForMessage(cmd: Document): string {
  const printed: Document = {};
  let afterDb = false;
  for (const [key, value] of Object.entries(cmd)) {
    if (afterDb && SEQUENCE_FIELDS.has(key) && Array.isArray(value)) continue;
    printed[key] = SECRET_FIELDS.has(key) ? 'xxx' : value;
    if (key === '$db') afterDb = true;
  }
  const text = documentToString(printed);
  return text.length > MAX_PRINTED_CHARS ? `${text.slice(0, MAX_PRINTED_CHARS)}...` : text;
}
