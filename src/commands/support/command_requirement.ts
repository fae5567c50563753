import type { Authorization } from '../../auth/authorization.js';
import type { Privilege } from '../../auth/privilege.js';
import type { MongoServerError } from '../../errors/index.js';

/** What running one command document asks of the connection's users when access control is on. */
export interface CommandRequirement {
  /** False for the commands a client may run before authenticating (hello, saslStart, ping, ...). */
  requiresAuth: boolean;
  /** The privileges the command needs, all of them; [] when being authenticated is enough. */
  privileges: Privilege[];
  /**
   * Decides instead of `privileges` for a command mongod lets in another way too: create with `insert` instead of
   * `createCollection`, a user viewing itself or changing its own password, listCollections' `authorizedCollections`.
   */
  allows?: (authz: Authorization) => boolean;
  /** A refusal mongod makes while checking authorization that is not Unauthorized (collMod's InvalidOptions). */
  error?: MongoServerError;
}

export function allowedBy(requirement: CommandRequirement, authz: Authorization): boolean {
  return requirement.allows ? requirement.allows(authz) : authz.isAuthorizedFor(requirement.privileges);
}
