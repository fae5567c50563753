import { bsonTypeOf, isDocument } from '../../bson/index.js';
import { mongoError, MongoServerError, unknownFieldError, wrongTypeError } from '../../errors/index.js';
import type { StageParser } from './types.js';

/** A parsed `$listLocalSessions` specification: every session, or those of the given users. */
export interface ListLocalSessionsSpec {
  allUsers: boolean;
  /** `user@db` names; without access control every session belongs to the user with empty name and database. */
  users: string[];
}

/**
 * Parses `{$listLocalSessions: {allUsers?: bool, users?: [{user, db}]}}`
 * (https://www.mongodb.com/docs/manual/reference/operator/aggregation/listLocalSessions/). An empty spec means the
 * current user, which without access control is every session.
 *
 * @throws MongoServerError TypeMismatch (14) for a non-document spec or wrongly typed fields; 40415 for an unknown
 *   field; UnsupportedFormat (12) for allUsers together with users.
 */
export function parseListLocalSessionsSpec(spec: unknown): ListLocalSessionsSpec {
  if (!isDocument(spec)) {
    throw mongoError('TypeMismatch', `$listLocalSessions options must be specified in an object, but found: ${bsonTypeOf(spec)}`);
  }
  let allUsers = false;
  const users: string[] = [];
  for (const [key, value] of Object.entries(spec)) {
    if (key === 'allUsers') {
      if (typeof value !== 'boolean') throw wrongTypeError('$listLocalSessions.allUsers', bsonTypeOf(value), 'bool');
      allUsers = value;
    } else if (key === 'users') {
      if (!Array.isArray(value)) throw wrongTypeError('$listLocalSessions.users', bsonTypeOf(value), 'array');
      for (const u of value) {
        if (!isDocument(u) || typeof u.user !== 'string' || typeof u.db !== 'string') {
          throw mongoError('TypeMismatch', "BSON field '$listLocalSessions.users' must hold documents {user: <string>, db: <string>}");
        }
        users.push(`${u.user}@${u.db}`);
      }
    } else {
      throw unknownFieldError(`$listLocalSessions.${key}`);
    }
  }
  if (allUsers && users.length > 0) {
    throw new MongoServerError(12, '$listLocalSessions may not specify {allUsers:true} and {users:[...]} at the same time');
  }
  // The implicit request is for the logged-in user; without access control that is the nameless user.
  if (!allUsers && users.length === 0) users.push('@');
  return { allUsers, users };
}

/**
 * The registry's entry: the engine reads the session cache for a leading `$listLocalSessions` and removes it before
 * compiling, so reaching this parser means the stage was not first.
 */
export const parseListLocalSessions: StageParser = () => {
  throw new MongoServerError(40602, '$listLocalSessions is only valid as the first stage in a pipeline');
};
