/**
 * Operations in progress through the official driver: the currentOp command and the `$currentOp` stage list a
 * command held by the `failCommand` fail point (blockConnection) with its opid, namespace and command; killOp,
 * killSessions, maxTimeMS and a closed connection end it; a parked change-stream getMore is killed by killOp; the
 * argument errors of killOp, maxTimeMS and `$currentOp` are mongod's. Nothing here asserts on elapsed time: a
 * blocked command is found by polling currentOp, and every block is far longer than any test waits.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Long, type ClientSession, type Document, type MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { clientFor, disableFailPoints, eventually, rejectsWith, startInProcess } from './harness.js';
import { bodySection, opMsg, RawSocket } from './raw_wire.js';

const DB = 'currentop';
/** Longer than any test runs: a blocked command only ends because a test ends it. */
const BLOCK_MS = 10 * 60 * 1000;

describe('currentOp, $currentOp and killOp', () => {
  let server: RunningServer;
  /** Runs currentOp, killOp and the fail points; never blocked. */
  let admin: MongoClient;
  /** Its commands are the ones blocked (the fail point matches its appName). */
  let blocked: MongoClient;

  before(async () => {
    server = await startInProcess();
    admin = clientFor(server.address, { appName: 'watcher' });
    blocked = clientFor(server.address, { appName: 'blocked', retryReads: false, retryWrites: false });
    await admin.db(DB).collection<{ _id: number; x: number }>('c').insertMany([{ _id: 1, x: 1 }, { _id: 2, x: 2 }, { _id: 3, x: 3 }]);
    await blocked.db(DB).command({ ping: 1 });
  });
  afterEach(async () => {
    await disableFailPoints(admin);
    await admin.db('admin').command({ configureFailPoint: 'maxTimeAlwaysTimeOut', mode: 'off' });
  });
  after(async () => {
    await blocked.close();
    await admin.close();
    await server.close();
  });

  const adminCommand = (cmd: Document): Promise<Document> => admin.db('admin').command(cmd);

  /** Blocks the next `commandName` of the `blocked` client (or of `appName`) until something ends it. */
  async function blockNext(commandName: string, appName = 'blocked'): Promise<void> {
    await adminCommand({
      configureFailPoint: 'failCommand',
      mode: { times: 1 },
      data: { failCommands: [commandName], blockConnection: true, blockTimeMS: BLOCK_MS, appName },
    });
  }

  /** The currentOp entries of running operations matching `filter`, once there is at least one. */
  async function waitForOps(filter: Document): Promise<Document[]> {
    let found: Document[] = [];
    await eventually(async () => {
      found = (await adminCommand({ currentOp: 1, ...filter })).inprog as Document[];
      return found.length > 0;
    }, `an operation matching ${JSON.stringify(filter)}`);
    return found;
  }

  /** A promise that settles with the error `action` fails with (so a test can start it and look elsewhere). */
  function failureOf(action: Promise<unknown>): Promise<unknown> {
    return action.then(
      () => assert.fail('expected the operation to fail'),
      (err: unknown) => err,
    );
  }

  async function assertFailsWith(pending: Promise<unknown>, code: number, codeName: string, message?: string): Promise<void> {
    await rejectsWith(pending.then((err) => Promise.reject(err)), code, { codeName, ...(message ? { message } : {}) });
  }

  it('currentOp lists a blocked find with mongod fields, and killOp interrupts it', async () => {
    await blockNext('find');
    const find = failureOf(blocked.db(DB).collection('c').find({ x: { $gte: 2 } }).toArray());
    const [op] = await waitForOps({ 'command.find': 'c', appName: 'blocked' });
    assert.ok(op);
    assert.equal(op.type, 'op');
    assert.equal(op.active, true);
    assert.equal(op.op, 'query');
    assert.equal(op.ns, `${DB}.c`);
    assert.deepEqual(op.command.filter, { x: { $gte: 2 } });
    assert.equal(op.command.$db, DB);
    assert.equal(op.appName, 'blocked');
    assert.equal((op.clientMetadata as Document).application.name, 'blocked');
    assert.equal(typeof op.opid, 'number');
    assert.equal(typeof op.connectionId, 'number');
    assert.equal(op.desc, `conn${op.connectionId}`);
    assert.match(op.client as string, /^127\.0\.0\.1:\d+$/);
    assert.match(op.host as string, /:\d+$/);
    assert.equal(typeof op.currentOpTime, 'string');
    assert.ok(op.lsid && (op.lsid as Document).id, 'the implicit session is shown');
    assert.ok(Number(op.microsecs_running) >= 0 && Number(op.secs_running) >= 0);
    assert.equal(op.numYields, 0);
    assert.deepEqual(op.locks, {});
    assert.equal(op.waitingForLock, false);
    assert.equal(op.killPending, undefined);

    const reply = await adminCommand({ killOp: 1, op: op.opid });
    assert.equal(reply.info, 'attempting to kill op');
    assert.equal(reply.ok, 1);
    await assertFailsWith(find, 11601, 'Interrupted', 'operation was interrupted');
    const after = (await adminCommand({ currentOp: 1, opid: op.opid })).inprog as Document[];
    assert.deepEqual(after, [], 'a finished operation is no longer listed');
  });

  it('$currentOp on admin lists the same operation, and the stages after it filter and shape it', async () => {
    await blockNext('find');
    const find = failureOf(blocked.db(DB).collection<{ _id: number; x: number }>('c').find({ _id: 1 }).toArray());
    const [listed] = await waitForOps({ 'command.find': 'c', appName: 'blocked' });
    const staged = await admin.db('admin').aggregate([
      { $currentOp: {} },
      { $match: { 'command.find': 'c', appName: 'blocked' } },
      { $project: { _id: 0, opid: 1, ns: 1, command: 1 } },
    ]).toArray();
    assert.equal(staged.length, 1);
    assert.equal(staged[0]!.opid, listed!.opid);
    assert.equal(staged[0]!.ns, `${DB}.c`);
    assert.deepEqual(staged[0]!.command.filter, { _id: 1 });
    // What Compass sends, whole commands included.
    const compass = await admin.db('admin').aggregate([{ $currentOp: { allUsers: true, idleConnections: false, truncateOps: false } }]).toArray();
    assert.ok(compass.some((doc) => doc.opid === listed!.opid));
    // Every option spelled out, then a $match.
    const shell = await admin.db('admin').aggregate([
      { $currentOp: { allUsers: true, idleConnections: false, idleCursors: false, idleSessions: true, localOps: false } },
      { $match: { opid: listed!.opid } },
    ]).toArray();
    assert.equal(shell.length, 1);
    assert.equal(shell[0]!.command.find, 'c');
    // The aggregate lists itself too, on admin.$cmd.aggregate.
    const itself = await admin.db('admin').aggregate([{ $currentOp: {} }, { $match: { 'command.aggregate': 1 } }]).toArray();
    assert.equal(itself.length, 1);
    assert.equal(itself[0]!.ns, 'admin.$cmd.aggregate');
    assert.equal(itself[0]!.op, 'command');
    await adminCommand({ killOp: 1, op: listed!.opid });
    await assertFailsWith(find, 11601, 'Interrupted');
  });

  it('the currentOp command shortens a command over 1000 bytes; $currentOp shows it whole', async () => {
    await blockNext('find');
    const long = 'x'.repeat(2000);
    const find = failureOf(blocked.db(DB).collection('c').find({ note: long }, { comment: 'big' }).toArray());
    const [op] = await waitForOps({ 'command.comment': 'big', appName: 'blocked' });
    assert.equal(typeof op!.command.$truncated, 'string');
    assert.equal((op!.command.$truncated as string).length, 1000);
    assert.match(op!.command.$truncated as string, /^\{ find: "c", filter: \{ note: "x+/);
    assert.ok((op!.command.$truncated as string).endsWith('...'));
    assert.equal(op!.command.comment, 'big');
    const whole = (await adminCommand({ currentOp: 1, opid: op!.opid, $truncateOps: false })).inprog as Document[];
    assert.equal(whole[0]!.command.filter.note, long);
    const staged = await admin.db('admin').aggregate([{ $currentOp: {} }, { $match: { opid: op!.opid } }]).toArray();
    assert.equal(staged[0]!.command.filter.note, long);
    await adminCommand({ killOp: 1, op: op!.opid });
    await assertFailsWith(find, 11601, 'Interrupted');
  });

  it('the currentOp command lists itself, and $all adds the idle connections', async () => {
    const own = (await adminCommand({ currentOp: 1, 'command.currentOp': { $exists: true } })).inprog as Document[];
    assert.equal(own.length, 1);
    assert.equal(own[0]!.ns, 'admin.$cmd');
    assert.equal(own[0]!.op, 'command');
    assert.equal(own[0]!.appName, 'watcher');
    const all = (await adminCommand({ currentOp: 1, $all: true })).inprog as Document[];
    const idle = all.filter((op) => op.active === false);
    assert.ok(idle.length > 0, 'the blocked client and the monitors have connections running nothing');
    for (const op of idle) {
      assert.equal(op.type, 'op');
      assert.equal(op.opid, undefined);
      assert.equal(op.desc, `conn${op.connectionId}`);
    }
    const onlyActive = (await adminCommand({ currentOp: 1 })).inprog as Document[];
    assert.ok(onlyActive.every((op) => op.active === true));
  });

  it('idleCursors lists an open find cursor no getMore is using', async () => {
    const reply = await blocked.db(DB).command({ find: 'c', batchSize: 1 });
    const id = (reply.cursor as Document).id as Long;
    const cursors = await admin.db('admin').aggregate([{ $currentOp: { idleCursors: true } }, { $match: { type: 'idleCursor' } }], { promoteLongs: false }).toArray();
    const mine = cursors.find((c) => (c.cursor.cursorId as Long).equals(id));
    assert.ok(mine, 'the cursor is listed');
    assert.equal(mine.ns, `${DB}.c`);
    assert.ok(mine.cursor.createdDate instanceof Date);
    assert.ok(mine.cursor.lastAccessDate instanceof Date);
    assert.equal(mine.cursor.tailable, false);
    await blocked.db(DB).command({ killCursors: 'c', cursors: [id] });
  });

  it('maxTimeMS ends a blocked command with MaxTimeMSExpired', async () => {
    await blockNext('find');
    await rejectsWith(blocked.db(DB).collection('c').find({}, { maxTimeMS: 50 }).toArray(), 50, {
      codeName: 'MaxTimeMSExpired',
      message: 'operation exceeded time limit',
    });
  });

  it('maxTimeAlwaysTimeOut fails every command that has a maxTimeMS', async () => {
    await adminCommand({ configureFailPoint: 'maxTimeAlwaysTimeOut', mode: 'alwaysOn' });
    await rejectsWith(blocked.db(DB).collection('c').find({}, { maxTimeMS: 60_000 }).toArray(), 50, { codeName: 'MaxTimeMSExpired' });
    await rejectsWith(blocked.db(DB).command({ count: 'c', maxTimeMS: 1 }), 50);
    // Without a limit, or with 0 (no limit), nothing changes.
    assert.equal((await blocked.db(DB).collection('c').find({}).toArray()).length, 3);
    assert.equal((await blocked.db(DB).command({ count: 'c', maxTimeMS: 0 })).n, 3);
  });

  it('maxTimeMS is parsed as mongod parses it, on every command', async () => {
    const db = blocked.db(DB);
    await rejectsWith(db.command({ ping: 1, maxTimeMS: 'soon' }), 2, { codeName: 'BadValue', message: 'maxTimeMS must be a number' });
    await rejectsWith(db.command({ find: 'c', maxTimeMS: null }), 2, { message: 'maxTimeMS must be a number' });
    await rejectsWith(db.command({ find: 'c', maxTimeMS: -1 }), 2, { message: '-1 value for maxTimeMS is out of range' });
    await rejectsWith(db.command({ insert: 'c', documents: [{}], maxTimeMS: 2 ** 31 }), 2, { message: '2147483648 value for maxTimeMS is out of range' });
    await rejectsWith(db.command({ count: 'c', maxTimeMS: 1.5 }), 2, { message: 'maxTimeMS has non-integral value' });
    assert.equal((await db.command({ count: 'c', maxTimeMS: Long.fromNumber(2 ** 31 - 1) })).n, 3);
    assert.equal((await db.command({ ping: 1, maxTimeMS: 2.0 })).ok, 1);
  });

  it('killOp reads op as mongod does', async () => {
    const killOp = (op?: unknown): Promise<Document> => adminCommand(op === undefined ? { killOp: 1 } : { killOp: 1, op });
    await rejectsWith(killOp(), 4, { codeName: 'NoSuchKey', message: 'Missing expected field "op"' });
    await rejectsWith(killOp('12'), 14, { codeName: 'TypeMismatch', message: 'Expected field "op" to have numeric type, but found string' });
    await rejectsWith(killOp(1.5), 2, { message: 'Expected field "op" to have a value exactly representable as a 64-bit integer, but found op: 1.5' });
    await rejectsWith(killOp(Long.fromNumber(2 ** 40)), 26823, { message: 'invalid op : 1099511627776. Op ID cannot be represented with 32 bits' });
    assert.equal((await killOp(Long.fromNumber(123456))).info, 'attempting to kill op');
    assert.equal((await killOp(987654.0)).info, 'attempting to kill op');
    await rejectsWith(blocked.db(DB).command({ killOp: 1, op: 1 }), 13, { codeName: 'Unauthorized' });
  });

  it('$currentOp refuses what mongod refuses', async () => {
    const adminDb = admin.db('admin');
    await rejectsWith(admin.db(DB).aggregate([{ $currentOp: {} }]).toArray(), 73, {
      codeName: 'InvalidNamespace',
      message: "$currentOp must be run against the 'admin' database with {aggregate: 1}",
    });
    await rejectsWith(adminDb.collection('c').aggregate([{ $currentOp: {} }]).toArray(), 73);
    await rejectsWith(adminDb.aggregate([{ $match: {} }, { $currentOp: {} }]).toArray(), 40602, {
      message: '$currentOp is only valid as the first stage in a pipeline',
    });
    await rejectsWith(adminDb.aggregate([{ $currentOp: 'all' }]).toArray(), 14, {
      message: '$currentOp options must be specified in an object, but found: string',
    });
    await rejectsWith(adminDb.aggregate([{ $currentOp: { allUsers: 1 } }]).toArray(), 14, {
      message: "The 'allUsers' parameter of the $currentOp stage must be a boolean value, but found: int",
    });
    await rejectsWith(adminDb.aggregate([{ $currentOp: { idleCursors: 'yes' } }]).toArray(), 14, {
      message: "Field 'idleCursors' should be a boolean value, but found: string",
    });
    await rejectsWith(adminDb.aggregate([{ $currentOp: { everything: true } }]).toArray(), 40415, {
      message: "BSON field '$currentOp.everything' is an unknown field.",
    });
    await rejectsWith(adminDb.aggregate([{ $currentOp: { targetAllNodes: true } }]).toArray(), 9, { codeName: 'FailedToParse' });
    await rejectsWith(adminDb.aggregate([{ $currentOp: {} }], { readConcern: { level: 'majority' } }).toArray(), 72, {
      message: "Aggregation stage $currentOp cannot run with a readConcern other than 'local'. Current readConcern: majority",
    });
    assert.ok((await adminDb.aggregate([{ $currentOp: {} }], { readConcern: { level: 'local' } }).toArray()).length > 0);
  });

  it('killOp ends a change-stream getMore parked waiting for events', async () => {
    const db = blocked.db(DB);
    const opened = await db.command({ aggregate: 'c', pipeline: [{ $changeStream: {} }], cursor: {} });
    const id = (opened.cursor as Document).id as Long;
    const getMore = failureOf(db.command({ getMore: id, collection: 'c', maxTimeMS: BLOCK_MS }));
    const [op] = await waitForOps({ 'command.getMore': { $exists: true }, appName: 'blocked' });
    assert.equal(op!.op, 'getmore');
    assert.equal(op!.ns, `${DB}.c`);
    await adminCommand({ killOp: 1, op: op!.opid });
    await assertFailsWith(getMore, 11601, 'Interrupted', 'operation was interrupted');
    // mongod discards the cursor of a failed getMore.
    await rejectsWith(db.command({ getMore: id, collection: 'c' }), 43, { codeName: 'CursorNotFound' });
  });

  it('killSessions interrupts the operations running in the session', async () => {
    await blockNext('find');
    const session: ClientSession = blocked.startSession();
    try {
      const find = failureOf(blocked.db(DB).collection('c').find({}, { session }).toArray());
      const [op] = await waitForOps({ 'command.find': 'c', appName: 'blocked' });
      // The driver reads a UUID binary back as a UUID; compare the bytes.
      assert.deepEqual(Buffer.from((op!.lsid as Document).id.buffer), Buffer.from(session.id!.id.buffer));
      await adminCommand({ killSessions: [session.id] });
      await assertFailsWith(find, 11601, 'Interrupted');
    } finally {
      await session.endSession();
    }
  });

  it('an open transaction between statements is an idle session; killSessions aborts it', async () => {
    const session: ClientSession = blocked.startSession();
    try {
      session.startTransaction();
      await blocked.db(DB).collection<{ _id: number; x: number }>('c').insertOne({ _id: 10, x: 10 }, { session });
      const idle = await admin.db('admin').aggregate([{ $currentOp: {} }, { $match: { type: 'idleSession' } }]).toArray();
      assert.equal(idle.length, 1);
      assert.equal(idle[0]!.desc, 'inactive transaction');
      assert.equal(idle[0]!.active, false);
      assert.deepEqual(Buffer.from(idle[0]!.lsid.id.buffer), Buffer.from(session.id!.id.buffer));
      assert.equal(idle[0]!.transaction.parameters.autocommit, false);
      assert.equal(Number(idle[0]!.transaction.parameters.txnNumber), Number(session.serverSession!.txnNumber));
      const without = await admin.db('admin').aggregate([{ $currentOp: { idleSessions: false } }, { $match: { type: 'idleSession' } }]).toArray();
      assert.deepEqual(without, []);
      await adminCommand({ killSessions: [session.id] });
      await rejectsWith(session.commitTransaction(), 251, { codeName: 'NoSuchTransaction' });
      assert.equal(await admin.db(DB).collection<{ _id: number }>('c').countDocuments({ _id: 10 }), 0);
    } finally {
      await session.endSession();
    }
  });

  it('a closed connection interrupts its command, which leaves currentOp', async () => {
    // A raw socket reset, so that the server sees the connection closed while the command runs. (A half-close,
    // FIN, lets the server finish the queued work and reply first.)
    const socket = await RawSocket.open(server.port);
    try {
      socket.write(opMsg([bodySection({ hello: 1, client: { application: { name: 'leaving' }, driver: { name: 'raw', version: '0' }, os: { type: 'Linux' } }, $db: 'admin' })]));
      assert.ok('reply' in (await socket.outcome()));
      await blockNext('find', 'leaving');
      socket.write(opMsg([bodySection({ find: 'c', filter: {}, $db: DB })]));
      const [op] = await waitForOps({ 'command.find': 'c', appName: 'leaving' });
      assert.equal(op!.op, 'query');
      socket.reset();
    } finally {
      socket.destroy();
    }
    await eventually(async () => {
      const left = (await adminCommand({ currentOp: 1, appName: 'leaving' })).inprog as Document[];
      return left.length === 0;
    }, 'the interrupted find to finish');
  });
});
