export { ErrorCodes, codeNameFor, resumableChangeStreamCodes, nonResumableChangeStreamCodes } from './codes.js';
export type { ErrorCodeName } from './codes.js';
export { MongoServerError, mongoError, asServerError } from './command_error.js';
