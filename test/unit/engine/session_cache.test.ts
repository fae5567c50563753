/**
 * The logical session cache: uses, listing by user, ending, killing, expiry after the timeout (on an injected clock)
 * and the cap on the number of sessions, with the cursors each of them kills.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Binary, UUID, type Document } from '../../../src/bson/index.js';
import { CursorRegistry, type ServerCursor } from '../../../src/engine/cursor_registry.js';
import { NO_AUTH_UID, SessionCache, userDigest, type LogicalSessionId } from '../../../src/engine/session_cache.js';
import { MongoServerError } from '../../../src/errors/index.js';

const MINUTE = 60 * 1000;
const ALL = { allUsers: true, users: [] };
const NAMELESS = { allUsers: false, users: [{ user: '', db: '' }] };

function fakeCursor(lsid?: Document): ServerCursor {
  return {
    ns: 'db.c',
    kind: 'find',
    originatingCommand: 'find',
    lsid,
    next: async () => ({ docs: [], exhausted: true }),
    close: () => undefined,
  };
}

function setUp(maxSessions?: number) {
  const clock = { now: 1_000_000 };
  const cursors = new CursorRegistry();
  const sessions = new SessionCache(cursors, { now: () => clock.now, maxSessions });
  return { clock, cursors, sessions };
}

function newSession(): LogicalSessionId {
  return { id: new UUID(), uid: NO_AUTH_UID };
}

function listedIds(sessions: SessionCache, spec: { allUsers: boolean; users: { user: string; db: string }[] } = ALL): string[] {
  return sessions.list(spec).map((d) => ((d._id as Document).id as Binary).toString('hex'));
}

const hex = (lsid: LogicalSessionId): string => lsid.id.toString('hex');

describe('SessionCache', () => {
  test('a use adds the session or moves its lastUse; listing is least recently used first', () => {
    const { clock, sessions } = setUp();
    const a = newSession();
    const b = newSession();
    sessions.vivify(a);
    clock.now += 1000;
    sessions.vivify(b);
    clock.now += 1000;
    sessions.vivify(a);
    const listed = sessions.list(ALL);
    assert.deepEqual(listed.map((d) => ((d._id as Document).id as Binary).toString('hex')), [hex(b), hex(a)]);
    assert.deepEqual(listed[1], { _id: { id: a.id, uid: NO_AUTH_UID }, lastUse: new Date(clock.now) });
  });

  test('users select sessions by owner digest; the empty name and database mean the nameless user', () => {
    const { sessions } = setUp();
    const mine = newSession();
    const theirs = { id: new UUID(), uid: userDigest('app', 'admin') };
    sessions.vivify(mine);
    sessions.vivify(theirs);
    assert.deepEqual(listedIds(sessions, NAMELESS), [hex(mine)]);
    assert.deepEqual(listedIds(sessions, { allUsers: false, users: [{ user: 'app', db: 'admin' }] }), [hex(theirs)]);
    assert.equal(sessions.list(ALL).length, 2);
  });

  test('the nameless user is SHA-256 of nothing, another user SHA-256 of user@db', () => {
    assert.equal(NO_AUTH_UID.toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(userDigest('', '').toString('hex'), 'c3641f8544d7c02f3580b07c0f9887f0c6a27ff5ab1d4a3e29caf197cfc299ae', 'sha256("@")');
  });

  test('end forgets the sessions and kills their cursors only', () => {
    const { cursors, sessions } = setUp();
    const a = newSession();
    const b = newSession();
    sessions.vivify(a);
    sessions.vivify(b);
    const ca = cursors.register(fakeCursor({ id: a.id }));
    const cb = cursors.register(fakeCursor({ id: b.id }));
    const none = cursors.register(fakeCursor());
    sessions.end([a, newSession()]);
    assert.deepEqual(listedIds(sessions), [hex(b)]);
    assert.deepEqual([cursors.has(ca), cursors.has(cb), cursors.has(none)], [false, true, true]);
  });

  test('kill kills the cursors the patterns match and leaves the sessions listed', () => {
    const { cursors, sessions } = setUp();
    const a = newSession();
    const other = { id: new UUID(), uid: userDigest('app', 'admin') };
    sessions.vivify(a);
    sessions.vivify(other);
    const ca = cursors.register(fakeCursor({ id: a.id }));
    const co = cursors.register(fakeCursor({ id: other.id, uid: other.uid }));
    assert.equal(sessions.kill([{ uid: userDigest('nobody', 'admin') }]), 0);
    assert.equal(sessions.kill([{ lsid: { id: a.id, uid: other.uid } }]), 0, 'the same id of another user is another session');
    assert.equal(sessions.kill([{ uid: other.uid }]), 1);
    assert.deepEqual([cursors.has(ca), cursors.has(co)], [true, false]);
    assert.equal(sessions.kill([{}]), 1, 'an empty pattern matches every session');
    assert.equal(cursors.has(ca), false);
    assert.equal(sessions.list(ALL).length, 2);
  });

  test('a session unused for longer than 30 minutes is forgotten when sessions are listed, and its cursors die', () => {
    const { clock, cursors, sessions } = setUp();
    const old = newSession();
    const fresh = newSession();
    sessions.vivify(old);
    const cursor = cursors.register(fakeCursor({ id: old.id }));
    clock.now += 20 * MINUTE;
    sessions.vivify(fresh);
    clock.now += 10 * MINUTE;
    assert.deepEqual(listedIds(sessions), [hex(old), hex(fresh)], 'exactly 30 minutes idle is still alive');
    clock.now += 1;
    assert.deepEqual(listedIds(sessions), [hex(fresh)]);
    assert.equal(cursors.has(cursor), false);
  });

  test('uses forget expired sessions too, at most every five minutes', () => {
    const { clock, cursors, sessions } = setUp();
    const old = newSession();
    sessions.vivify(old);
    const cursor = cursors.register(fakeCursor({ id: old.id }));
    clock.now += 31 * MINUTE;
    sessions.vivify(newSession());
    assert.equal(cursors.has(cursor), false, 'the use reaped the expired session');
    assert.equal(sessions.size, 1);
  });

  test('start makes a session of the nameless user that is listed at once', () => {
    const { sessions } = setUp();
    const lsid = sessions.start();
    assert.equal(lsid.id.sub_type, Binary.SUBTYPE_UUID);
    assert.deepEqual(listedIds(sessions, NAMELESS), [hex(lsid)]);
  });

  test('a full cache refuses a new session with TooManyLogicalSessions but still serves the ones it has', () => {
    const { sessions } = setUp(2);
    const a = newSession();
    sessions.vivify(a);
    sessions.vivify(newSession());
    const extra = newSession();
    assert.throws(
      () => sessions.vivify(extra),
      (err: unknown) =>
        err instanceof MongoServerError &&
        err.code === 261 &&
        err.codeName === 'TooManyLogicalSessions' &&
        err.message ===
          `Unable to add session ID { id: UUID("${new UUID(extra.id.buffer).toHexString()}"), uid: BinData(0, E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855) } into the cache because the number of active sessions is too high`,
    );
    sessions.vivify(a);
    assert.equal(sessions.size, 2);
  });
});
