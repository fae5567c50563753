import { ANY_ACTION, type Privilege, type Resource, type RoleName } from './privilege.js';

/**
 * mongod's built-in roles and the privileges each grants (its builtin_roles definitions for 8.0).
 * https://www.mongodb.com/docs/manual/reference/built-in-roles/
 *
 * The per-database roles (read, readWrite, dbAdmin, dbOwner, userAdmin, enableSharding) exist in every database and
 * grant privileges on that database; every other role exists only in `admin`: `readAnyDatabase@test` is no role at
 * all, so its grant is RoleNotFound. mongod's system.buckets patterns (time series buckets) have no Resource here and
 * are left out.
 */

/** One privilege of a role: `db` absent means the role's own database. */
type Grant =
  | { kind: 'database'; db?: string; actions: readonly string[] }
  | { kind: 'namespace'; db?: string; collection: string; actions: readonly string[] }
  | { kind: 'collectionName'; collection: string; actions: readonly string[] }
  | { kind: 'anyNormal'; actions: readonly string[] }
  | { kind: 'anyResource'; actions: readonly string[] }
  | { kind: 'cluster'; actions: readonly string[] };

interface RoleDefinition {
  adminOnly: boolean;
  /** Roles whose privileges this one includes: a name alone is in the same database. */
  roles: readonly (string | RoleName)[];
  grants: readonly Grant[];
}

const database = (actions: readonly string[], db?: string): Grant => ({ kind: 'database', db, actions });
const namespace = (collection: string, actions: readonly string[], db?: string): Grant => ({ kind: 'namespace', db, collection, actions });
const collectionName = (collection: string, actions: readonly string[]): Grant => ({ kind: 'collectionName', collection, actions });
const anyNormal = (actions: readonly string[]): Grant => ({ kind: 'anyNormal', actions });
const anyResource = (actions: readonly string[]): Grant => ({ kind: 'anyResource', actions });
const cluster = (actions: readonly string[]): Grant => ({ kind: 'cluster', actions });

const READ = [
  'changeStream', 'collStats', 'dbHash', 'dbStats', 'find', 'killCursors', 'listCollections', 'listIndexes',
  'listSearchIndexes', 'planCacheRead',
];
const READ_WRITE = [
  ...READ, 'cleanupStructuredEncryptionData', 'compactStructuredEncryptionData', 'convertToCapped', 'createCollection',
  'createIndex', 'createSearchIndexes', 'dropCollection', 'dropIndex', 'dropSearchIndex', 'insert', 'remove',
  'renameCollectionSameDB', 'update', 'updateSearchIndex',
];
const USER_ADMIN = [
  'changeCustomData', 'changePassword', 'createUser', 'createRole', 'dropUser', 'dropRole', 'grantRole', 'revokeRole',
  'setAuthenticationRestriction', 'viewUser', 'viewRole',
];
const DB_ADMIN = [
  'analyze', 'bypassDocumentValidation', 'collMod', 'collStats', 'compact', 'convertToCapped', 'createCollection',
  'dbStats', 'dropCollection', 'dropDatabase', 'dropIndex', 'dropSearchIndex', 'createIndex', 'createSearchIndexes',
  'enableProfiler', 'listCollections', 'listIndexes', 'listSearchIndexes', 'updateSearchIndex', 'planCacheIndexFilter',
  'planCacheRead', 'planCacheWrite', 'reIndex', 'renameCollectionSameDB', 'storageDetails', 'validate',
];
const PROFILE_COLLECTION = [...READ, 'convertToCapped', 'createCollection', 'dropCollection'];
const READ_AND_INDEXES = [...READ, 'createIndex', 'createSearchIndexes', 'dropIndex', 'dropSearchIndex'];
const CLUSTER_MONITOR_CLUSTER = [
  'connPoolStats', 'getCmdLineOpts', 'getDefaultRWConcern', 'getLog', 'getParameter', 'getShardMap', 'hostInfo',
  'listDatabases', 'listSampledQueries', 'listSessions', 'listShards', 'netstat', 'operationMetrics',
  'replSetGetConfig', 'replSetGetStatus', 'serverStatus', 'top', 'useUUID', 'inprog', 'shardingState',
  'allCollectionStats', 'shardedDataDistribution',
];
const CLUSTER_MONITOR_DATABASE = ['collStats', 'dbStats', 'getDatabaseVersion', 'getShardVersion', 'indexStats'];
const HOST_MANAGER_CLUSTER = [
  'applicationMessage', 'auditConfigure', 'connPoolSync', 'dropConnections', 'logRotate', 'oidReset', 'setParameter',
  'shutdown', 'touch', 'unlock', 'flushRouterConfig', 'fsync', 'invalidateUserCache', 'killAnyCursor',
  'killAnySession', 'killop', 'replSetResizeOplog', 'resync', 'trafficRecord', 'rotateCertificates', 'oidcListKeys',
  'oidcRefreshKeys',
];
const CLUSTER_MANAGER_CLUSTER = [
  'appendOplogNote', 'applicationMessage', 'replSetConfigure', 'replSetGetConfig', 'replSetGetStatus',
  'replSetStateChange', 'resync', 'addShard', 'removeShard', 'listSessions', 'listShards', 'flushRouterConfig',
  'cleanupOrphaned', 'getDefaultRWConcern', 'runTenantMigration', 'setDefaultRWConcern',
  'setFeatureCompatibilityVersion', 'setClusterParameter', 'getClusterParameter', 'setChangeStreamState',
  'getChangeStreamState', 'querySettings', 'queryStatsRead', 'queryStatsReadTransformed', 'checkMetadataConsistency',
  'transitionFromDedicatedConfigServer', 'transitionToDedicatedConfigServer',
];
const CLUSTER_MANAGER_DATABASE = [
  'analyzeShardKey', 'configureQueryAnalyzer', 'clearJumboFlag', 'splitChunk', 'moveChunk', 'moveCollection',
  'enableSharding', 'splitVector', 'refineCollectionShardKey', 'reshardCollection', 'unshardCollection',
];
const CLUSTER_MANAGER_WRITE = ['insert', 'update', 'remove'];
const RESTORE_WRITE = [
  'bypassDocumentValidation', 'collMod', 'convertToCapped', 'createCollection', 'createIndex', 'createSearchIndexes',
  'dropCollection', 'insert', 'updateSearchIndex',
];

