import type { CommandDefinition } from './support/context.js';
import { saslStart as startConversation } from './support/authentication.js';

/** saslStart: the first step of SCRAM-SHA-1, SCRAM-SHA-256 or PLAIN against the users of `$db`. */
export const saslStart: CommandDefinition = {
  name: 'saslStart',
  run: (cmd, ctx) => startConversation(ctx, ctx.db, cmd.mechanism, cmd.payload, false),
};
