import type { Document } from '../bson/index.js';
import { mongoError } from '../errors/index.js';
import { byName } from './getParameter.js';
import type { CommandDefinition } from './support/context.js';
import { GENERIC_ARGUMENTS } from './support/generic_arguments.js';

/**
 * setParameter: `{setParameter: 1, <name>: <value>, ...}` sets runtime parameters, answering the first one's old
 * value as `was`. Every name is checked before anything is set: an unknown one is InvalidOptions, one that only
 * startup may set IllegalOperation, one named twice InvalidOptions, as mongod.
 */
export const setParameter: CommandDefinition = {
  name: 'setParameter',
  adminOnly: true,
  async run(cmd, ctx) {
    const toSet = new Map<string, unknown>();
    for (const name of Object.keys(cmd).slice(1)) {
      if (GENERIC_ARGUMENTS.has(name)) continue;
      const param = byName.get(name);
      if (!param) throw mongoError('InvalidOptions', `attempted to set unrecognized parameter [${name}], use help:true to see options `);
      if (!param.settableAtRuntime || !param.set) throw mongoError('IllegalOperation', `not allowed to change [${name}] at runtime`);
      toSet.set(name, cmd[name]);
    }
    if (toSet.size === 0) throw mongoError('InvalidOptions', 'no option found to set, use help:true to see options ');
    const reply: Document = {};
    // In name order, as mongod walks its map of them.
    for (const name of [...toSet.keys()].sort()) {
      const param = byName.get(name)!;
      if (!('was' in reply)) reply.was = param.value(ctx.server.options, ctx.server);
      param.set!(ctx.server, toSet.get(name));
    }
    return reply;
  },
};