const perDatabase = (grants: readonly Grant[], roles: readonly string[] = []): RoleDefinition => ({ adminOnly: false, roles, grants });
const inAdmin = (grants: readonly Grant[], roles: readonly (string | RoleName)[] = []): RoleDefinition => ({ adminOnly: true, roles, grants });

const ROLES: Readonly<Record<string, RoleDefinition>> = {
  read: perDatabase([database(READ), namespace('system.js', READ)]),
  readWrite: perDatabase([database(READ_WRITE), namespace('system.js', READ_WRITE)]),
  userAdmin: perDatabase([database(USER_ADMIN)]),
  dbAdmin: perDatabase([
    database(DB_ADMIN),
    database(['configureQueryAnalyzer']),
    namespace('system.profile', PROFILE_COLLECTION),
  ]),
  dbOwner: perDatabase([], ['readWrite', 'dbAdmin', 'userAdmin']),
  // Not admin-only in mongod either, and its privileges reach every database whatever database it is granted in.
  enableSharding: perDatabase([
    anyNormal(['analyzeShardKey', 'enableSharding', 'moveCollection', 'refineCollectionShardKey', 'reshardCollection', 'unshardCollection']),
  ]),
  readAnyDatabase: inAdmin([anyNormal(READ), cluster(['listDatabases']), collectionName('system.js', READ)]),
  readWriteAnyDatabase: inAdmin([anyNormal(READ_WRITE), collectionName('system.js', READ_WRITE)], ['readAnyDatabase']),
  userAdminAnyDatabase: inAdmin([
    anyNormal([...USER_ADMIN, 'listCachedAndActiveUsers']),
    database(USER_ADMIN, 'local'),
    database(USER_ADMIN, 'config'),
    cluster(['listDatabases', 'authSchemaUpgrade', 'invalidateUserCache', 'viewUser']),
    namespace('system.users', READ_AND_INDEXES, 'admin'),
    namespace('system.roles', READ_AND_INDEXES, 'admin'),
    collectionName('system.users', READ),
    namespace('system.version', READ, 'admin'),
    namespace('system.backup_users', READ, 'admin'),
  ]),
  dbAdminAnyDatabase: inAdmin([
    cluster(['listDatabases', 'applyOps']),
    anyNormal(DB_ADMIN),
    anyNormal(['configureQueryAnalyzer']),
    collectionName('system.profile', PROFILE_COLLECTION),
  ]),
  clusterMonitor: inAdmin(
    [
      cluster(CLUSTER_MONITOR_CLUSTER),
      anyNormal(CLUSTER_MONITOR_DATABASE),
      database(CLUSTER_MONITOR_DATABASE, 'config'),
      namespace('system.sessions', CLUSTER_MONITOR_DATABASE, 'config'),
      database(CLUSTER_MONITOR_DATABASE, 'local'),
      namespace('system.replset', ['find'], 'local'),
      namespace('replset.election', ['find'], 'local'),
      namespace('replset.minvalid', ['find'], 'local'),
      collectionName('system.profile', ['find']),
    ],
    [{ role: 'read', db: 'config' }, { role: 'read', db: 'local' }],
  ),
  hostManager: inAdmin([cluster(HOST_MANAGER_CLUSTER), anyNormal(['killCursors'])]),
  clusterManager: inAdmin(
    [
      cluster(CLUSTER_MANAGER_CLUSTER),
      anyNormal(CLUSTER_MANAGER_DATABASE),
      database(CLUSTER_MANAGER_DATABASE, 'config'),
      database(CLUSTER_MANAGER_DATABASE, 'local'),
      namespace('system.replset', READ, 'local'),
      anyResource(['dbCheck']),
      namespace('system.healthlog', READ, 'local'),
      database(CLUSTER_MANAGER_WRITE, 'config'),
      database(CLUSTER_MANAGER_WRITE, 'local'),
      namespace('replset.election', CLUSTER_MANAGER_WRITE, 'local'),
      namespace('replset.minvalid', CLUSTER_MANAGER_WRITE, 'local'),
    ],
    [{ role: 'read', db: 'config' }],
  ),
  clusterAdmin: inAdmin(
    [anyNormal(['dropDatabase']), anyResource(['importCollection', 'exportCollection'])],
    ['clusterMonitor', 'hostManager', 'clusterManager'],
  ),
  __queryableBackup: inAdmin([
    anyResource(['collStats', 'listCollections', 'listIndexes', 'listSearchIndexes']),
    anyNormal(['find']),
    cluster(['getParameter', 'listDatabases', 'useUUID']),
    database(['find'], 'config'),
    database(['find'], 'local'),
    namespace('replset.election', ['find'], 'local'),
    namespace('replset.minvalid', ['find'], 'local'),
    collectionName('system.js', ['find']),
    collectionName('system.users', ['find']),
    collectionName('system.profile', ['find']),
    namespace('system.backup_users', ['find'], 'admin'),
    namespace('system.roles', ['find'], 'admin'),
    namespace('system.version', ['find'], 'admin'),
    namespace('settings', ['find'], 'config'),
  ]),
  backup: inAdmin(
    [
      cluster(['appendOplogNote', 'serverStatus', 'setUserWriteBlockMode']),
      namespace('settings', ['insert', 'update'], 'config'),
    ],
    ['__queryableBackup'],
  ),
  restore: inAdmin([
    cluster(['getParameter', 'forceUUID', 'useUUID', 'bypassWriteBlockingMode', 'setUserWriteBlockMode', 'applyOps']),
    database(RESTORE_WRITE, 'local'),
    database(RESTORE_WRITE, 'config'),
    namespace('system.replset', RESTORE_WRITE, 'local'),
    namespace('replset.election', RESTORE_WRITE, 'local'),
    namespace('replset.minvalid', RESTORE_WRITE, 'local'),
    anyResource(['listCollections']),
    anyNormal([...RESTORE_WRITE, ...USER_ADMIN]),
    collectionName('system.js', RESTORE_WRITE),
    namespace('tempusers', ['find'], 'admin'),
    namespace('temproles', ['find'], 'admin'),
    namespace('system.backup_users', RESTORE_WRITE, 'admin'),
    namespace('system.version', [...RESTORE_WRITE, 'find'], 'admin'),
    collectionName('system.users', [...RESTORE_WRITE, 'find', 'update', 'remove']),
    namespace('system.roles', ['createIndex'], 'admin'),
  ]),
  root: inAdmin(
    [
      anyResource(['validate']),
      cluster(['bypassDefaultMaxTimeMS', 'useTenant']),
      namespace('system.preimages', ['find', 'remove'], 'config'),
      namespace('system.change_collection', ['find', 'insert', 'remove', 'update'], 'config'),
    ],
    ['clusterAdmin', 'userAdminAnyDatabase', 'dbAdminAnyDatabase', 'readWriteAnyDatabase', 'backup', 'restore', 'directShardOperations'],
  ),
  directShardOperations: inAdmin([cluster(['issueDirectShardOperations'])]),
  __system: inAdmin([anyResource([ANY_ACTION])]),
};

