import { createHash } from 'node:crypto';
import { Binary, documentToString, isDocument, UUID, type Document } from '../bson/index.js';
import { mongoError } from '../errors/index.js';
import type { ListSessionsSpec, SessionUser } from '../query/pipeline/list_sessions.js';
import type { CursorRegistry, ServerCursor } from './cursor_registry.js';

/** How long a session lives after its last use: mongod's localLogicalSessionTimeoutMinutes, which hello reports. */
export const LOGICAL_SESSION_TIMEOUT_MINUTES = 30;
const SESSION_TIMEOUT_MS = LOGICAL_SESSION_TIMEOUT_MINUTES * 60 * 1000;

/** mongod's maxSessions: the cache refuses a new session beyond it. */
export const MAX_SESSIONS = 1_000_000;

/**
 * How often a use of the cache also forgets the expired sessions: mongod's logicalSessionRefreshMillis, the period
 * after which its sessions collection has seen a session's last use. Listing sessions always forgets them first.
 */
const REAP_INTERVAL_MS = 5 * 60 * 1000;

/** A logical session as mongod identifies one: the client's UUID and the SHA-256 digest of the owning user. */
export interface LogicalSessionId {
  id: Binary;
  uid: Binary;
}

/**
 * What a kill command names, like mongod's KillAllSessionsByPattern: one session (`lsid`), every session of a user
 * (`uid`), or every session (neither).
 */
export interface SessionPattern {
  lsid?: LogicalSessionId;
  uid?: Binary;
}

function sha256(text: string): Binary {
  return new Binary(createHash('sha256').update(text).digest(), Binary.SUBTYPE_DEFAULT);
}

/** The digest that owns the sessions of user `user` of database `db`: SHA-256 of its full name, `user@db`. */
export function userDigest(user: string, db: string): Binary {
  return sha256(`${user}@${db}`);
}

/**
 * The owner of every session here, as there is no access control: the nameless user, whose digest is SHA-256 of
 * nothing. No user's digest is the same, since every full name has an '@'.
 */
export const NO_AUTH_UID: Binary = sha256('');

const NO_AUTH_HEX = NO_AUTH_UID.toString('hex');

/** The cache's key of a session; the common owner costs no second conversion. */
function keyOf(lsid: LogicalSessionId): string {
  const id = lsid.id.toString('hex');
  if (lsid.uid === NO_AUTH_UID) return id;
  const uid = lsid.uid.toString('hex');
  return uid === NO_AUTH_HEX ? id : `${id}:${uid}`;
}

/** The session a command's `lsid` names (owned by the nameless user unless it says otherwise). */
function sessionOfLsid(lsid: unknown): LogicalSessionId | undefined {
  if (!isDocument(lsid) || !(lsid.id instanceof Binary)) return undefined;
  return { id: lsid.id, uid: lsid.uid instanceof Binary ? lsid.uid : NO_AUTH_UID };
}

/** The session a cursor was opened in (its command's `lsid`). */
function sessionOfCursor(cursor: ServerCursor): LogicalSessionId | undefined {
  return sessionOfLsid(cursor.lsid);
}

function sameBytes(a: Binary, b: Binary): boolean {
  return a.toString('hex') === b.toString('hex');
}

function matchesPattern(pattern: SessionPattern, lsid: LogicalSessionId): boolean {
  if (pattern.lsid) return sameBytes(pattern.lsid.id, lsid.id) && sameBytes(pattern.lsid.uid, lsid.uid);
  if (pattern.uid) return sameBytes(pattern.uid, lsid.uid);
  return true;
}

/** True when a command's `lsid` names a session one of `patterns` matches (the kill commands' rule). */
export function lsidMatchesAny(patterns: readonly SessionPattern[], lsid: unknown): boolean {
  const session = sessionOfLsid(lsid);
  return session !== undefined && patterns.some((p) => matchesPattern(p, session));
}

interface SessionRecord {
  lsid: LogicalSessionId;
  lastUse: number;
}

export interface SessionCacheOptions {
  /** The wall clock last uses and expiry are measured against, in ms since the epoch (tests inject one). */
  now?: () => number;
  /** At most this many sessions at once (default MAX_SESSIONS). */
  maxSessions?: number;
  /** Called for each session ended or expired, before it is forgotten (its open transaction is aborted there). */
  onForget?: (lsid: LogicalSessionId) => void;
}

