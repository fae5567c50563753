import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codeNameFor, ErrorCodes, MongoServerError } from '../../../src/errors/index.js';

/**
 * (code, name) pairs copied from MongoDB's src/mongo/base/error_codes.yml, one for each code eddydb names. A name
 * or code in the table that is not here, or differs from here, fails the test: the table must follow the yml.
 */
const ERROR_CODES_YML: ReadonlyArray<readonly [number, string]> = [
  [1, 'InternalError'],
  [2, 'BadValue'],
  [4, 'NoSuchKey'],
  [6, 'HostUnreachable'],
  [7, 'HostNotFound'],
  [8, 'UnknownError'],
  [9, 'FailedToParse'],
  [11, 'UserNotFound'],
  [12, 'UnsupportedFormat'],
  [13, 'Unauthorized'],
  [14, 'TypeMismatch'],
  [15, 'Overflow'],
  [16, 'InvalidLength'],
  [17, 'ProtocolError'],
  [18, 'AuthenticationFailed'],
  [20, 'IllegalOperation'],
  [21, 'EmptyArrayOperation'],
  [22, 'InvalidBSON'],
  [26, 'NamespaceNotFound'],
  [27, 'IndexNotFound'],
  [28, 'PathNotViable'],
  [31, 'RoleNotFound'],
  [32, 'RoleDataInconsistent'],
  [40, 'ConflictingUpdateOperators'],
  [43, 'CursorNotFound'],
  [47, 'NoMatchingDocument'],
  [48, 'NamespaceExists'],
  [49, 'InvalidRoleModification'],
  [50, 'MaxTimeMSExpired'],
  [52, 'DollarPrefixedFieldName'],
  [53, 'InvalidIdField'],
  [54, 'NotSingleValueField'],
  [56, 'EmptyFieldName'],
  [59, 'CommandNotFound'],
  [66, 'ImmutableField'],
  [67, 'CannotCreateIndex'],
  [68, 'IndexAlreadyExists'],
  [72, 'InvalidOptions'],
  [73, 'InvalidNamespace'],
  [79, 'UnknownReplWriteConcern'],
  [100, 'UnsatisfiableWriteConcern'],
  [85, 'IndexOptionsConflict'],
  [86, 'IndexKeySpecsConflict'],
  [89, 'NetworkTimeout'],
  [91, 'ShutdownInProgress'],
  [96, 'OperationFailed'],
  [98, 'DBPathInUse'],
  [301, 'DataCorruptionDetected'],
  [334, 'MechanismUnavailable'],
  [406, 'ReauthenticationRequired'],
  [14031, 'OutOfDiskSpace'],
  [112, 'WriteConflict'],
  [115, 'CommandNotSupported'],
  [117, 'ConflictingOperationInProgress'],
  [121, 'DocumentValidationFailure'],
  [133, 'FailedToSatisfyReadPreference'],
  [146, 'ExceededMemoryLimit'],
  [136, 'CappedPositionLost'],
  [175, 'QueryPlanKilled'],
  [147, 'ZLibError'],
  [150, 'StaleEpoch'],
  [166, 'CommandNotSupportedOnView'],
  [168, 'InvalidPipelineOperator'],
  [186, 'ClientMetadataCannotBeMutated'],
  [189, 'PrimarySteppedDown'],
  [197, 'InvalidIndexSpecificationOption'],
  [205, 'ClusterTimeFailsRateLimiter'],
  [207, 'InvalidUUID'],
  [216, 'ElectionInProgress'],
  [223, 'IllegalOpMsgFlag'],
  [224, 'QueryFeatureNotAllowed'],
  [232, 'MaxSubPipelineDepthExceeded'],
  [233, 'TooManyDocumentSequences'],
  [234, 'RetryChangeStream'],
  [237, 'CursorKilled'],
  [238, 'NotImplemented'],
  [241, 'ConversionFailure'],
  [251, 'NoSuchTransaction'],
  [225, 'TransactionTooOld'],
  [239, 'SnapshotTooOld'],
  [246, 'SnapshotUnavailable'],
  [256, 'TransactionCommitted'],
  [263, 'OperationNotSupportedInTransaction'],
  [260, 'InvalidResumeToken'],
  [261, 'TooManyLogicalSessions'],
  [262, 'ExceededTimeLimit'],
  [266, 'FailPointSetFailed'],
  [276, 'IndexBuildAborted'],
  [279, 'ClientDisconnect'],
  [280, 'ChangeStreamFatalError'],
  [286, 'ChangeStreamHistoryLost'],
  [288, 'ChecksumMismatch'],
  [291, 'NoQueryExecutionPlans'],
  [292, 'QueryExceededMemoryLimitNoDiskUseAllowed'],
  [323, 'APIStrictError'],
  [352, 'UnsupportedOpQueryCommand'],
  [9001, 'SocketException'],
  [10107, 'NotWritablePrimary'],
  [10334, 'BSONObjectTooLarge'],
  [11000, 'DuplicateKey'],
  [11600, 'InterruptedAtShutdown'],
  [11601, 'Interrupted'],
  [11602, 'InterruptedDueToReplStateChange'],
  [12587, 'BackgroundOperationInProgressForNamespace'],
  [13113, 'MergeStageNoMatchingDocument'],
  [13388, 'StaleConfig'],
  [13435, 'NotPrimaryNoSecondaryOk'],
  [13436, 'NotPrimaryOrSecondary'],
  [31082, 'SearchNotEnabled'],
  [40414, 'IDLFailedToParse'],
  [40415, 'IDLUnknownField'],
];

const table = Object.entries(ErrorCodes) as [string, number][];

test('every code in the table has one name', () => {
  const seen = new Map<number, string>();
  const clashes: string[] = [];
  for (const [name, code] of table) {
    const other = seen.get(code);
    if (other !== undefined) clashes.push(`${code}: ${other} and ${name}`);
    seen.set(code, name);
  }
  assert.deepEqual(clashes, []);
});

test('every name in the table is unique, and so is every reference name', () => {
  assert.equal(new Set(table.map(([name]) => name)).size, table.length);
  assert.equal(new Set(ERROR_CODES_YML.map(([, name]) => name)).size, ERROR_CODES_YML.length);
  assert.equal(new Set(ERROR_CODES_YML.map(([code]) => code)).size, ERROR_CODES_YML.length);
});

test("each (code, name) pair is error_codes.yml's", () => {
  const reference = new Map(ERROR_CODES_YML.map(([code, name]) => [name, code]));
  const wrong = table.filter(([name, code]) => reference.get(name) !== code).map(([name, code]) => `${name}: ${code} (yml: ${reference.get(name) ?? 'no such name'})`);
  assert.deepEqual(wrong, []);
  const missing = ERROR_CODES_YML.filter(([, name]) => !(name in ErrorCodes)).map(([code, name]) => `${code} ${name}`);
  assert.deepEqual(missing, []);
});

test('codeNameFor: the yml name for a named code, Location<code> for an assertion site', () => {
  for (const [code, name] of ERROR_CODES_YML) assert.equal(codeNameFor(code), name);
  assert.equal(codeNameFor(31254), 'Location31254');
  assert.equal(new MongoServerError(96, 'x').codeName, 'OperationFailed');
  assert.equal(new MongoServerError(266, 'x').codeName, 'FailPointSetFailed');
  assert.equal(new MongoServerError(40415, 'x').codeName, 'IDLUnknownField');
});
