import { mongoError } from '../errors/index.js';

/**
 * Every action name mongod 8.0 knows (its ActionType enum): what createRole, updateRole and grantPrivilegesToRole
 * accept in a privilege's `actions`. Some are only names for audit events, but mongod accepts them all.
 * https://www.mongodb.com/docs/manual/reference/privilege-actions/
 */
export const ACTION_TYPES: readonly string[] = [
  'addShard', 'advanceClusterTime', 'allCollectionStats', 'analyze', 'analyzeShardKey', 'anyAction',
  'appendOplogNote', 'applicationMessage', 'applyOps', 'auditConfigure', 'auditLogRotate', 'authCheck',
  'authenticate', 'authSchemaUpgrade', 'bypassDefaultMaxTimeMS', 'bypassDocumentValidation',
  'bypassWriteBlockingMode', 'changeCustomData', 'changeOwnCustomData', 'changeOwnPassword', 'changePassword',
  'changeStream', 'checkFreeMonitoringStatus', 'checkMetadataConsistency', 'cleanupOrphaned',
  'cleanupStructuredEncryptionData', 'clearJumboFlag', 'closeAllDatabases', 'collMod', 'collStats', 'compact',
  'compactStructuredEncryptionData', 'configureQueryAnalyzer', 'connPoolStats', 'connPoolSync', 'convertToCapped',
  'cpuProfiler', 'createCollection', 'createDatabase', 'createIndex', 'createRole', 'createSearchIndexes',
  'createUser', 'dbCheck', 'dbHash', 'dbStats', 'dropAllRolesFromDatabase', 'dropAllUsersFromDatabase',
  'dropCollection', 'dropConnections', 'dropDatabase', 'dropIndex', 'dropRole', 'dropSearchIndex', 'dropUser',
  'emptycapped', 'enableProfiler', 'enableSharding', 'exportCollection', 'find', 'flushRouterConfig', 'forceUUID',
  'fsync', 'fsyncUnlock', 'getChangeStreamState', 'getClusterParameter', 'getCmdLineOpts', 'getDatabaseVersion',
  'getDefaultRWConcern', 'getLog', 'getParameter', 'getShardMap', 'getShardVersion', 'grantPrivilegesToRole',
  'grantRole', 'grantRolesToRole', 'grantRolesToUser', 'hostInfo', 'impersonate', 'importCollection', 'indexStats',
  'inprog', 'insert', 'internal', 'invalidateUserCache', 'issueDirectShardOperations', 'killAnyCursor',
  'killAnySession', 'killCursors', 'killop', 'listCachedAndActiveUsers', 'listCollections', 'listCursors',
  'listDatabases', 'listIndexes', 'listSampledQueries', 'listSearchIndexes', 'listSessions', 'listShards',
  'logRotate', 'moveChunk', 'moveCollection', 'netstat', 'oidcListKeys', 'oidcRefreshKeys', 'oidReset',
  'operationMetrics', 'planCacheIndexFilter', 'planCacheRead', 'planCacheWrite', 'querySettings', 'queryStatsRead',
  'queryStatsReadTransformed', 'refineCollectionShardKey', 'reIndex', 'remove', 'removeShard', 'renameCollection',
  'renameCollectionSameDB', 'repairDatabase', 'replSetConfigure', 'replSetGetConfig', 'replSetGetStatus',
  'replSetHeartbeat', 'replSetReconfig', 'replSetResizeOplog', 'replSetStateChange', 'reshardCollection', 'resync',
  'revokePrivilegesFromRole', 'revokeRole', 'revokeRolesFromRole', 'revokeRolesFromUser', 'rotateCertificates',
  'runAsLessPrivilegedUser', 'runTenantMigration', 'serverStatus', 'setAuthenticationRestriction',
  'setChangeStreamState', 'setClusterParameter', 'setDefaultRWConcern', 'setFeatureCompatibilityVersion',
  'setFreeMonitoring', 'setParameter', 'setUserWriteBlockMode', 'shardCollection', 'shardedDataDistribution',
  'shardingState', 'shutdown', 'splitChunk', 'splitVector', 'storageDetails', 'top', 'touch', 'trafficRecord',
  'transitionFromDedicatedConfigServer', 'transitionToDedicatedConfigServer', 'unlock', 'unshardCollection',
  'update', 'updateRole', 'updateSearchIndex', 'updateUser', 'useTenant', 'useUUID', 'validate', 'viewRole',
  'viewUser',
];

const KNOWN: ReadonlySet<string> = new Set(ACTION_TYPES);

export function isActionType(name: string): boolean {
  return KNOWN.has(name);
}

/**
 * Refuses a privilege's actions that name no action, as mongod's user management commands do: BadValue naming
 * each unknown action once, in byte order ("Unknown action type in privilege set: 'a'", "Unknown action types in
 * privilege set: 'a', 'b'").
 */
export function checkActionTypes(actions: readonly string[]): void {
  const unknown = [...new Set(actions.filter((a) => !KNOWN.has(a)))].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  if (unknown.length === 0) return;
  const plural = unknown.length > 1 ? 's' : '';
  throw mongoError('BadValue', `Unknown action type${plural} in privilege set: ${unknown.map((a) => `'${a}'`).join(', ')}`);
}
