// MongoDB 8.0's names, per category, as the manual lists them. Written down once, by hand, from the MongoDB 8.0
// manual's reference pages: "Aggregation Stages", "Aggregation Operators" (expression operators, accumulators and
// the $setWindowFields window operators), "Query and Projection Operators", "Update Operators", "Indexes" (index
// types) and "Database Commands". scripts/compatibility-table.mjs pairs each name with eddydb's state, read from
// eddydb's own registries, to generate the tables in docs/compatibility.md.

/** "Aggregation Stages": db.collection.aggregate() and db.aggregate() stages. */
export const STAGES = [
  '$addFields', '$bucket', '$bucketAuto', '$changeStream', '$changeStreamSplitLargeEvent', '$collStats', '$count',
  '$currentOp', '$densify', '$documents', '$facet', '$fill', '$geoNear', '$graphLookup', '$group', '$indexStats',
  '$limit', '$listLocalSessions', '$listSampledQueries', '$listSearchIndexes', '$listSessions', '$lookup', '$match',
  '$merge', '$out', '$planCacheStats', '$project', '$querySettings', '$queryStats', '$redact', '$replaceRoot',
  '$replaceWith', '$sample', '$search', '$searchMeta', '$set', '$setWindowFields', '$shardedDataDistribution',
  '$skip', '$sort', '$sortByCount', '$unionWith', '$unset', '$unwind', '$vectorSearch',
];

/** "Aggregation Operators": the expression operators, grouped as the manual groups them. */
export const EXPRESSION_OPERATORS = {
  Arithmetic: [
    '$abs', '$add', '$ceil', '$divide', '$exp', '$floor', '$ln', '$log', '$log10', '$mod', '$multiply', '$pow',
    '$round', '$sqrt', '$subtract', '$trunc',
  ],
  Array: [
    '$arrayElemAt', '$arrayToObject', '$concatArrays', '$filter', '$first', '$firstN', '$in', '$indexOfArray',
    '$isArray', '$last', '$lastN', '$map', '$maxN', '$minN', '$objectToArray', '$range', '$reduce', '$reverseArray',
    '$size', '$slice', '$sortArray', '$zip',
  ],
  Bitwise: ['$bitAnd', '$bitNot', '$bitOr', '$bitXor'],
  Boolean: ['$and', '$not', '$or'],
  Comparison: ['$cmp', '$eq', '$gt', '$gte', '$lt', '$lte', '$ne'],
  Conditional: ['$cond', '$ifNull', '$switch'],
  'Custom aggregation': ['$accumulator', '$function'],
  'Data size': ['$binarySize', '$bsonSize'],
  Date: [
    '$dateAdd', '$dateDiff', '$dateFromParts', '$dateFromString', '$dateSubtract', '$dateToParts', '$dateToString',
    '$dateTrunc', '$dayOfMonth', '$dayOfWeek', '$dayOfYear', '$hour', '$isoDayOfWeek', '$isoWeek', '$isoWeekYear',
    '$millisecond', '$minute', '$month', '$second', '$toDate', '$week', '$year',
  ],
  Literal: ['$literal'],
  Miscellaneous: ['$getField', '$rand', '$sampleRate', '$toHashedIndexKey'],
  Object: ['$mergeObjects', '$setField', '$unsetField'],
  Set: [
    '$allElementsTrue', '$anyElementTrue', '$setDifference', '$setEquals', '$setIntersection', '$setIsSubset',
    '$setUnion',
  ],
  String: [
    '$concat', '$indexOfBytes', '$indexOfCP', '$ltrim', '$regexFind', '$regexFindAll', '$regexMatch', '$replaceAll',
    '$replaceOne', '$rtrim', '$split', '$strcasecmp', '$strLenBytes', '$strLenCP', '$substr', '$substrBytes',
    '$substrCP', '$toLower', '$toUpper', '$trim',
  ],
  'Text search': ['$meta'],
  Timestamp: ['$tsIncrement', '$tsSecond'],
  Trigonometry: [
    '$acos', '$acosh', '$asin', '$asinh', '$atan', '$atan2', '$atanh', '$cos', '$cosh', '$degreesToRadians',
    '$radiansToDegrees', '$sin', '$sinh', '$tan', '$tanh',
  ],
  Type: [
    '$convert', '$isNumber', '$toBool', '$toDecimal', '$toDouble', '$toInt', '$toLong', '$toObjectId', '$toString',
    '$toUUID',
    '$type',
  ],
  'Accumulators in expressions': ['$avg', '$max', '$median', '$min', '$percentile', '$stdDevPop', '$stdDevSamp', '$sum'],
  Variable: ['$let'],
};

/** "Aggregation Operators", accumulators: what $group (and $bucket, $bucketAuto) accept. */
export const ACCUMULATORS = [
  '$accumulator', '$addToSet', '$avg', '$bottom', '$bottomN', '$count', '$first', '$firstN', '$last', '$lastN',
  '$max', '$maxN', '$median', '$mergeObjects', '$min', '$minN', '$percentile', '$push', '$stdDevPop', '$stdDevSamp',
  '$sum', '$top', '$topN',
];

/** "$setWindowFields", window operators. */
export const WINDOW_FUNCTIONS = [
  '$addToSet', '$avg', '$bottom', '$bottomN', '$count', '$covariancePop', '$covarianceSamp', '$denseRank',
  '$derivative', '$documentNumber', '$expMovingAvg', '$first', '$firstN', '$integral', '$last', '$lastN',
  '$linearFill', '$locf', '$max', '$maxN', '$median', '$min', '$minN', '$percentile', '$push', '$rank', '$shift',
  '$stdDevPop', '$stdDevSamp', '$sum', '$top', '$topN',
];

