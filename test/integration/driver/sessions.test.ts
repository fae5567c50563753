/**
 * Logical sessions through the official driver: the session commands (startSession, refreshSessions, endSessions,
 * killSessions, killAllSessions, killAllSessionsByPattern) with their argument errors, `$listSessions` and
 * `$listLocalSessions`, expiry after 30 idle minutes on an injected clock, and the refusal of a malformed
 * `$clusterTime`.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Binary, Long, Timestamp, UUID, type ClientSession, type Document, type FindCursor, type MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { bodySection, opMsg, RawSocket } from './raw_wire.js';
import { clientFor, rejectsWith, startInProcess } from './harness.js';

const DB = 'sessions';
const MINUTE = 60 * 1000;
/** Without access control every session belongs to the nameless user, whose digest is SHA-256 of nothing. */
const NAMELESS_UID = Buffer.from('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex');

describe('logical sessions', () => {
  /** The server's wall clock: tests move it forward instead of waiting. */
  const clock = { offset: 0 };
  let server: RunningServer;
  let client: MongoClient;

  before(async () => {
    server = await startInProcess({ now: () => Date.now() + clock.offset });
    client = clientFor(server.address);
    await client.db(DB).collection<{ _id: number }>('c').insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
  });
  after(async () => {
    await client.close();
    await server.close();
  });
  beforeEach(async () => {
    await client.db('admin').command({ killAllSessions: [] });
  });

  const admin = (cmd: Document): Promise<Document> => client.db('admin').command(cmd);

  /** The session ids `$listSessions` lists (every user's), as hex. */
  async function listed(stage: '$listSessions' | '$listLocalSessions' = '$listSessions'): Promise<string[]> {
    const docs = stage === '$listSessions'
      ? await client.db('config').collection('system.sessions').aggregate([{ $listSessions: { allUsers: true } }]).toArray()
      : await client.db('admin').aggregate([{ $listLocalSessions: { allUsers: true } }]).toArray();
    return docs.map((d) => ((d._id as Document).id as Binary).toString('hex'));
  }

  const hexOf = (session: ClientSession): string => (session.id!.id as Binary).toString('hex');

  /** A find in `session` with its first document read, so that its cursor stays open on the server. */
  async function openCursor(session: ClientSession): Promise<FindCursor<Document>> {
    const cursor = client.db(DB).collection('c').find({}, { session, batchSize: 1 });
    assert.deepEqual(await cursor.next(), { _id: 1 });
    return cursor;
  }

  /** Two sessions with a cursor open in each; `end()` ends both sessions. */
  async function twoSessionsWithCursors() {
    const sessions = [client.startSession(), client.startSession()] as const;
    const cursors = [await openCursor(sessions[0]), await openCursor(sessions[1])] as const;
    return { sessions, cursors, end: () => Promise.all(sessions.map((s) => s.endSession())) };
  }

  it('startSession makes a session the server lists; a command sent in a session makes it known too', async () => {
    const reply = await admin({ startSession: 1 });
    assert.equal(reply.timeoutMinutes, 30);
    assert.ok(reply.id.id instanceof Binary && reply.id.id.sub_type === 4, 'id.id is a UUID');
    const session = client.startSession();
    await client.db(DB).collection('c').findOne({}, { session });
    const ids = await listed();
    assert.ok(ids.includes((reply.id.id as Binary).toString('hex')), 'the started session');
    assert.ok(ids.includes(hexOf(session)), 'the session of the find');
    assert.deepEqual((await listed('$listLocalSessions')).sort(), ids.sort(), 'one server: both stages list the same sessions');
    const [doc] = await client.db('config').collection('system.sessions').aggregate([{ $listSessions: {} }, { $match: { '_id.id': session.id!.id } }]).toArray();
    assert.deepEqual(Buffer.from((doc!._id as Document).uid.buffer), NAMELESS_UID, 'owned by the nameless user');
    assert.ok(doc!.lastUse instanceof Date);
    await session.endSession();
  });

  it('$listSessions runs on config.system.sessions only, and as the first stage only', async () => {
    await rejectsWith(client.db('config').collection('other').aggregate([{ $listSessions: {} }]).toArray(), 73, {
      message: "$listSessions must be run against the 'system.sessions' collection in the 'config' database.",
    });
    await rejectsWith(client.db('config').collection('system.sessions').aggregate([{ $match: {} }, { $listSessions: {} }]).toArray(), 40602);
    await rejectsWith(client.db('config').collection('system.sessions').aggregate([{ $listSessions: { allUsers: true, users: [{ user: 'a', db: 'b' }] } }]).toArray(), 12);
    const none = await client.db('config').collection('system.sessions').aggregate([{ $listSessions: { users: [{ user: 'app', db: 'admin' }] } }]).toArray();
    assert.deepEqual(none, [], 'no session belongs to a named user without access control');
  });

  it('endSessions forgets the session and kills its cursors', async () => {
    const session = client.startSession();
    const cursor = await openCursor(session);
    assert.ok((await listed()).includes(hexOf(session)));
    await admin({ endSessions: [session.id!] });
    assert.ok(!(await listed()).includes(hexOf(session)), 'ended sessions are not listed');
    await rejectsWith(cursor.toArray(), 43, { codeName: 'CursorNotFound' });
    await session.endSession();
  });

  it('killSessions kills the cursors of the named sessions; the sessions stay listed and usable', async () => {
    const { sessions: [killed], cursors: [killedCursor, sparedCursor], end } = await twoSessionsWithCursors();
    await admin({ killSessions: [killed.id!] });
    await rejectsWith(killedCursor.toArray(), 43);
    assert.deepEqual(await sparedCursor.toArray(), [{ _id: 2 }, { _id: 3 }]);
    assert.ok((await listed()).includes(hexOf(killed)), 'a killed session is still listed');
    assert.equal((await client.db(DB).collection('c').find({}, { session: killed }).toArray()).length, 3, 'and usable');
    await end();
  });

  it('killSessions [] and killAllSessions [] kill the cursors of every session; killAllSessions of a named user kills none', async () => {
    for (const kill of [{ killSessions: [] }, { killAllSessions: [] }]) {
      const { cursors, end } = await twoSessionsWithCursors();
      await admin({ killAllSessions: [{ user: 'app', db: 'admin' }] });
      await admin(kill);
      for (const cursor of cursors) await rejectsWith(cursor.toArray(), 43);
      await end();
    }
  });

  it('killAllSessionsByPattern kills the cursors of the sessions a pattern matches', async () => {
    const { sessions: [killed, spared], cursors: [killedCursor, sparedCursor], end } = await twoSessionsWithCursors();
    await admin({ killAllSessionsByPattern: [{ lsid: { id: killed.id!.id, uid: new Binary(NAMELESS_UID, 0) } }] });
    await rejectsWith(killedCursor.toArray(), 43);
    assert.deepEqual(await sparedCursor.toArray(), [{ _id: 2 }, { _id: 3 }]);
    const again = await openCursor(spared);
    await admin({ killAllSessionsByPattern: [{ uid: new Binary(NAMELESS_UID, 0) }] });
    await rejectsWith(again.toArray(), 43, { message: /cursor id \d+ not found/ });
    await end();
  });

  it('any command sent with an lsid makes its session known, except a kill command', async () => {
    // Over the wire: the driver would put one of its pooled sessions in place of the lsid given.
    const socket = await RawSocket.open(server.port);
    try {
      const ids = [new UUID(), new UUID()];
      for (const [i, cmd] of [{ ping: 1 }, { killAllSessions: [] }].entries()) {
        socket.write(opMsg([bodySection({ ...cmd, lsid: { id: ids[i] }, $db: 'admin' })]));
        const outcome = await socket.outcome();
        assert.ok('reply' in outcome && outcome.reply.ok === 1);
      }
      const known = await listed();
      assert.ok(known.includes(ids[0]!.toString('hex')), 'the ping\'s session');
      assert.ok(!known.includes(ids[1]!.toString('hex')), 'not the kill\'s');
    } finally {
      socket.destroy();
    }
  });

  it('refreshSessions makes the server know the sessions and moves their last use', async () => {
    const id = new UUID();
    await admin({ refreshSessions: [{ id }] });
    const lastUse = async (): Promise<Date> => {
      const [doc] = await client.db('config').collection('system.sessions').aggregate([{ $listSessions: {} }, { $match: { '_id.id': id } }]).toArray();
      assert.ok(doc, 'the refreshed session is listed');
      return doc.lastUse as Date;
    };
    const first = await lastUse();
    clock.offset += MINUTE;
    await admin({ refreshSessions: [{ id }] });
    assert.ok((await lastUse()).getTime() > first.getTime(), 'refreshed later');
    await admin({ endSessions: [{ id }] });
  });

  it('a session idle for more than 30 minutes is forgotten and its cursors are killed; one in use stays', async () => {
    const idle = client.startSession();
    const busy = client.startSession();
    const idleCursor = await openCursor(idle);
    const busyCursor = await openCursor(busy);
    clock.offset += 20 * MINUTE;
    assert.deepEqual(await busyCursor.next(), { _id: 2 }, 'a getMore in the session is a use of it');
    clock.offset += 11 * MINUTE;
    const ids = await listed();
    assert.ok(!ids.includes(hexOf(idle)), 'the idle session expired');
    assert.ok(ids.includes(hexOf(busy)), 'the busy one did not');
    await rejectsWith(idleCursor.toArray(), 43);
    assert.deepEqual(await busyCursor.toArray(), [{ _id: 3 }]);
    await idle.endSession();
    await busy.endSession();
  });

  it('the session commands refuse malformed arguments as mongod does', async () => {
    await rejectsWith(admin({ endSessions: 'x' }), 14, { message: "BSON field 'endSessions.endSessions' is the wrong type 'string', expected type 'array'" });
    await rejectsWith(admin({ refreshSessions: ['x'] }), 14, {
      message: "BSON field 'refreshSessions.refreshSessionsFromClient.0' is the wrong type 'string', expected type 'object'",
    });
    await rejectsWith(admin({ endSessions: [{}] }), 40414, { message: "BSON field 'endSessions.endSessionsFromClient.id' is missing but a required field" });
    await rejectsWith(admin({ killSessions: [{ id: new Binary(Buffer.alloc(0), 4) }] }), 207, {
      codeName: 'InvalidUUID',
      message: 'uuid must be a 16-byte binary field with UUID (4) subtype',
    });
    await rejectsWith(admin({ killSessions: 1 }), 14, { message: "BSON field 'KillSessionsCmd.killSessions' is the wrong type 'int', expected type 'array'" });
    await rejectsWith(admin({ killAllSessions: [{ user: 'u' }] }), 40414, { message: "BSON field 'KillAllSessionsCmd.killAllSessions.db' is missing but a required field" });
    await rejectsWith(admin({ killAllSessionsByPattern: [{ invalid: 1 }] }), 40415, {
      message: "BSON field 'KillAllSessionsByPatternCmd.killAllSessionsByPattern.invalid' is an unknown field.",
    });
    await rejectsWith(admin({ killAllSessionsByPattern: [{ lsid: { id: new UUID() } }] }), 40414, {
      message: "BSON field 'KillAllSessionsByPatternCmd.killAllSessionsByPattern.lsid.uid' is missing but a required field",
    });
    await rejectsWith(admin({ killAllSessionsByPattern: [{ uid: new Binary(Buffer.alloc(0), 0) }] }), 12, { message: 'Unsupported SHA256Block hash length: 0' });
    const child = { id: new UUID(), txnNumber: Long.fromNumber(1), txnUUID: new UUID() };
    await rejectsWith(admin({ endSessions: [child] }), 72, { message: /^Cannot specify a child session id \{ id: UUID\("/ });
    await rejectsWith(admin({ killAllSessionsByPattern: [{ lsid: { ...child, uid: new Binary(NAMELESS_UID, 0) } }] }), 72, { message: 'Cannot kill a child session' });
  });

  describe('$clusterTime', () => {
    /** A session whose gossiped cluster time is `clusterTime`: the driver sends it with the session's commands. */
    function gossiping(clusterTime: Document): ClientSession {
      const session = client.startSession();
      session.advanceClusterTime(clusterTime as Parameters<ClientSession['advanceClusterTime']>[0]);
      return session;
    }
    const future = (seconds: number) => new Timestamp({ t: Math.floor(Date.now() / 1000) + seconds, i: 1 });

    it('a signature whose hash is not a SHA-1 digest, or of another BinData subtype, is refused', async () => {
      const short = gossiping({ clusterTime: future(1), signature: { hash: new Binary(Buffer.alloc(5), 0), keyId: Long.fromNumber(0) } });
      await rejectsWith(client.db(DB).command({ ping: 1 }, { session: short }), 12, { codeName: 'UnsupportedFormat', message: 'Unsupported SHA1Block hash length: 5' });
      const uuid = gossiping({ clusterTime: future(1), signature: { hash: new UUID(), keyId: Long.fromNumber(0) } });
      await rejectsWith(client.db(DB).command({ ping: 1 }, { session: uuid }), 14, {
        message: "BSON field 'VectorClockComponents.$clusterTime.signature.hash' is the wrong binData type 'UUID', expected type 'general'",
      });
      await short.endSession();
      await uuid.endSession();
    });

    it('a cluster time more than a year ahead of the server\'s clock fails the rate limiter', async () => {
      const session = gossiping({ clusterTime: future(366 * 24 * 3600), signature: { hash: new Binary(Buffer.alloc(20), 0), keyId: Long.fromNumber(0) } });
      await rejectsWith(client.db(DB).collection('c').findOne({}, { session }), 205, {
        codeName: 'ClusterTimeFailsRateLimiter',
        message: /^New \$clusterTime, \d+, is too far from this node's wall clock time, \d+\.$/,
      });
      await session.endSession();
    });

    it('shapes the driver never sends are refused over the wire; an unsigned cluster time is accepted', async () => {
      const socket = await RawSocket.open(server.port);
      try {
        const send = async (clusterTime: unknown): Promise<Document> => {
          socket.write(opMsg([bodySection({ ping: 1, $db: 'admin', $clusterTime: clusterTime })]));
          const outcome = await socket.outcome();
          assert.ok('reply' in outcome, 'the server replied');
          return outcome.reply;
        };
        const malformed = await send({ clusterTime: {} });
        assert.deepEqual([malformed.ok, malformed.code, malformed.codeName, malformed.errmsg], [
          0, 14, 'TypeMismatch', "BSON field 'VectorClockComponents.$clusterTime.clusterTime' is the wrong type 'object', expected type 'timestamp'",
        ]);
        const missing = await send({ signature: { hash: new Binary(Buffer.alloc(20), 0), keyId: Long.fromNumber(0) } });
        assert.deepEqual([missing.ok, missing.code, missing.codeName], [0, 40414, 'IDLFailedToParse']);
        const unsigned = await send({ clusterTime: new Timestamp({ t: Math.floor(Date.now() / 1000), i: 1 }) });
        assert.equal(unsigned.ok, 1);
      } finally {
        socket.destroy();
      }
    });
  });
});
