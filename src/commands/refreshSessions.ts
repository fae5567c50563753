import { structArray } from '../query/idl.js';
import type { CommandDefinition } from './support/context.js';
import { sessionFromClient } from './support/session_args.js';

/**
 * refreshSessions: `{refreshSessions: [{id: UUID}, ...]}` marks the sessions used now, adding the ones the server
 * did not know, so that they outlive their timeout (mongod vivifies each).
 *
 * @throws MongoServerError the IDL errors of the array and its ids; TooManyLogicalSessions (261) when full.
 */
export const refreshSessions: CommandDefinition = {
  name: 'refreshSessions',
  async run(cmd, ctx) {
    const ids = structArray(cmd.refreshSessions, 'refreshSessions.refreshSessions', 'refreshSessions.refreshSessionsFromClient', sessionFromClient);
    for (const { lsid } of ids) ctx.server.engine.sessions.vivify(lsid);
    return {};
  },
};
