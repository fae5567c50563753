import type { CommandDefinition } from './support/context.js';
import { changeUserRoles } from './support/user_roles_change.js';

/** Removes roles from a user. https://www.mongodb.com/docs/manual/reference/command/revokeRolesFromUser/ */
export const revokeRolesFromUser: CommandDefinition = {
  name: 'revokeRolesFromUser',
  run: (cmd, ctx) => changeUserRoles(cmd, ctx, 'revokeRolesFromUser'),
};
