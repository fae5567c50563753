/**
 * What mongod refuses in the session arguments of a command, with its codes and messages: session ids (a command's
 * `lsid`, the session commands' arrays) and the session stages' specification.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Binary, Long, UUID, type Document } from '../../../src/bson/index.js';
import { fullSessionId, sessionFromClient, sessionOfCommand } from '../../../src/commands/support/session_args.js';
import { NO_AUTH_UID } from '../../../src/engine/session_cache.js';
import { MongoServerError } from '../../../src/errors/index.js';
import { parseListSessionsSpec } from '../../../src/query/pipeline/list_sessions.js';


function fails(fn: () => unknown, code: number, codeName: string, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof MongoServerError, String(err));
    assert.deepEqual({ code: err.code, codeName: err.codeName, message: err.message }, { code, codeName, message });
    return true;
  });
}

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