/** "Query and Projection Operators": the query (filter) operators, grouped as the manual groups them. */
export const QUERY_OPERATORS = {
  Comparison: ['$eq', '$gt', '$gte', '$in', '$lt', '$lte', '$ne', '$nin'],
  Logical: ['$and', '$not', '$nor', '$or'],
  Element: ['$exists', '$type'],
  Evaluation: ['$expr', '$jsonSchema', '$mod', '$regex', '$text', '$where'],
  Geospatial: ['$geoIntersects', '$geoWithin', '$near', '$nearSphere'],
  Array: ['$all', '$elemMatch', '$size'],
  Bitwise: ['$bitsAllClear', '$bitsAllSet', '$bitsAnyClear', '$bitsAnySet'],
  Miscellaneous: ['$comment'],
};

/** "Update Operators": fields, arrays and bitwise (the positional operators and modifiers are not listed). */
export const UPDATE_OPERATORS = [
  '$addToSet', '$bit', '$currentDate', '$inc', '$max', '$min', '$mul', '$pop', '$pull', '$pullAll', '$push',
  '$rename', '$set', '$setOnInsert', '$unset',
];

/** "Indexes", index types: each with a key pattern createIndexes would be sent. */
export const INDEX_TYPES = [
  { type: 'single field', key: { a: 1 } },
  { type: 'compound', key: { a: 1, b: -1 } },
  { type: 'hashed', key: { a: 'hashed' } },
  { type: 'wildcard', key: { '$**': 1 } },
  { type: 'text', key: { a: 'text' } },
  { type: '2dsphere', key: { a: '2dsphere' } },
  { type: '2d', key: { a: '2d' } },
];

/** "Database Commands", grouped as the manual groups them. */
export const COMMANDS = {
  Aggregation: ['aggregate', 'count', 'distinct', 'mapReduce'],
  'Query and write operations': ['bulkWrite', 'delete', 'find', 'findAndModify', 'getMore', 'insert', 'update'],
  'Query plan cache': ['planCacheClear', 'planCacheClearFilters', 'planCacheListFilters', 'planCacheSetFilter'],
  Authentication: ['authenticate', 'logout'],
  'User management': [
    'createUser', 'dropAllUsersFromDatabase', 'dropUser', 'grantRolesToUser', 'revokeRolesFromUser', 'updateUser',
    'usersInfo',
  ],
  'Role management': [
    'createRole', 'dropAllRolesFromDatabase', 'dropRole', 'grantPrivilegesToRole', 'grantRolesToRole',
    'invalidateUserCache', 'revokePrivilegesFromRole', 'revokeRolesFromRole', 'rolesInfo', 'updateRole',
  ],
  Replication: [
    'appendOplogNote', 'applyOps', 'hello', 'replSetAbortPrimaryCatchUp', 'replSetFreeze', 'replSetGetConfig',
    'replSetGetStatus', 'replSetInitiate', 'replSetMaintenance', 'replSetReconfig', 'replSetResizeOplog',
    'replSetStepDown', 'replSetSyncFrom',
  ],
  Sharding: [
    'abortMoveCollection', 'abortReshardCollection', 'abortUnshardCollection', 'addShard', 'addShardToZone',
    'analyzeShardKey', 'balancerCollectionStatus', 'balancerStart', 'balancerStatus', 'balancerStop',
    'checkMetadataConsistency', 'cleanupOrphaned', 'clearJumboFlag', 'commitReshardCollection',
    'configureCollectionBalancing', 'configureQueryAnalyzer', 'enableSharding', 'flushRouterConfig',
    'getShardMap', 'isdbgrid', 'listShards', 'mergeAllChunksOnShard', 'mergeChunks', 'moveChunk', 'moveCollection',
    'movePrimary', 'moveRange', 'refineCollectionShardKey', 'removeShard', 'removeShardFromZone',
    'reshardCollection', 'setAllowMigrations', 'shardCollection', 'shardingState', 'split',
    'transitionFromDedicatedConfigServer', 'transitionToDedicatedConfigServer', 'unshardCollection',
    'updateZoneKeyRange',
  ],
  Sessions: [
    'abortTransaction', 'commitTransaction', 'endSessions', 'killAllSessions', 'killAllSessionsByPattern',
    'killSessions', 'refreshSessions', 'startSession',
  ],
  Administration: [
    'autoCompact', 'cloneCollectionAsCapped', 'collMod', 'compact', 'compactStructuredEncryptionData',
    'convertToCapped', 'create', 'createIndexes', 'currentOp', 'drop', 'dropConnections', 'dropDatabase',
    'dropIndexes', 'filemd5', 'fsync', 'fsyncUnlock', 'getAuditConfig', 'getClusterParameter', 'getDefaultRWConcern',
    'getParameter', 'killCursors', 'killOp', 'listCollections', 'listDatabases', 'listIndexes', 'logRotate',
    'reIndex', 'renameCollection', 'rotateCertificates', 'setAuditConfig', 'setClusterParameter',
    'setDefaultRWConcern', 'setFeatureCompatibilityVersion', 'setIndexCommitQuorum', 'setParameter',
    'setUserWriteBlockMode', 'shutdown',
  ],
  Diagnostic: [
    'buildInfo', 'collStats', 'connPoolStats', 'connectionStatus', 'dataSize', 'dbHash', 'dbStats', 'explain',
    'getCmdLineOpts', 'getLog', 'hostInfo', 'listCommands', 'lockInfo', 'ping', 'profile', 'serverStatus', 'top',
    'validate', 'validateDBMetadata', 'whatsmyuri',
  ],
  Auditing: ['logApplicationMessage'],
  'Atlas Search': ['createSearchIndexes', 'dropSearchIndex', 'updateSearchIndex'],
};
