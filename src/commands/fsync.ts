import { Long } from '../bson/index.js';
import type { CommandDefinition } from './support/context.js';
import { trueValue } from '../query/filter/exists.js';

/** mongod's `seeAlso` link in the reply to `fsync` with `lock`. */
const FSYNC_URL = 'http://dochub.mongodb.org/core/fsynccommand';

/**
 * fsync: checkpoints the store (SQLite's WAL into the database file). With `lock: true` it also takes the fsync lock
 * (counted: each lock needs its `fsyncUnlock`): writes wait until the last unlock, reads go on, and `currentOp`
 * says `fsyncLock: true`. The lock is taken before the checkpoint, so the checkpoint sees every write that got in.
 */
export const fsync: CommandDefinition = {
  name: 'fsync',
  adminOnly: true,
  async run(cmd, ctx) {
    const engine = ctx.server.engine;
    if (!trueValue(cmd.lock)) {
      await engine.storage.checkpoint();
      // mongod keeps this field, with this value, for old clients.
      return { numFiles: 1 };
    }
    const lockCount = engine.fsyncLock.lock();
    try {
      await engine.storage.checkpoint();
    } catch (err) {
      engine.fsyncLock.unlock();
      throw err;
    }
    return {
      info: 'now locked against writes, use db.fsyncUnlock() to unlock',
      lockCount: Long.fromNumber(lockCount),
      seeAlso: FSYNC_URL,
    };
  },
};
