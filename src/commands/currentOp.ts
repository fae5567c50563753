import type { Document } from '../bson/types.js';
import { compileCommandFilter } from '../engine/expr_filter.js';
import type { CommandDefinition } from './support/context.js';
import { currentOpDocuments } from './support/current_op_stage.js';
import { readHistoryBounds } from '../changestream/stream_stats.js';
import { GENERIC_ARGUMENTS } from './support/generic_arguments.js';

/** The currentOp command's own options; every other field (generic arguments aside) is the filter. */
const OPTIONS = new Set(['$all', '$ownOps', '$truncateOps']);

/** mongod's trueValue(): false, 0, null and absent are false, anything else true. */
function trueValue(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value !== 0n;
  const wrapped = (value as { valueOf?: () => unknown }).valueOf?.();
  return typeof wrapped === 'number' ? wrapped !== 0 : true;
}

/**
 * currentOp: the operations in progress, as mongod builds it from `$currentOp`: `$all: true` adds the idle
 * connections, the other fields filter the entries as a `$match` would, and a command over 1000 bytes is shortened
 * unless test commands are on and `$truncateOps: false` asks for it whole.
 *
 * @throws MongoServerError the filter's errors.
 */
export const currentOp: CommandDefinition = {
  name: 'currentOp',
  adminOnly: true,
  async run(cmd, ctx) {
    const filter: Document = {};
    let first = true;
    for (const [key, value] of Object.entries(cmd)) {
      if (first) {
        first = false;
        continue;
      }
      if (!OPTIONS.has(key) && !GENERIC_ARGUMENTS.has(key)) filter[key] = value;
    }
    const matcher = compileCommandFilter(filter, null);
    const truncateOps = !ctx.server.options.enableTestCommands || cmd.$truncateOps === undefined || trueValue(cmd.$truncateOps);
    const history = await readHistoryBounds(ctx.server.engine);
    const entries = currentOpDocuments(ctx, { idleConnections: trueValue(cmd.$all), idleCursors: false, idleSessions: true, truncateOps, ownOnly: trueValue(cmd.$ownOps), history });
    const reply: Document = { inprog: entries.filter((doc) => matcher.matches(doc)) };
    if (ctx.server.engine.fsyncLock.locked) {
      reply.fsyncLock = true;
      reply.info = 'use db.fsyncUnlock() to terminate the fsync write/snapshot lock';
    }
    return reply;
  },
};
