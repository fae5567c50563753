import type { WriteContext } from '../../engine/engine.js';
import type { CommandContext } from './context.js';

/**
 * Runs a user or role management command's checks and writes in one storage write, then tells access control that
 * users or roles may have changed (even after a failure: nothing was written then, and a spare refresh is harmless).
 */
export async function authWrite<T>(ctx: CommandContext, fn: (w: WriteContext) => Promise<T>): Promise<T> {
  try {
    return await ctx.engine.write(fn);
  } finally {
    ctx.server.accessControl.invalidate();
  }
}
