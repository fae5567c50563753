import { LOGICAL_SESSION_TIMEOUT_MINUTES } from '../engine/session_cache.js';
import type { CommandDefinition } from './support/context.js';

/** startSession: a new session of the nameless user, known to the server from now on (`$listSessions` lists it). */
export const startSession: CommandDefinition = {
  name: 'startSession',
  async run(_cmd, ctx) {
    const lsid = ctx.server.engine.sessions.start();
    return { id: { id: lsid.id }, timeoutMinutes: LOGICAL_SESSION_TIMEOUT_MINUTES };
  },
};
