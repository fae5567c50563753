import { bsonTypeOf, isDocument } from '../../bson/index.js';
import { mongoError, MongoServerError, unknownFieldError, wrongTypeError } from '../../errors/index.js';
import { stringStruct, structArray } from '../idl.js';
import type { StageParser } from './types.js';

/** A user as session stages and kill commands name one: `{user, db}`. */
export interface SessionUser {
  user: string;
  db: string;
}

/** A parsed `$listSessions` or `$listLocalSessions` specification: every session, or those of the given users. */
export interface ListSessionsSpec {
  allUsers: boolean;
  /** Without access control every session belongs to the user with an empty name and database. */
  users: SessionUser[];
}

/** The elements of a `users` array (`[{user, db}]`), with IDL's errors at `path`. */
export function parseSessionUsers(value: unknown, path: string): SessionUser[] {
  return structArray(value, path, path, (doc, at) => stringStruct(doc, at, ['user', 'db'] as const));
}

/**
 * Parses `{allUsers?: bool, users?: [{user, db}]}`, the specification both session stages take
 * (https://www.mongodb.com/docs/manual/reference/operator/aggregation/listSessions/). An empty spec means the
 * current user, which without access control is the nameless user, owner of every session. `stage` names the stage
 * in the errors.
 *
 * @throws MongoServerError TypeMismatch (14) for a non-document spec or wrongly typed fields; 40415 for an unknown
 *   field; 40414 for a user without `user` or `db`; UnsupportedFormat (12) for allUsers together with users.
 */
export function parseListSessionsSpec(stage: '$listSessions' | '$listLocalSessions', spec: unknown): ListSessionsSpec {
  if (!isDocument(spec)) {
    throw mongoError('TypeMismatch', `${stage} options must be specified in an object, but found: ${bsonTypeOf(spec)}`);
  }
  let allUsers = false;
  let users: SessionUser[] = [];
  for (const [key, value] of Object.entries(spec)) {
    if (key === 'allUsers') {
      if (typeof value !== 'boolean') throw wrongTypeError(`${stage}.allUsers`, bsonTypeOf(value), 'bool');
      allUsers = value;
    } else if (key === 'users') {
      if (value !== null) users = parseSessionUsers(value, `${stage}.users`);
    } else {
      throw unknownFieldError(`${stage}.${key}`);
    }
  }
  if (allUsers && users.length > 0) {
    throw new MongoServerError(12, `${stage} may not specify {allUsers:true} and {users:[...]} at the same time`);
  }
  if (!allUsers && users.length === 0) users.push({ user: '', db: '' });
  return { allUsers, users };
}

/**
 * The registry's entry: the engine lists the sessions for a leading `$listSessions` and removes it before compiling,
 * so reaching this parser means the stage was not first.
 */
export const parseListSessions: StageParser = () => {
  throw new MongoServerError(40602, '$listSessions is only valid as the first stage in a pipeline');
};
