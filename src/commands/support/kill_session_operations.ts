import { lsidMatchesAny, type SessionPattern } from '../../engine/session_cache.js';
import type { CommandContext } from './context.js';

/**
 * Kills what the kill commands kill in the sessions `patterns` match, as mongod's killSessionsLocal does: their
 * open transactions are aborted (the next statement or commit answers NoSuchTransaction), their running operations
 * interrupted (they answer Interrupted, 11601) and their cursors killed. The kill command itself is spared: it runs
 * outside any session in mongod.
 */
export function killInSessions(ctx: CommandContext, patterns: readonly SessionPattern[]): void {
  ctx.server.engine.transactions.abortWhere((txn) => lsidMatchesAny(patterns, txn.lsid));
  ctx.server.engine.sessions.kill(patterns);
  ctx.server.operations.killWhere((op) => op !== ctx.op && lsidMatchesAny(patterns, op.info.lsid));
}
