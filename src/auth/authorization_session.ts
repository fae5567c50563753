/**
 * One connection's authentication and authorization state: at most one authenticated user (as mongod since 5.0),
 * its privileges resolved at the access-control generation it was acquired at and resolved again once that moves
 * (a grant, a revoke or a dropped user takes effect at the connection's next command), and the localhost exception
 * while no user exists.
 */
import { MongoServerError } from '../errors/index.js';
import type { Authorization } from './authorization.js';
import type { AccessControl, AcquiredUser } from './access_control.js';
import { anyPrivilegeInDatabase, anyPrivilegeOn, fullName, privilegesCover, type Privilege, type RoleName, type UserName } from './privilege.js';

/**
 * What a localhost connection may do while no user exists (mongod's localhost exception): create the first user in
 * admin (or in $external) and grant it roles, and read the replica-set status.
 */
const LOCALHOST_PRIVILEGES: readonly Privilege[] = [
  { resource: { db: 'admin', collection: '' }, actions: ['createUser', 'grantRole'] },
  { resource: { db: '$external', collection: '' }, actions: ['createUser'] },
  { resource: { cluster: true }, actions: ['addShard', 'replSetConfigure', 'replSetGetStatus', 'issueDirectShardOperations'] },
];

const NO_PRIVILEGES: readonly Privilege[] = [];

export class AuthorizationSession implements Authorization {
  private user: AcquiredUser | undefined;
  /** Whether the localhost exception applies, as of the last refresh. */
  private localhostBypass = false;

  constructor(private readonly access: AccessControl, private readonly fromLoopback: boolean) {}

  get isAuthenticated(): boolean {
    return this.user !== undefined;
  }

  get userNames(): readonly UserName[] {
    return this.user ? [this.user.name] : [];
  }

  /** The authenticated user, with its roles and privileges. */
  get authenticatedUser(): AcquiredUser | undefined {
    return this.user;
  }

  /** True while the localhost exception applies to this connection. */
  get usingLocalhostBypass(): boolean {
    return this.user === undefined && this.localhostBypass;
  }

  private get privileges(): readonly Privilege[] {
    if (this.user) return this.user.resolved.privileges;
    return this.localhostBypass ? LOCALHOST_PRIVILEGES : NO_PRIVILEGES;
  }

  /**
   * Brings the privileges up to date with the users and roles: called before each command is authorized, so it
   * costs one comparison unless something changed.
   */
  async refresh(): Promise<void> {
    const generation = this.access.generation;
    if (this.user) {
      if (this.user.generation === generation) return;
      const again = await this.access.acquire(this.user.name);
      // A dropped user keeps its name on the connection but holds nothing, as on mongod.
      this.user = again ?? { ...this.user, resolved: { roles: [], privileges: [], restrictions: [] }, generation };
      return;
    }
    this.localhostBypass = this.fromLoopback && this.access.enabled && !(await this.access.anyUserExists());
  }

  /** Makes `user` the connection's user, with mongod's rule of one user per connection. */
  authenticated(user: AcquiredUser): void {
    const previous = this.user?.name;
    if (previous) {
      if (previous.user === user.name.user && previous.db === user.name.db) {
        this.user = user;
        return;
      }
      if (previous.db === user.name.db) {
        throw new MongoServerError(5626701, `Each client connection may only be authenticated once. Previously authenticated as: ${fullName(previous)}`);
      }
      throw new MongoServerError(5626702, `Client has attempted to authenticate on multiple databases.Already authenticated as: ${fullName(previous)}`);
    }
    this.user = user;
    this.localhostBypass = false;
  }

  /** logout: forgets the user when it belongs to `db`. */
  logout(db: string): void {
    if (this.user && this.user.name.db === db) this.user = undefined;
  }

  isAuthorizedFor(required: readonly Privilege[]): boolean {
    return privilegesCover(this.privileges, required);
  }

  isAuthorizedForAnyActionOnDatabase(db: string): boolean {
    return anyPrivilegeInDatabase(this.privileges, db);
  }

  isAuthorizedForAnyActionOnCollection(db: string, coll: string): boolean {
    return anyPrivilegeOn(this.privileges, { db, collection: coll });
  }

  /** True when the user holds `role` (granted or inherited): a user may view the roles it has. */
  isAuthenticatedAsUserWithRole(role: RoleName): boolean {
    return this.user !== undefined && this.user.resolved.roles.some((r) => r.role === role.role && r.db === role.db);
  }

  isAuthenticatedAs(name: UserName): boolean {
    return this.user !== undefined && this.user.name.user === name.user && this.user.name.db === name.db;
  }
}
