/**
 * The validate command through the official driver: mongod's reply on a healthy collection, and on one with a
 * document damaged on disk, a document whose bytes are not BSON, one with a string that is not UTF-8, an index entry
 * missing and one too many; and the log lines its errors point to.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Binary, MongoServerError, type MongoClient } from 'mongodb';
import { encodeCompoundKey, encodeKey, serialize } from '../../../src/bson/index.js';
import type { RunningServer } from '../../../src/server/index.js';
import type { LogEntry } from '../../../src/server/log.js';
import { addIndexEntry, damageDocument, removeIndexEntriesOf, rewriteDocument } from '../../helpers/damage_store.js';
import { removeDir, tempDir } from '../../helpers/embedded.js';
import { clientFor, startInProcess } from './harness.js';

type Doc = { _id: number; a: number; tags: string[] };
const docs = (from: number): Doc[] => Array.from({ length: 20 }, (_, i) => ({ _id: from + i, a: (from + i) % 5, tags: [`x${from + i}`, 'y'] }));

describe('validate through the driver', () => {
  const dir = tempDir('eddydb-validate-');
  let server: RunningServer;
  let client: MongoClient;
  const logged: LogEntry[] = [];

  before(async () => {
    const first = await startInProcess({ dbpath: dir });
    const setup = clientFor(first.address);
    try {
      const db = setup.db('d');
      for (const [name, from] of [['healthy', 0], ['damaged', 100]] as const) {
        await db.collection<Doc>(name).insertMany(docs(from));
        await db.collection(name).createIndex({ a: 1 });
        await db.collection(name).createIndex({ tags: 1 });
      }
      await db.createCollection('view', { viewOn: 'healthy', pipeline: [] });
    } finally {
      await setup.close();
      await first.close();
    }
    damageDocument(dir, 103, 4); // a byte of the string 'y': still BSON, but not what was written
    rewriteDocument(dir, 110, (bytes) => {
      bytes.writeInt32LE(bytes.length + 1, 0); // a length its bytes do not have, under a matching checksum
      return bytes;
    });
    rewriteDocument(dir, 112, () => {
      // An unindexed string whose one byte is not UTF-8: readable, but not compliant.
      const bytes = Buffer.from(serialize({ _id: 112, a: 2, tags: ['x112', 'y'], note: 'z' }));
      bytes[bytes.length - 3] = 0xff;
      return bytes;
    });
    removeIndexEntriesOf(dir, 'a_1', 105);
    addIndexEntry(dir, 'damaged', 'a_1', encodeCompoundKey([99]), 106);
    server = await startInProcess({ dbpath: dir, log: (entry) => logged.push(entry) });
    client = clientFor(server.address);
  });

  after(async () => {
    await client?.close();
    await server?.close();
    removeDir(dir);
  });

  test('a healthy collection is valid, with mongod\'s fields in mongod\'s order', async () => {
    const reply = await client.db('d').command({ validate: 'healthy', full: true });
    assert.deepEqual(Object.keys(reply), [
      'ns', 'uuid', 'nInvalidDocuments', 'nNonCompliantDocuments', 'nrecords', 'nIndexes', 'keysPerIndex', 'indexDetails',
      'valid', 'repaired', 'warnings', 'errors', 'extraIndexEntries', 'missingIndexEntries', 'corruptRecords', 'ok',
      'operationTime', '$clusterTime',
    ]);
    const { operationTime: _t, $clusterTime: _c, uuid, ...rest } = reply;
    assert.ok(uuid instanceof Binary && uuid.sub_type === 4);
    const [listed] = await client.db('d').listCollections({ name: 'healthy' }).toArray();
    assert.deepEqual(uuid, (listed as { info: { uuid: unknown } }).info.uuid);
    assert.deepEqual(rest, {
      ns: 'd.healthy', nInvalidDocuments: 0, nNonCompliantDocuments: 0, nrecords: 20, nIndexes: 3,
      keysPerIndex: { _id_: 20, a_1: 20, tags_1: 40 },
      indexDetails: { _id_: { valid: true }, a_1: { valid: true }, tags_1: { valid: true } },
      valid: true, repaired: false, warnings: [], errors: [], extraIndexEntries: [], missingIndexEntries: [],
      corruptRecords: [], ok: 1,
    });
  });

  test('a damaged collection is reported: corrupt records, a missing and an extra index entry', async () => {
    const reply = await client.db('d').command({ validate: 'damaged' });
    assert.equal(reply.valid, false);
    assert.equal(reply.nrecords, 20);
    assert.equal(reply.nInvalidDocuments, 2);
    assert.equal(reply.nNonCompliantDocuments, 1);
    assert.deepEqual(reply.warnings, ['Detected one or more documents not compliant with the BSON specification. See logs.']);
    assert.deepEqual(reply.corruptRecords, [103, new Binary(Buffer.from(encodeKey(110)))]);
    assert.deepEqual(reply.keysPerIndex, { _id_: 20, a_1: 20, tags_1: 40 });
    assert.deepEqual(reply.indexDetails, {
      _id_: { valid: true },
      a_1: { valid: false, errors: ['Detected 1 extra index entries.', 'Detected 1 missing index entries.'] },
      tags_1: { valid: true },
    });
    assert.deepEqual(reply.missingIndexEntries, [{ indexName: 'a_1', recordId: 105, idKey: { _id: 105 }, indexKey: { a: 0 } }]);
    assert.deepEqual(reply.extraIndexEntries, [{ indexName: 'a_1', recordId: 106, indexKey: new Binary(Buffer.from(encodeCompoundKey([99]))) }]);
    assert.deepEqual(reply.errors, ['Detected one or more invalid documents. See logs.', "Index with name 'a_1' has inconsistencies."]);
    assert.match(reply.advice, /^A corrupt namespace has been detected/);
    assert.equal(reply.ok, 1);
    // The logs the errors point to: each document, and what is wrong with it.
    const lines = logged.filter((e) => e.msg === 'Document failed validation').map((e) => [e.c, e.attr?.recordId, e.attr?.problem]);
    assert.deepEqual(lines, [
      ['STORAGE', 103, 'its bytes do not match their checksum'],
      ['STORAGE', Buffer.from(encodeKey(110)).toString('base64'), 'its bytes are not a valid BSON document'],
      ['STORAGE', 112, 'it holds a string that is not valid UTF-8'],
    ]);
  });

  test('errors as mongod: a missing collection, a view, full with background, repair', async () => {
    const db = client.db('d');
    const refuses = (command: object, code: number, codeName: string, message: string) =>
      assert.rejects(db.command(command), (err: unknown) => {
        assert.ok(err instanceof MongoServerError, String(err));
        assert.deepEqual([err.code, err.codeName, err.message], [code, codeName, message]);
        return true;
      });
    await refuses({ validate: 'nothing' }, 26, 'NamespaceNotFound', "Collection 'd.nothing' does not exist to validate.");
    await refuses({ validate: 'view' }, 166, 'CommandNotSupportedOnView', 'Cannot validate a view');
    await refuses({ validate: 'healthy', full: true, background: true }, 72, 'InvalidOptions',
      'Running the validate command with both { background: true } and { full: true } is not supported.');
    await refuses({ validate: 'healthy', repair: true }, 72, 'InvalidOptions',
      'Running the validate command with { repair: true } can only be performed in standalone mode.');
  });
});
