import { createHash } from 'node:crypto';
import { Binary } from 'bson';
import { isDocument, valuesEqual, type Document } from '../bson/index.js';
import type { Engine } from './engine.js';

/**
 * The logical sessions this process has seen recently (mongod's LogicalSessionCache, in memory only), for
 * `$listLocalSessions`. Sessions idle longer than mongod's default localLogicalSessionTimeoutMinutes are forgotten.
 */
const SESSION_TIMEOUT_MS = 30 * 60 * 1000;

interface SessionRecord {
  id: unknown;
  lastUse: Date;
}

const caches = new WeakMap<Engine, SessionRecord[]>();

/** Without access control every session belongs to the nameless user, whose digest is SHA-256 of nothing. */
const NO_AUTH_UID = createHash('sha256').digest();

function recordsOf(engine: Engine): SessionRecord[] {
  let records = caches.get(engine);
  if (!records) {
    records = [];
    caches.set(engine, records);
  }
  return records;
}

/** Notes a use of the session `lsid` (`{id: UUID}` as drivers send it); anything else is ignored. */
export function noteSessionUse(engine: Engine, lsid: Document | undefined, now = new Date()): void {
  if (!lsid || !isDocument(lsid) || lsid.id === undefined) return;
  const records = recordsOf(engine);
  const found = records.find((r) => valuesEqual(r.id, lsid.id));
  if (found) found.lastUse = now;
  else records.push({ id: lsid.id, lastUse: now });
}

/**
 * The cached sessions as `$listLocalSessions` reports them: `{_id: {id, uid}, lastUse}`, most recently used last.
 * `users` are `user@db` names; the nameless user (`@`) owns every session here, as there is no access control.
 */
export function localSessionDocuments(engine: Engine, spec: { allUsers: boolean; users: string[] }, now = Date.now()): Document[] {
  const records = recordsOf(engine);
  for (let i = records.length - 1; i >= 0; i--) {
    if (now - records[i]!.lastUse.getTime() > SESSION_TIMEOUT_MS) records.splice(i, 1);
  }
  if (!spec.allUsers && !spec.users.includes('@')) return [];
  return [...records]
    .sort((a, b) => a.lastUse.getTime() - b.lastUse.getTime())
    .map((r) => ({ _id: { id: r.id, uid: new Binary(NO_AUTH_UID, 0) }, lastUse: r.lastUse }));
}
