import type { CommandDefinition } from './support/context.js';
import { saslContinue as continueConversation } from './support/authentication.js';

/** saslContinue: the next step of the connection's SASL conversation. */
export const saslContinue: CommandDefinition = {
  name: 'saslContinue',
  run: (cmd, ctx) => continueConversation(ctx, cmd),
};
