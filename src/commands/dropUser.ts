import { mongoError } from '../errors/index.js';
import { removeAuthDocuments } from '../auth/user_store_writes.js';
import { USERS_COLLECTION } from '../auth/user_store.js';
import type { CommandDefinition } from './support/context.js';
import { nameParameter, parseUmcCommand } from './support/umc_args.js';
import { authWrite } from './support/umc_write.js';

/** Removes one user. https://www.mongodb.com/docs/manual/reference/command/dropUser/ */
export const dropUser: CommandDefinition = {
  name: 'dropUser',
  async run(cmd, ctx) {
    parseUmcCommand(cmd, 'dropUser', {});
    const user = nameParameter(cmd, 'dropUser');
    const db = ctx.db;
    const n = await authWrite(ctx, (w) => removeAuthDocuments(w, USERS_COLLECTION, { user, db }));
    if (n === 0) throw mongoError('UserNotFound', `User '${user}@${db}' not found`);
    return {};
  },
};
