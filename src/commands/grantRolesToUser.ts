import type { CommandDefinition } from './support/context.js';
import { changeUserRoles } from './support/user_roles_change.js';

/** Adds roles to a user. https://www.mongodb.com/docs/manual/reference/command/grantRolesToUser/ */
export const grantRolesToUser: CommandDefinition = {
  name: 'grantRolesToUser',
  run: (cmd, ctx) => changeUserRoles(cmd, ctx, 'grantRolesToUser'),
};
