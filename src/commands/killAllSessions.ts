import { userDigest } from '../engine/session_cache.js';
import { parseSessionUsers } from '../query/pipeline/list_sessions.js';
import type { CommandDefinition } from './support/context.js';
import { killInSessions } from './support/kill_session_operations.js';

/**
 * killAllSessions: `{killAllSessions: [{user, db}, ...]}` kills the cursors and running operations of every
 * session of those users; `[]` kills those of every session. Without access control every session belongs to the
 * nameless user, so naming users kills nothing.
 *
 * @throws MongoServerError the IDL errors of the array and its users.
 */
export const killAllSessions: CommandDefinition = {
  name: 'killAllSessions',
  ignoresSession: true,
  async run(cmd, ctx) {
    const users = parseSessionUsers(cmd.killAllSessions, 'KillAllSessionsCmd.killAllSessions');
    killInSessions(ctx, users.length === 0 ? [{}] : users.map((u) => ({ uid: userDigest(u.user, u.db) })));
    return {};
  },
};
