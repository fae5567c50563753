import { removeAuthDocuments } from '../auth/user_store_writes.js';
import { USERS_COLLECTION } from '../auth/user_store.js';
import type { CommandDefinition } from './support/context.js';
import { parseUmcCommand } from './support/umc_args.js';
import { authWrite } from './support/umc_write.js';

/** Removes every user of the command's database; `n` says how many. https://www.mongodb.com/docs/manual/reference/command/dropAllUsersFromDatabase/ */
export const dropAllUsersFromDatabase: CommandDefinition = {
  name: 'dropAllUsersFromDatabase',
  async run(cmd, ctx) {
    parseUmcCommand(cmd, 'dropAllUsersFromDatabase', {});
    const n = await authWrite(ctx, (w) => removeAuthDocuments(w, USERS_COLLECTION, { db: ctx.db }));
    return { n };
  },
};
