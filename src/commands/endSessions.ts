import type { CommandDefinition } from './support/context.js';
import { isDocument, valuesEqual } from '../bson/index.js';

/** endSessions: kills the cursors the sessions opened, as mongod does when it reaps them. */
export const endSessions: CommandDefinition = {
  name: 'endSessions',
  async run(cmd, ctx) {
    const ids = Array.isArray(cmd.endSessions) ? cmd.endSessions.filter(isDocument) : [];
    ctx.engine.cursors.killWhere((c) => c.lsid !== undefined && ids.some((lsid) => valuesEqual(lsid.id, c.lsid!.id)));
    return {};
  },
};
