import { bsonTypeOf } from '../bson/index.js';
import { mongoError } from '../errors/index.js';
import type { CommandDefinition } from './support/context.js';

/**
 * getLog: the server's recent log lines (`global`, the last 1024) or its startup warnings; `getLog: '*'`
 * lists the names. mongosh asks for `startupWarnings` when it connects.
 */
export const getLog: CommandDefinition = {
  name: 'getLog',
  adminOnly: true,
  async run(cmd, ctx) {
    const which = cmd.getLog;
    if (typeof which !== 'string') {
      throw mongoError('TypeMismatch', `Argument to getLog must be of type String; found ${String(which)} of type ${bsonTypeOf(which)}`);
    }
    if (which === '*') return { names: ['global', 'startupWarnings'] };
    if (which === 'startupWarnings') {
      const warnings = ctx.server.stats.startupWarnings;
      return { totalLinesWritten: warnings.length, log: [...warnings] };
    }
    if (which === 'global') {
      const stats = ctx.server.stats;
      return { totalLinesWritten: stats.totalLinesWritten, log: [...stats.ramLog] };
    }
    throw mongoError('OperationFailed', `No log named '${which}'`);
  },
};
