/**
 * The server's side of access control: where users are looked up (the user store, plus the internal `__system`
 * user a --keyFile defines), a generation that every change to users or roles bumps (so connections re-resolve
 * their privileges at their next command), the localhost exception's "does any user exist", and the throttle on
 * failed authentications.
 */
import type { Engine } from '../engine/engine.js';
import { DEFAULT_ITERATIONS, SCRAM_MECHANISMS, scramCredential, type ScramMechanism } from './scram.js';
import { anyUserExists, findUser, loadRoles, type RoleDocument, type UserDocument } from './user_store.js';
import { resolveRoles, type BuiltinRoles, type ResolvedRoles } from './role_graph.js';
import type { UserName } from './privilege.js';

/** A user as an authenticated connection holds it: the stored document and what its roles resolve to. */
export interface AcquiredUser {
  name: UserName;
  doc: UserDocument;
  resolved: ResolvedRoles;
  /** The access-control generation this was resolved at. */
  generation: number;
}

export interface AccessControlOptions {
  /** --auth: commands need privileges. Authentication works either way, as on mongod. */
  enabled: boolean;
  /** The --keyFile's key: the password of the internal user `__system@local`. */
  clusterKey?: string;
  builtinRoles: BuiltinRoles;
}

/** Consecutive failures from one host before its failures are answered slowly, and the longest wait. */
const FREE_FAILURES = 3;
const MAX_FAILURE_DELAY_MS = 5_000;
const FAILURE_MEMORY_MS = 60_000;

export const SYSTEM_USER: UserName = { user: '__system', db: 'local' };

export class AccessControl {
  private gen = 0;
  private usersExist: boolean | undefined;
  private roles: Map<string, RoleDocument> | undefined;
  private systemUser: UserDocument | undefined;
  private readonly failures = new Map<string, { count: number; last: number }>();
  /** The iteration counts new credentials get (mongod's scramIterationCount and scramSHA256IterationCount). */
  readonly iterations: Record<ScramMechanism, number> = { ...DEFAULT_ITERATIONS };

  constructor(private readonly engine: Engine, readonly options: AccessControlOptions) {}

  get enabled(): boolean {
    return this.options.enabled;
  }

  /** Bumped by every change to users or roles: cached privileges older than it are resolved again. */
  get generation(): number {
    return this.gen;
  }

  invalidate(): void {
    this.gen++;
    this.usersExist = undefined;
    this.roles = undefined;
  }

  async anyUserExists(): Promise<boolean> {
    if (this.usersExist === undefined) {
      const gen = this.gen;
      const exists = await anyUserExists(this.engine);
      if (gen === this.gen) this.usersExist = exists;
      return exists;
    }
    return this.usersExist;
  }

  async lookupUser(name: UserName): Promise<UserDocument | null> {
    if (name.user === SYSTEM_USER.user && name.db === SYSTEM_USER.db) return this.internalUser();
    return findUser(this.engine, name);
  }

  /** The user with its roles resolved, or null when there is no such user. */
  async acquire(name: UserName): Promise<AcquiredUser | null> {
    const generation = this.gen;
    const doc = await this.lookupUser(name);
    if (!doc) return null;
    const roles = await this.userDefinedRoles();
    return { name: { user: doc.user, db: doc.db }, doc, resolved: resolveRoles(doc.roles ?? [], roles, this.options.builtinRoles), generation };
  }

  private async userDefinedRoles(): Promise<Map<string, RoleDocument>> {
    if (this.roles) return this.roles;
    const gen = this.gen;
    const roles = await loadRoles(this.engine);
    if (gen === this.gen) this.roles = roles;
    return roles;
  }

  /** mongod's internal user: defined by the key file, holding the `__system` role. */
  private internalUser(): UserDocument | null {
    const key = this.options.clusterKey;
    if (key === undefined) return null;
    if (!this.systemUser) {
      const credentials: Record<string, unknown> = {};
      for (const mechanism of SCRAM_MECHANISMS) credentials[mechanism] = scramCredential(mechanism, SYSTEM_USER.user, key, DEFAULT_ITERATIONS[mechanism]);
      this.systemUser = {
        _id: `${SYSTEM_USER.db}.${SYSTEM_USER.user}`,
        user: SYSTEM_USER.user,
        db: SYSTEM_USER.db,
        credentials,
        roles: [{ role: '__system', db: 'admin' }],
      };
    }
    return this.systemUser;
  }

  /**
   * Records a failed authentication from `host` and returns how long to wait before answering: nothing for the
   * first few, then doubling up to five seconds, so guessing passwords from one host is slow. Forgotten a minute
   * after the last failure, or at the host's next success.
   */
  failureDelay(host: string, now = Date.now()): number {
    const seen = this.failures.get(host);
    const count = seen && now - seen.last < FAILURE_MEMORY_MS ? seen.count + 1 : 1;
    this.failures.set(host, { count, last: now });
    if (this.failures.size > 10_000) this.forgetOldFailures(now);
    if (count <= FREE_FAILURES) return 0;
    return Math.min(MAX_FAILURE_DELAY_MS, 100 * 2 ** (count - FREE_FAILURES - 1));
  }

  succeeded(host: string): void {
    this.failures.delete(host);
  }

  private forgetOldFailures(now: number): void {
    for (const [host, seen] of this.failures) if (now - seen.last >= FAILURE_MEMORY_MS) this.failures.delete(host);
  }
}

/** The host part of "host:port" or "[v6]:port", as the wire layer formats remote addresses. */
export function remoteHost(remote: string): string {
  if (remote.startsWith('[')) return remote.slice(1, remote.indexOf(']'));
  const colon = remote.lastIndexOf(':');
  return colon < 0 ? remote : remote.slice(0, colon);
}

export function isLoopbackRemote(remote: string): boolean {
  const host = remoteHost(remote);
  return host === '::1' || host === 'localhost' || /^127\./.test(host);
}