/**
 * The logical sessions one engine knows (https://www.mongodb.com/docs/manual/reference/server-sessions/): mongod's
 * LogicalSessionCache and, for a single server, its `config.system.sessions` collection, in memory. A command that
 * carries an `lsid` marks its session used; a session unused for LOGICAL_SESSION_TIMEOUT_MINUTES is forgotten and
 * its cursors are killed. Ending a session forgets it and kills its cursors; killing one kills its cursors only,
 * and the session stays listed, as the manual says of killSessions.
 */
export class SessionCache {
  private readonly records = new Map<string, SessionRecord>();
  private readonly now: () => number;
  private readonly maxSessions: number;
  private readonly onForget: ((lsid: LogicalSessionId) => void) | undefined;
  private lastReap: number;

  constructor(private readonly cursors: CursorRegistry, options: SessionCacheOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxSessions = options.maxSessions ?? MAX_SESSIONS;
    this.onForget = options.onForget;
    this.lastReap = this.now();
  }

  /**
   * Marks `lsid` used now, adding it when it is new (mongod's vivify): every command sent in a session, and
   * refreshSessions.
   *
   * @throws MongoServerError TooManyLogicalSessions (261) when the session is new and the cache is full.
   */
  vivify(lsid: LogicalSessionId): void {
    const now = this.now();
    if (now - this.lastReap >= REAP_INTERVAL_MS) this.reap(now);
    const key = keyOf(lsid);
    const found = this.records.get(key);
    if (found) {
      found.lastUse = now;
      return;
    }
    if (this.records.size >= this.maxSessions) {
      throw mongoError(
        'TooManyLogicalSessions',
        `Unable to add session ID ${documentToString({ id: lsid.id, uid: lsid.uid })} into the cache because the number of active sessions is too high`,
      );
    }
    this.records.set(key, { lsid: { id: lsid.id, uid: lsid.uid }, lastUse: now });
  }

  /** A new session of the nameless user, already in the cache (startSession). */
  start(): LogicalSessionId {
    const lsid: LogicalSessionId = { id: new UUID(), uid: NO_AUTH_UID };
    this.vivify(lsid);
    return lsid;
  }

  /** Forgets the sessions and kills their cursors (endSessions). Unknown sessions are ignored. */
  end(lsids: readonly LogicalSessionId[]): void {
    this.forget(new Set(lsids.map(keyOf)));
  }

  /** Kills the cursors of the sessions any of `patterns` matches; the sessions themselves stay. Returns how many. */
  kill(patterns: readonly SessionPattern[]): number {
    return this.killCursors((lsid) => patterns.some((p) => matchesPattern(p, lsid)));
  }

  /**
   * The live sessions `spec` asks for, as `$listSessions` and `$listLocalSessions` report them:
   * `{_id: {id, uid}, lastUse}`, least recently used first.
   */
  list(spec: ListSessionsSpec): Document[] {
    this.reap(this.now());
    // The stages name the nameless user with an empty name and database (mongod's getLogicalSessionUserDigestFor).
    const digest = (u: SessionUser): Binary => (u.user === '' && u.db === '' ? NO_AUTH_UID : userDigest(u.user, u.db));
    const uids = spec.allUsers ? undefined : new Set(spec.users.map((u) => digest(u).toString('hex')));
    return [...this.records.values()]
      .filter((r) => uids === undefined || uids.has(r.lsid.uid.toString('hex')))
      .sort((a, b) => a.lastUse - b.lastUse)
      .map((r) => ({ _id: { id: r.lsid.id, uid: r.lsid.uid }, lastUse: new Date(r.lastUse) }));
  }

  get size(): number {
    return this.records.size;
  }

  /** Forgets the sessions unused for longer than the timeout and kills their cursors. */
  private reap(now: number): void {
    this.lastReap = now;
    const expired = new Set<string>();
    for (const [key, record] of this.records) {
      if (now - record.lastUse > SESSION_TIMEOUT_MS) expired.add(key);
    }
    if (expired.size > 0) this.forget(expired);
  }

  /** Drops the sessions with these keys and kills their cursors, as mongod's refresh does for ended sessions. */
  private forget(keys: ReadonlySet<string>): void {
    for (const key of keys) {
      const record = this.records.get(key);
      if (record && this.onForget) this.onForget(record.lsid);
      this.records.delete(key);
    }
    this.killCursors((lsid) => keys.has(keyOf(lsid)));
  }

  private killCursors(inSession: (lsid: LogicalSessionId) => boolean): number {
    return this.cursors.killWhere((cursor) => {
      const lsid = sessionOfCursor(cursor);
      return lsid !== undefined && inSession(lsid);
    });
  }
}
