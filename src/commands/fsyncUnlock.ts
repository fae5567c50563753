import { Long } from '../bson/index.js';
import { mongoError } from '../errors/index.js';
import type { CommandDefinition } from './support/context.js';

/** fsyncUnlock: releases one hold of the fsync lock (see fsync.ts); writes resume when none is left. */
export const fsyncUnlock: CommandDefinition = {
  name: 'fsyncUnlock',
  adminOnly: true,
  async run(_cmd, ctx) {
    const lock = ctx.server.engine.fsyncLock;
    if (!lock.locked) throw mongoError('IllegalOperation', 'fsyncUnlock called when not locked');
    return { info: 'fsyncUnlock completed', lockCount: Long.fromNumber(lock.unlock()) };
  },
};
