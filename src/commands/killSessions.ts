import { structArray } from '../query/idl.js';
import type { CommandDefinition } from './support/context.js';
import { killInSessions } from './support/kill_session_operations.js';
import { sessionFromClient } from './support/session_args.js';

/**
 * killSessions: `{killSessions: [{id: UUID}, ...]}` kills the cursors and running operations of the sessions; `[]`
 * kills those of every session of the current user, which without access control is every session. The sessions
 * stay known and usable, as the manual says (https://www.mongodb.com/docs/manual/reference/command/killSessions/).
 *
 * @throws MongoServerError the IDL errors of the array and its ids.
 */
export const killSessions: CommandDefinition = {
  name: 'killSessions',
  ignoresSession: true,
  async run(cmd, ctx) {
    const ids = structArray(cmd.killSessions, 'KillSessionsCmd.killSessions', 'KillSessionsCmd.killSessions', sessionFromClient);
    killInSessions(ctx, ids.length === 0 ? [{}] : ids.map(({ lsid }) => ({ lsid })));
    return {};
  },
};
