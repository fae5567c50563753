export { ErrorCodes, codeNameFor, resumableChangeStreamCodes, nonResumableChangeStreamCodes, retryableErrorCodes } from './codes.js';
export type { ErrorCodeName } from './codes.js';
export { MongoServerError, mongoError, asServerError } from './command_error.js';
export { badEnumValueError, missingFieldError, unknownFieldError, validatorError, wrongBinDataTypeError, wrongTypeError } from './idl.js';
export { searchNotEnabled } from './search.js';
