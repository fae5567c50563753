import type { CommandDefinition } from './support/context.js';
import { isDocument, valuesEqual } from '../bson/index.js';
import { UUID } from 'bson';

/** endSessions: kills the cursors the sessions opened, as mongod does when it reaps them. */
export const endSessions: CommandDefinition = {
  name: 'endSessions',
  async run(cmd, ctx) {
    const ids = Array.isArray(cmd.endSessions) ? cmd.endSessions.filter(isDocument) : [];
    ctx.server.engine.cursors.killWhere((c) => c.lsid !== undefined && ids.some((lsid) => valuesEqual(lsid.id, c.lsid!.id)));
    return {};
  },
};

export const killAllSessions: CommandDefinition = {
  name: 'killAllSessions',
  async run(_cmd, ctx) {
    ctx.server.engine.cursors.killWhere((c) => c.lsid !== undefined);
    return {};
  },
};

export const startSession: CommandDefinition = {
  name: 'startSession',
  async run() {
    return { id: { id: new UUID() }, timeoutMinutes: 30 };
  },
};

export const refreshSessions: CommandDefinition = {
  name: 'refreshSessions',
  async run() {
    return {};
  },
};
