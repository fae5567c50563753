import { mongoError } from '../errors/index.js';
import { structArray } from '../query/idl.js';
import type { CommandDefinition } from './support/context.js';
import { sessionFromClient } from './support/session_args.js';

/**
 * endSessions: `{endSessions: [{id: UUID}, ...]}`. The server forgets the sessions and kills their cursors, as
 * mongod does once its session refresh sees them ended; unknown sessions are ignored.
 *
 * @throws MongoServerError the IDL errors of the array and its ids; InvalidOptions (72) for a child session.
 */
export const endSessions: CommandDefinition = {
  name: 'endSessions',
  async run(cmd, ctx) {
    const ids = structArray(cmd.endSessions, 'endSessions.endSessions', 'endSessions.endSessionsFromClient', sessionFromClient);
    for (const { isChild, text } of ids) if (isChild) throw mongoError('InvalidOptions', `Cannot specify a child session id ${text()}`);
    ctx.server.engine.sessions.end(ids.map((s) => s.lsid));
    return {};
  },
};
