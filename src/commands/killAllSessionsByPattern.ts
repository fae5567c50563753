import { bsonTypeOf, isDocument, type Document } from '../bson/index.js';
import { mongoError, unknownFieldError, wrongTypeError } from '../errors/index.js';
import type { SessionPattern } from '../engine/session_cache.js';
import { stringStruct, structArray } from '../query/idl.js';
import { parseSessionUsers } from '../query/pipeline/list_sessions.js';
import type { CommandDefinition } from './support/context.js';
import { killInSessions } from './support/kill_session_operations.js';
import { fullSessionId, sha256Field } from './support/session_args.js';

const PATH = 'KillAllSessionsByPatternCmd.killAllSessionsByPattern';

/**
 * One pattern: `{lsid?: {id, uid}, uid?, users?, roles?}`. `users` and `roles` are whom to impersonate while
 * killing, which needs no check without access control; they are read for their errors only.
 */
function parsePattern(doc: Document, path: string): SessionPattern {
  const pattern: SessionPattern = {};
  for (const [key, value] of Object.entries(doc)) {
    if (value === null || value === undefined) continue;
    if (key === 'lsid') {
      if (!isDocument(value)) throw wrongTypeError(`${path}.lsid`, bsonTypeOf(value), 'object');
      const id = fullSessionId(value, `${path}.lsid`);
      if (id.isChild) throw mongoError('InvalidOptions', 'Cannot kill a child session');
      pattern.lsid = id.lsid;
    } else if (key === 'uid') {
      pattern.uid = sha256Field(value, `${path}.uid`);
    } else if (key === 'users') {
      parseSessionUsers(value, `${path}.users`);
    } else if (key === 'roles') {
      structArray(value, `${path}.roles`, `${path}.roles`, (role, at) => stringStruct(role, at, ['role', 'db'] as const));
    } else {
      throw unknownFieldError(`${path}.${key}`);
    }
  }
  return pattern;
}

/**
 * killAllSessionsByPattern: `{killAllSessionsByPattern: [{lsid}, {uid}, ...]}` kills the cursors and running
 * operations of the sessions any pattern matches (one session, or every session of a user digest); `[]` or `[{}]`
 * kills those of every session.
 *
 * @throws MongoServerError the IDL errors of the patterns; InvalidOptions (72) for a child session's lsid.
 */
export const killAllSessionsByPattern: CommandDefinition = {
  name: 'killAllSessionsByPattern',
  ignoresSession: true,
  async run(cmd, ctx) {
    const patterns = structArray(cmd.killAllSessionsByPattern, PATH, PATH, parsePattern);
    killInSessions(ctx, patterns.length === 0 ? [{}] : patterns);
    return {};
  },
};
