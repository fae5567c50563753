/**
 * Arguments any command may carry besides its own (the generic arguments of MongoDB's IDL): commands that read
 * their remaining fields as names (getParameter, serverStatus sections) skip these.
 */
export const GENERIC_ARGUMENTS: ReadonlySet<string> = new Set([
  '$db', 'lsid', 'txnNumber', 'autocommit', 'startTransaction', '$clusterTime', '$readPreference', 'readConcern',
  'writeConcern', 'comment', 'maxTimeMS', 'apiVersion', 'apiStrict', 'apiDeprecationErrors', '$audit', '$client',
  '$configServerState', '$queryOptions', 'clientOperationKey', 'mayBypassWriteBlocking', 'databaseVersion',
  'shardVersion', 'readPreference',
]);
