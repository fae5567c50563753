import type { Privilege, UserName } from './privilege.js';

/**
 * What commands ask of a connection's authorization. Absent from a command's context when access control is off
 * (a server without --auth, or the embedded client, whose caller is trusted): then everything is allowed.
 */
export interface Authorization {
  /** True once at least one user has authenticated on the connection. */
  readonly isAuthenticated: boolean;
  /** The authenticated users. */
  readonly userNames: readonly UserName[];
  /** True when the users' privileges cover every action of every required privilege. */
  isAuthorizedFor(required: readonly Privilege[]): boolean;
  /**
   * True when some privilege names `db` or one of its collections (any action): which databases listDatabases
   * shows with `authorizedDatabases`.
   */
  isAuthorizedForAnyActionOnDatabase(db: string): boolean;
  /** True when some privilege names the collection `db.coll` (any action): listCollections' `authorizedCollections`. */
  isAuthorizedForAnyActionOnCollection(db: string, coll: string): boolean;
  /** True when `name` is one of the authenticated users (a user may view itself and change its own password). */
  isAuthenticatedAs(name: UserName): boolean;
}
