import type { Document } from '../bson/index.js';
import type { CommandDefinition } from './support/context.js';

/** connectionStatus: eddydb has no authentication, so every connection is as a no-auth mongod's: nobody, no roles. */
export const connectionStatus: CommandDefinition = {
  name: 'connectionStatus',
  async run(cmd) {
    const authInfo: Document = { authenticatedUsers: [], authenticatedUserRoles: [] };
    if (cmd.showPrivileges === true) authInfo.authenticatedUserPrivileges = [];
    return { authInfo };
  },
};
