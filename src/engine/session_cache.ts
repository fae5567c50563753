import { createHash } from 'node:crypto';
import { Binary } from '../bson/index.js';
import { isDocument, valuesEqual, type Document } from '../bson/index.js';

/** Sessions idle longer than mongod's default localLogicalSessionTimeoutMinutes are forgotten. */
const SESSION_TIMEOUT_MS = 30 * 60 * 1000;

interface SessionRecord {
  id: unknown;
  lastUse: Date;
}

/** Without access control every session belongs to the nameless user, whose digest is SHA-256 of nothing. */
const NO_AUTH_UID = createHash('sha256').digest();

/**
 * The logical sessions one engine has seen recently (mongod's LogicalSessionCache, in memory only), for
 * `$listLocalSessions`. Each engine owns one: sessions used against one database are not listed by another.
 */
export class SessionCache {
  private readonly records: SessionRecord[] = [];

  /** Notes a use of the session `lsid` (`{id: UUID}` as drivers send it); anything else is ignored. */
  noteUse(lsid: Document | undefined, now = new Date()): void {
    if (!lsid || !isDocument(lsid) || lsid.id === undefined) return;
    const found = this.records.find((r) => valuesEqual(r.id, lsid.id));
    if (found) found.lastUse = now;
    else this.records.push({ id: lsid.id, lastUse: now });
  }

  /**
   * The cached sessions as `$listLocalSessions` reports them: `{_id: {id, uid}, lastUse}`, most recently used last.
   * `users` are `user@db` names; the nameless user (`@`) owns every session here, as there is no access control.
   */
  documents(spec: { allUsers: boolean; users: string[] }, now = Date.now()): Document[] {
    const records = this.records;
    for (let i = records.length - 1; i >= 0; i--) {
      if (now - records[i]!.lastUse.getTime() > SESSION_TIMEOUT_MS) records.splice(i, 1);
    }
    if (!spec.allUsers && !spec.users.includes('@')) return [];
    return [...records]
      .sort((a, b) => a.lastUse.getTime() - b.lastUse.getTime())
      .map((r) => ({ _id: { id: r.id, uid: new Binary(NO_AUTH_UID, 0) }, lastUse: r.lastUse }));
  }
}