/**
 * Built-in roles exist only in databases that can exist; `$external`, which names users of external mechanisms and
 * holds no data, has none.
 */
function holdsBuiltinRoles(db: string): boolean {
  return db.length > 0 && db.length < 64 && !/[/\\. "\0]/.test(db) && db !== '$external';
}

function definitionOf(role: RoleName): RoleDefinition | undefined {
  if (!holdsBuiltinRoles(role.db) || !Object.hasOwn(ROLES, role.role)) return undefined;
  const definition = ROLES[role.role]!;
  return definition.adminOnly && role.db !== 'admin' ? undefined : definition;
}

/** True when `role` names a built-in role that exists in its database. */
export function isBuiltinRole(role: RoleName): boolean {
  return definitionOf(role) !== undefined;
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The built-in roles of a database, in byte order of their names (rolesInfo's `showBuiltinRoles`). */
export function builtinRoleNames(db: string): RoleName[] {
  if (!holdsBuiltinRoles(db)) return [];
  return Object.keys(ROLES)
    .filter((role) => db === 'admin' || !ROLES[role]!.adminOnly)
    .sort(compareBytes)
    .map((role) => ({ role, db }));
}

function grantResource(grant: Grant, roleDb: string): Resource {
  switch (grant.kind) {
    case 'database':
      return { db: grant.db ?? roleDb, collection: '' };
    case 'namespace':
      return { db: grant.db ?? roleDb, collection: grant.collection };
    case 'collectionName':
      return { db: '', collection: grant.collection };
    case 'anyNormal':
      return { db: '', collection: '' };
    case 'anyResource':
      return { anyResource: true };
    case 'cluster':
      return { cluster: true };
  }
}

function resourceKey(resource: Resource): string {
  if ('anyResource' in resource) return 'any';
  if ('cluster' in resource) return 'cluster';
  return `ns:${resource.db}\0${resource.collection}`;
}

function collect(role: RoleName, into: Map<string, { resource: Resource; actions: Set<string> }>): void {
  const definition = definitionOf(role)!;
  for (const grant of definition.grants) {
    const resource = grantResource(grant, role.db);
    const key = resourceKey(resource);
    let entry = into.get(key);
    if (!entry) into.set(key, (entry = { resource, actions: new Set() }));
    for (const action of grant.actions) entry.actions.add(action);
  }
  for (const sub of definition.roles) collect(typeof sub === 'string' ? { role: sub, db: role.db } : sub, into);
}

const cache = new Map<string, readonly Privilege[]>();

/**
 * The privileges a built-in role grants, those of the roles it includes merged in (one privilege per resource, its
 * actions sorted), or undefined when `role` is not a built-in role of its database.
 */
export function builtinRolePrivileges(role: RoleName): Privilege[] | undefined {
  if (!isBuiltinRole(role)) return undefined;
  const key = `${role.role}@${role.db}`;
  let privileges = cache.get(key);
  if (!privileges) {
    const merged = new Map<string, { resource: Resource; actions: Set<string> }>();
    collect(role, merged);
    privileges = [...merged.values()].map(({ resource, actions }) => ({ resource, actions: [...actions].sort(compareBytes) }));
    cache.set(key, privileges);
  }
  return privileges.map((p) => ({ resource: { ...p.resource }, actions: [...p.actions] }));
}
