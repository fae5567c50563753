import { lsidMatchesAny, type SessionPattern } from '../../engine/session_cache.js';
import type { CommandContext } from './context.js';

/**
 * Kills what the kill commands kill in the sessions `patterns` match: their cursors and their running operations
 * (which then answer Interrupted, 11601), as mongod's killSessionsLocal does. The kill command itself is spared:
 * it runs outside any session in mongod.
 */
export function killInSessions(ctx: CommandContext, patterns: readonly SessionPattern[]): void {
  ctx.server.engine.sessions.kill(patterns);
  ctx.server.operations.killWhere((op) => op !== ctx.op && lsidMatchesAny(patterns, op.info.lsid));
}
