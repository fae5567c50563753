import { mongoError, type MongoServerError } from '../errors/index.js';

/**
 * ChangeStreamHistoryLost (286): the oplog no longer reaches back to where the stream must start or continue. It is
 * in the NonResumableChangeStreamError category, so the label tells a driver that resuming cannot help.
 */
export function changeStreamHistoryLost(): MongoServerError {
  return mongoError('ChangeStreamHistoryLost', 'Resume of change stream was not possible, as the resume point may no longer be in the oplog.', {
    labels: ['NonResumableChangeStreamError'],
  });
}
