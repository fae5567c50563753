/**
 * What mongod refuses in the session and cluster-time arguments of a command, with its codes and messages: the
 * gossiped `$clusterTime`, session ids (a command's `lsid`, the session commands' arrays), and the session stages'
 * specification.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Binary, Long, Timestamp, UUID, type Document } from '../../../src/bson/index.js';
import { checkClusterTime } from '../../../src/commands/support/cluster_time.js';
import { fullSessionId, sessionFromClient, sessionOfCommand } from '../../../src/commands/support/session_args.js';
import { NO_AUTH_UID } from '../../../src/engine/session_cache.js';
import { MongoServerError } from '../../../src/errors/index.js';
import { parseListSessionsSpec } from '../../../src/query/pipeline/list_sessions.js';

const NOW_MS = 1_800_000_000_000;
const NOW_SECS = NOW_MS / 1000;
const SIGNATURE = { hash: new Binary(Buffer.alloc(20), 0), keyId: new Long(0) };

function fails(fn: () => unknown, code: number, codeName: string, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof MongoServerError, String(err));
    assert.deepEqual({ code: err.code, codeName: err.codeName, message: err.message }, { code, codeName, message });
    return true;
  });
}

describe('$clusterTime', () => {
  const at = (secs: number, inc = 1) => new Timestamp({ t: secs, i: inc });
  const check = (clusterTime: unknown) => checkClusterTime({ ping: 1, $clusterTime: clusterTime }, NOW_MS);

  test('a well-formed cluster time passes, signed or not, and so does none', () => {
    check({ clusterTime: at(NOW_SECS), signature: SIGNATURE });
    check({ clusterTime: at(NOW_SECS) });
    check({ clusterTime: at(NOW_SECS), signature: { hash: new Binary(Buffer.alloc(20), 0), keyId: 7 }, extra: 1 });
    checkClusterTime({ ping: 1 }, NOW_MS);
    check(null);
  });

  test('a malformed one fails with the IDL error of its first wrong field', () => {
    const p = 'VectorClockComponents.$clusterTime';
    fails(() => check(5), 14, 'TypeMismatch', `BSON field '${p}' is the wrong type 'int', expected type 'object'`);
    fails(() => check({ clusterTime: {} }), 14, 'TypeMismatch', `BSON field '${p}.clusterTime' is the wrong type 'object', expected type 'timestamp'`);
    fails(() => check({}), 40414, 'IDLFailedToParse', `BSON field '${p}.clusterTime' is missing but a required field`);
    fails(() => check({ signature: SIGNATURE }), 40414, 'IDLFailedToParse', `BSON field '${p}.clusterTime' is missing but a required field`);
    fails(() => check({ clusterTime: at(NOW_SECS), signature: 'x' }), 14, 'TypeMismatch', `BSON field '${p}.signature' is the wrong type 'string', expected type 'object'`);
    fails(() => check({ clusterTime: at(NOW_SECS), signature: { keyId: 0 } }), 40414, 'IDLFailedToParse', `BSON field '${p}.signature.hash' is missing but a required field`);
    fails(() => check({ clusterTime: at(NOW_SECS), signature: { hash: SIGNATURE.hash } }), 40414, 'IDLFailedToParse', `BSON field '${p}.signature.keyId' is missing but a required field`);
    fails(
      () => check({ clusterTime: at(NOW_SECS), signature: { hash: 'abc', keyId: 0 } }),
      14,
      'TypeMismatch',
      `BSON field '${p}.signature.hash' is the wrong type 'string', expected type 'binData'`,
    );
    fails(
      () => check({ clusterTime: at(NOW_SECS), signature: { hash: new UUID(), keyId: 0 } }),
      14,
      'TypeMismatch',
      `BSON field '${p}.signature.hash' is the wrong binData type 'UUID', expected type 'general'`,
    );
    fails(
      () => check({ clusterTime: at(NOW_SECS), signature: { hash: SIGNATURE.hash, keyId: 'k' } }),
      14,
      'TypeMismatch',
      `BSON field '${p}.signature.keyId' is the wrong type 'string', expected types '[long, int, decimal, double]'`,
    );
  });

  test('a hash that is not a SHA-1 digest is UnsupportedFormat', () => {
    fails(() => check({ clusterTime: at(NOW_SECS), signature: { hash: new Binary(Buffer.alloc(3), 0), keyId: 0 } }), 12, 'UnsupportedFormat', 'Unsupported SHA1Block hash length: 3');
  });

  test('a time more than a year ahead of the wall clock fails the rate limiter; a year ahead passes', () => {
    const year = 365 * 24 * 60 * 60;
    check({ clusterTime: at(NOW_SECS + year), signature: SIGNATURE });
    fails(
      () => check({ clusterTime: at(NOW_SECS + year + 1), signature: SIGNATURE }),
      205,
      'ClusterTimeFailsRateLimiter',
      `New $clusterTime, ${NOW_SECS + year + 1}, is too far from this node's wall clock time, ${NOW_SECS}.`,
    );
    fails(() => check({ clusterTime: at(NOW_SECS, 2 ** 31) }), 40484, 'Location40484', '$clusterTime cannot be advanced beyond its maximum value');
  });
});

describe('session ids', () => {
  const id = new UUID();

  test('an lsid from a client belongs to the nameless user unless it names a uid', () => {
    assert.deepEqual(sessionFromClient({ id }, 'p').lsid, { id, uid: NO_AUTH_UID });
    const uid = new Binary(Buffer.alloc(32, 1), 0);
    assert.deepEqual(sessionFromClient({ id, uid }, 'p').lsid, { id, uid });
    assert.equal(sessionOfCommand({ find: 'c' }), undefined);
    assert.deepEqual(sessionOfCommand({ find: 'c', lsid: { id } }), { id, uid: NO_AUTH_UID });
  });

  test('a child session is marked and printed whole', () => {
    const txnUUID = new UUID();
    const child = sessionFromClient({ id, txnNumber: new Long(3), txnUUID }, 'p');
    assert.equal(child.isChild, true);
    assert.equal(
      child.text(),
      `{ id: UUID("${id.toHexString()}"), uid: BinData(0, E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855), txnNumber: 3, txnUUID: UUID("${txnUUID.toHexString()}") }`,
    );
  });

  test('malformed ids fail as IDL reports them', () => {
    const p = 'endSessions.endSessionsFromClient';
    fails(() => sessionFromClient({}, p), 40414, 'IDLFailedToParse', `BSON field '${p}.id' is missing but a required field`);
    fails(() => sessionFromClient({ id: 'x' }, p), 14, 'TypeMismatch', `BSON field '${p}.id' is the wrong type 'string', expected type 'binData'`);
    fails(() => sessionFromClient({ id: new Binary(Buffer.alloc(16), 1) }, p), 14, 'TypeMismatch', `BSON field '${p}.id' is the wrong binData type 'function', expected type 'UUID'`);
    fails(() => sessionFromClient({ id: new Binary(Buffer.alloc(0), 4) }, p), 207, 'InvalidUUID', 'uuid must be a 16-byte binary field with UUID (4) subtype');
    fails(() => sessionFromClient({ id, foo: 1 }, p), 40415, 'IDLUnknownField', `BSON field '${p}.foo' is an unknown field.`);
    fails(() => sessionFromClient({ id, uid: new Binary(Buffer.alloc(0), 0) }, p), 12, 'UnsupportedFormat', 'Unsupported SHA256Block hash length: 0');
    fails(() => sessionFromClient({ id, uid: new Binary(Buffer.alloc(32), 1) }, p), 14, 'TypeMismatch', `BSON field '${p}.uid' is the wrong binData type 'function', expected type 'general'`);
    fails(() => sessionFromClient({ id, txnNumber: 1 }, p), 14, 'TypeMismatch', `BSON field '${p}.txnNumber' is the wrong type 'int', expected type 'long'`);
    fails(() => sessionFromClient({ id, txnNumber: new Long(1) }, p), 72, 'InvalidOptions', 'Cannot specify txnNumber in lsid without specifying txnUUID');
    fails(() => fullSessionId({ id }, 'q.lsid'), 40414, 'IDLFailedToParse', "BSON field 'q.lsid.uid' is missing but a required field");
    fails(() => sessionOfCommand({ find: 'c', lsid: 'x' }), 14, 'TypeMismatch', "BSON field 'OperationSessionInfo.lsid' is the wrong type 'string', expected type 'object'");
    fails(() => sessionOfCommand({ find: 'c', lsid: {} }), 40414, 'IDLFailedToParse', "BSON field 'OperationSessionInfo.lsid.id' is missing but a required field");
  });
});

describe('the session stages\' specification', () => {
  test('{} is the current user, the nameless one without access control', () => {
    assert.deepEqual(parseListSessionsSpec('$listSessions', {}), { allUsers: false, users: [{ user: '', db: '' }] });
    assert.deepEqual(parseListSessionsSpec('$listSessions', { allUsers: true }), { allUsers: true, users: [] });
    assert.deepEqual(parseListSessionsSpec('$listSessions', { users: [{ user: 'u', db: 'd' }] }), { allUsers: false, users: [{ user: 'u', db: 'd' }] });
  });

  test('errors name the stage', () => {
    const fail = (spec: Document | number, code: number, codeName: string, message: string) =>
      fails(() => parseListSessionsSpec('$listSessions', spec), code, codeName, message);
    fail(1, 14, 'TypeMismatch', '$listSessions options must be specified in an object, but found: int');
    fail({ allUsers: 1 }, 14, 'TypeMismatch', "BSON field '$listSessions.allUsers' is the wrong type 'int', expected type 'bool'");
    fail({ users: 'u' }, 14, 'TypeMismatch', "BSON field '$listSessions.users' is the wrong type 'string', expected type 'array'");
    fail({ users: ['u'] }, 14, 'TypeMismatch', "BSON field '$listSessions.users.0' is the wrong type 'string', expected type 'object'");
    fail({ users: [{ user: 'u' }] }, 40414, 'IDLFailedToParse', "BSON field '$listSessions.users.db' is missing but a required field");
    fail({ users: [{ user: 'u', db: true }] }, 14, 'TypeMismatch', "BSON field '$listSessions.users.db' is the wrong type 'bool', expected type 'string'");
    fail({ users: [{ user: 'u', db: 'd', x: 1 }] }, 40415, 'IDLUnknownField', "BSON field '$listSessions.users.x' is an unknown field.");
    fail({ x: 1 }, 40415, 'IDLUnknownField', "BSON field '$listSessions.x' is an unknown field.");
    fail({ allUsers: true, users: [{ user: 'u', db: 'd' }] }, 12, 'UnsupportedFormat', '$listSessions may not specify {allUsers:true} and {users:[...]} at the same time');
  });
});
