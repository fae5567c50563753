import { findInWrite, removeAuthDocuments, updateAuthDocuments } from '../auth/user_store_writes.js';
import { ROLES_COLLECTION, USERS_COLLECTION } from '../auth/user_store.js';
import type { CommandDefinition } from './support/context.js';
import { parseUmcCommand } from './support/umc_args.js';
import { authWrite } from './support/umc_write.js';

/**
 * Removes every user-defined role of the command's database, first from the users and roles that hold them; `n`
 * says how many roles went. https://www.mongodb.com/docs/manual/reference/command/dropAllRolesFromDatabase/
 */
export const dropAllRolesFromDatabase: CommandDefinition = {
  name: 'dropAllRolesFromDatabase',
  async run(cmd, ctx) {
    parseUmcCommand(cmd, 'dropAllRolesFromDatabase', {});
    const db = ctx.db;
    const n = await authWrite(ctx, async (w) => {
      // Only the roles being dropped leave users and roles: the built-in roles of the database stay granted.
      const names = (await findInWrite(w, ROLES_COLLECTION, { db })).map((r) => r.role);
      if (names.length > 0) {
        const dropped = { db, role: { $in: names } };
        await updateAuthDocuments(w, USERS_COLLECTION, { roles: { $elemMatch: dropped } }, { $pull: { roles: dropped } }, true);
        await updateAuthDocuments(w, ROLES_COLLECTION, { roles: { $elemMatch: dropped } }, { $pull: { roles: dropped } }, true);
      }
      return removeAuthDocuments(w, ROLES_COLLECTION, { db });
    });
    return { n };
  },
};
