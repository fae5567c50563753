/**
 * MongoDB's error codes and codeNames, as the server's error_codes.yml names them.
 * Location codes (assertion sites without a name) get the codeName `Location<code>`.
 */
export const ErrorCodes = {
  InternalError: 1,
  BadValue: 2,
  NoSuchKey: 4,
  HostUnreachable: 6,
  HostNotFound: 7,
  UnknownError: 8,
  FailedToParse: 9,
  Unauthorized: 13,
  TypeMismatch: 14,
  Overflow: 15,
  InvalidLength: 16,
  IllegalOperation: 20,
  EmptyArrayOperation: 21,
  InvalidBSON: 22,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  PathNotViable: 28,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NamespaceExists: 48,
  NoMatchingDocument: 47,
  DollarPrefixedFieldName: 52,
  InvalidIdField: 53,
  NotSingleValueField: 54,
  CommandNotFound: 59,
  ImmutableField: 66,
  CannotCreateIndex: 67,
  IndexAlreadyExists: 68,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  InvalidIndexSpecificationOption: 197,
  IndexKeySpecsConflict: 86,
  NetworkTimeout: 89,
  ShutdownInProgress: 91,
  OperationFailed: 96,
  ProtocolError: 17,
  MaxTimeMSExpired: 50,
  ConflictingOperationInProgress: 117,
  CommandNotSupported: 115,
  CommandNotSupportedOnView: 166,
  FailedToSatisfyReadPreference: 133,
  PrimarySteppedDown: 189,
  ElectionInProgress: 216,
  ChangeStreamFatalError: 280,
  ChangeStreamHistoryLost: 286,
  InvalidResumeToken: 260,
  RetryChangeStream: 234,
  CursorKilled: 237,
  ExceededTimeLimit: 262,
  ClientDisconnect: 279,
  ExceededMemoryLimit: 146,
  CappedPositionLost: 136,
  QueryPlanKilled: 175,
  InvalidPipelineOperator: 168,
  NoQueryExecutionPlans: 291,
  QueryExceededMemoryLimitNoDiskUseAllowed: 292,
  NoSuchTransaction: 251,
  TransactionTooOld: 225,
  SnapshotTooOld: 239,
  SnapshotUnavailable: 246,
  TransactionCommitted: 256,
  OperationNotSupportedInTransaction: 263,
  DBPathInUse: 98,
  BSONObjectTooLarge: 10334,
  SocketException: 9001,
  NotWritablePrimary: 10107,
  InterruptedAtShutdown: 11600,
  InterruptedDueToReplStateChange: 11602,
  NotPrimaryNoSecondaryOk: 13435,
  NotPrimaryOrSecondary: 13436,
  StaleEpoch: 150,
  StaleConfig: 13388,
  DuplicateKey: 11000,
  Interrupted: 11601,
  IndexBuildAborted: 276,
  BackgroundOperationInProgressForNamespace: 12587,
  UnknownReplWriteConcern: 79,
  UnsatisfiableWriteConcern: 100,
  WriteConflict: 112,
  NotImplemented: 238,
  SearchNotEnabled: 31082,
  APIStrictError: 323,
  InvalidUUID: 207,
  ClusterTimeFailsRateLimiter: 205,
  TooManyLogicalSessions: 261,
  FailPointSetFailed: 266,
  ZLibError: 147,
  IllegalOpMsgFlag: 223,
  MaxSubPipelineDepthExceeded: 232,
  TooManyDocumentSequences: 233,
  ChecksumMismatch: 288,
  DataCorruptionDetected: 301,
  OutOfDiskSpace: 14031,
  UnsupportedOpQueryCommand: 352,
  EmptyFieldName: 56,
  QueryFeatureNotAllowed: 224,
  ConversionFailure: 241,
  AuthenticationFailed: 18,
  UserNotFound: 11,
  RoleNotFound: 31,
  RoleDataInconsistent: 32,
  InvalidRoleModification: 49,
  MechanismUnavailable: 334,
  ReauthenticationRequired: 406,
  ClientMetadataCannotBeMutated: 186,
  UnsupportedFormat: 12,
  DocumentValidationFailure: 121,
  MergeStageNoMatchingDocument: 13113,
  IDLFailedToParse: 40414,
  IDLUnknownField: 40415,
  CannotBuildIndexKeys: 201,
} as const;

export type ErrorCodeName = keyof typeof ErrorCodes;

const namesByCode = new Map<number, string>(
  Object.entries(ErrorCodes).map(([name, code]) => [code, name]),
);

/** The codeName MongoDB reports for `code`: a named code, or `Location<code>` for assertion sites. */
export function codeNameFor(code: number): string {
  return namesByCode.get(code) ?? `Location${code}`;
}

/**
 * The RetriableError category of error_codes.yml (every NetworkError code is in it too). A retryable write that
 * fails with one of these, or whose writeConcernError has one, gets the RetryableWriteError label.
 */
export const retryableErrorCodes: ReadonlySet<number> = new Set([
  6, 7, 89, 91, 134, 189, 262, 317, 358, 384, 402, 406, 407, 412, 453, 462, 9001, 10107, 11600, 11602, 13435,
  13436, 50915, 91331, 10045600,
]);

/**
 * The RetriableError and NeedRetargettingError categories plus 234 and 133: an error with one of these on a
 * change-stream aggregate or getMore gets the ResumableChangeStreamError label (error_labels.cpp in the server).
 */
export const resumableChangeStreamCodes: ReadonlySet<number> = new Set([...retryableErrorCodes, 150, 13388, 234, 133]);

/** The NonResumableChangeStreamError category. */
export const nonResumableChangeStreamCodes: ReadonlySet<number> = new Set([280, 286]);
