// $jsonSchema through the embedded client on every storage mode: as a query operator in find, count, aggregate,
// delete and update filters, and as a collection validator on every write path, with validationLevel,
// validationAction, bypassDocumentValidation and mongod's errInfo.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Double, Int32, type Client, type Collection, type Db, type Document } from '../../../src/index.js';
import { modes, openClient } from '../../helpers/embedded.js';
import { rejectsWith } from '../../helpers/assertions.js';

/** The manual's "Specify JSON Schema Validation" example. */
const students = {
  bsonType: 'object',
  title: 'Student Object Validation',
  required: ['address', 'major', 'name', 'year'],
  properties: {
    name: { bsonType: 'string', description: "'name' must be a string and is required" },
    year: { bsonType: 'int', minimum: 2017, maximum: 3017, description: "'year' must be an integer in [ 2017, 3017 ] and is required" },
    gpa: { bsonType: ['double'], description: "'gpa' must be a double if the field exists" },
  },
};

const gpaDetails = {
  operatorName: '$jsonSchema',
  title: 'Student Object Validation',
  schemaRulesNotSatisfied: [
    {
      operatorName: 'properties',
      propertiesNotSatisfied: [
        {
          propertyName: 'gpa',
          description: "'gpa' must be a double if the field exists",
          details: [{ operatorName: 'bsonType', specifiedAs: { bsonType: ['double'] }, reason: 'type did not match', consideredValue: 3, consideredType: 'int' }],
        },
      ],
    },
  ],
};

const alice = (gpa: unknown): Document => ({ name: 'Alice', year: new Int32(2019), major: 'History', gpa, address: { city: 'NYC', street: '33rd Street' } });

for (const mode of modes()) {
  describe(`$jsonSchema (${mode})`, () => {
    let client: Client;
    let cleanup: () => Promise<void>;
    let db: Db;
    let counter = 0;
    const name = () => `js${++counter}`;

    before(async () => {
      ({ client, cleanup } = await openClient(mode));
      db = client.db('schema');
    });
    after(async () => {
      await cleanup();
    });

    describe('as a query operator', () => {
      let coll: Collection;
      before(async () => {
        coll = db.collection(name());
        await coll.insertMany([
          { _id: 1, name: 'a', tags: ['x'] },
          { _id: 2, name: 3 },
          { _id: 3, tags: 'x' },
          { _id: 4, name: 'b', tags: ['x', 'x'] },
        ]);
      });
      const schema = { required: ['name'], properties: { name: { bsonType: 'string' }, tags: { bsonType: 'array', uniqueItems: true } } };

      it('selects in find, count and $match; properties only constrain present fields', async () => {
        assert.deepEqual((await coll.find({ $jsonSchema: schema }).toArray()).map((d) => d._id), [1]);
        assert.deepEqual((await coll.find({ $jsonSchema: { properties: { tags: { bsonType: 'array' } } } }).toArray()).map((d) => d._id), [1, 2, 4]);
        assert.equal(await coll.countDocuments({ $jsonSchema: { required: ['tags'] } }), 3);
        assert.deepEqual(await coll.distinct('name', { $jsonSchema: { properties: { name: { bsonType: 'string' } } } }), ['a', 'b']);
        const matched = await coll.aggregate([{ $match: { $jsonSchema: { not: { required: ['name'] } } } }]).toArray();
        assert.deepEqual(matched.map((d) => d._id), [3]);
      });

      it('combines with query operators and $or/$nor', async () => {
        assert.deepEqual((await coll.find({ $jsonSchema: { required: ['tags'] }, _id: { $gt: 1 } }).toArray()).map((d) => d._id), [3, 4]);
        assert.deepEqual((await coll.find({ $or: [{ $jsonSchema: schema }, { _id: 3 }] }).toArray()).map((d) => d._id), [1, 3]);
        assert.deepEqual((await coll.find({ $nor: [{ $jsonSchema: { required: ['tags'] } }] }).toArray()).map((d) => d._id), [2]);
      });

      it('selects what update and delete change', async () => {
        const c = db.collection(name());
        await c.insertMany([{ _id: 1, v: 1 }, { _id: 2, v: 'x' }, { _id: 3 }]);
        const upd = await c.updateMany({ $jsonSchema: { required: ['v'], properties: { v: { bsonType: 'number' } } } }, { $set: { n: true } });
        assert.equal(upd.modifiedCount, 1);
        const del = await c.deleteMany({ $jsonSchema: { properties: { v: { bsonType: 'string' } } } });
        assert.equal(del.deletedCount, 2);
        assert.deepEqual(await c.find({}).toArray(), [{ _id: 1, v: 1, n: true }]);
      });

      it('is refused in $pull conditions and the $elemMatch projection, as mongod bans it there', async () => {
        const c = db.collection(name());
        await c.insertOne({ _id: 1, arr: [{ a: 1 }, { a: 2 }] });
        await rejectsWith(() => c.updateOne({ _id: 1 }, { $pull: { arr: { a: 1, $jsonSchema: {} } } }), 224, { message: '$jsonSchema is not allowed in this context' });
        await rejectsWith(() => c.find({}, { projection: { arr: { $elemMatch: { $jsonSchema: {} } } } }).toArray(), 224);
        assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, arr: [{ a: 1 }, { a: 2 }] });
      });

      it("refuses bad schemas with mongod's errors", async () => {
        await rejectsWith(() => coll.find({ $jsonSchema: { type: 'integer' } }).toArray(), 9, { message: "$jsonSchema type 'integer' is not currently supported." });
        await rejectsWith(() => coll.find({ $jsonSchema: { definitions: {} } }).toArray(), 9, { message: "$jsonSchema keyword 'definitions' is not currently supported" });
        await rejectsWith(() => coll.find({ $jsonSchema: 'x' }).toArray(), 14, { message: '$jsonSchema must be an object' });
        await rejectsWith(() => coll.countDocuments({ $jsonSchema: { properties: { a: { encrypt: {} } } } }), 224, { codeName: 'QueryFeatureNotAllowed' });
      });
    });

    describe('as a validator', () => {
      it("rejects the manual's document with the manual's errInfo", async () => {
        const coll = await db.createCollection(name(), { validator: { $jsonSchema: students } });
        const err = await rejectsWith(() => coll.insertOne({ _id: 'alice', ...alice(new Int32(3)) }), 121, { codeName: 'DocumentValidationFailure', message: 'Document failed validation' });
        assert.deepEqual(err.errInfo, { failingDocumentId: 'alice', details: gpaDetails });
        await coll.insertOne(alice(new Double(3)));
        assert.equal(await coll.countDocuments({}), 1);
        const info = (await db.listCollections({ name: coll.collectionName }).toArray())[0]!;
        assert.deepEqual((info.options as Document).validator, { $jsonSchema: students });
      });

      it('validates every write path', async () => {
        const coll = await db.createCollection(name(), { validator: { $jsonSchema: { required: ['v'], properties: { v: { bsonType: 'int' } } } } });
        await coll.insertOne({ _id: 1, v: 1 });
        await rejectsWith(() => coll.insertMany([{ _id: 2, v: 2 }, { _id: 3 }]), 121);
        await rejectsWith(() => coll.updateOne({ _id: 1 }, { $set: { v: 'x' } }), 121);
        await rejectsWith(() => coll.updateOne({ _id: 9 }, { $set: { w: 1 } }, { upsert: true }), 121);
        await rejectsWith(() => coll.replaceOne({ _id: 1 }, { w: 1 }), 121);
        await rejectsWith(() => coll.findOneAndUpdate({ _id: 1 }, { $unset: { v: 1 } }), 121);
        await rejectsWith(() => coll.findOneAndReplace({ _id: 1 }, { v: 1.5 }), 121);
        await rejectsWith(() => coll.updateMany({}, [{ $set: { v: { $toString: '$v' } } }]), 121);
        const bulk = await db.command({ insert: coll.collectionName, documents: [{ _id: 4, v: 4 }, { _id: 5, v: 'x' }, { _id: 6, v: 6 }], ordered: false });
        assert.equal(bulk.n, 2);
        const writeErrors = bulk.writeErrors as Document[];
        assert.equal(writeErrors.length, 1);
        assert.equal(writeErrors[0]!.index, 1);
        assert.equal(writeErrors[0]!.code, 121);
        assert.equal(((writeErrors[0]!.errInfo as Document).details as Document).operatorName, '$jsonSchema');
        const bw = await client.db('admin').command({
          bulkWrite: 1,
          ops: [{ insert: 0, document: { _id: 7, v: 7 } }, { update: 0, filter: { _id: 7 }, updateMods: { $set: { v: [] } } }],
          nsInfo: [{ ns: `schema.${coll.collectionName}` }],
        });
        assert.equal(bw.nErrors, 1);
        assert.deepEqual((await coll.find({}).toArray()).map((d) => d._id), [1, 2, 4, 6, 7]);
      });

      it('combines with query operators: the details name the failing clause', async () => {
        const coll = await db.createCollection(name(), { validator: { $jsonSchema: { required: ['a'] }, b: { $gt: 0 } } });
        const err = await rejectsWith(() => coll.insertOne({ _id: 1, b: 1 }), 121);
        assert.deepEqual(err.errInfo, {
          failingDocumentId: 1,
          details: {
            operatorName: '$and',
            clausesNotSatisfied: [
              { index: 0, details: { operatorName: '$jsonSchema', schemaRulesNotSatisfied: [{ operatorName: 'required', specifiedAs: { required: ['a'] }, missingProperties: ['a'] }] } },
            ],
          },
        });
      });

      it('under $nor, a matching schema is the failure', async () => {
        const coll = await db.createCollection(name(), { validator: { $nor: [{ $jsonSchema: { title: 'no a', required: ['a'] } }] } });
        await coll.insertOne({ _id: 1, b: 1 });
        const err = await rejectsWith(() => coll.insertOne({ _id: 2, a: 1 }), 121);
        assert.deepEqual(err.errInfo, {
          failingDocumentId: 2,
          details: { operatorName: '$nor', clausesSatisfied: [{ index: 0, title: 'no a', details: { operatorName: '$jsonSchema', reason: 'schema matched' } }] },
        });
      });

      it('collMod adds a schema; moderate, off, warn and bypassDocumentValidation behave as for any validator', async () => {
        const coll = db.collection(name());
        await coll.insertMany([{ _id: 1, n: 'old' }, { _id: 2, n: 1 }]);
        await db.command({ collMod: coll.collectionName, validator: { $jsonSchema: { properties: { n: { bsonType: 'int' } } } }, validationLevel: 'moderate' });
        // moderate: an invalid document may stay invalid; a valid one may not become invalid.
        await coll.updateOne({ _id: 1 }, { $set: { m: 1 } });
        await rejectsWith(() => coll.updateOne({ _id: 2 }, { $set: { n: 'new' } }), 121);
        await db.command({ collMod: coll.collectionName, validationLevel: 'off' });
        await coll.insertOne({ _id: 3, n: 'off' });
        await db.command({ collMod: coll.collectionName, validationLevel: 'strict', validationAction: 'warn' });
        await coll.insertOne({ _id: 4, n: 'warn' });
        await db.command({ collMod: coll.collectionName, validationAction: 'error' });
        await rejectsWith(() => coll.insertOne({ _id: 5, n: 'error' }), 121);
        await db.command({ insert: coll.collectionName, documents: [{ _id: 5, n: 'bypass' }], bypassDocumentValidation: true });
        assert.equal(await coll.countDocuments({}), 5);
      });

      it('accepts the encryption keywords and refuses bad schemas', async () => {
        await db.createCollection(name(), { validator: { $jsonSchema: { properties: { ssn: { encrypt: { bsonType: 'string', algorithm: 'AEAD_AES_256_CBC_HMAC_SHA_512-Random' } } } } } });
        await rejectsWith(() => db.createCollection(name(), { validator: { $jsonSchema: { bsonType: 'object', id: 'x' } } }), 9, { codeName: 'FailedToParse' });
        await rejectsWith(() => db.createCollection(name(), { validator: { $jsonSchema: { properties: { a: { type: 'integer' } } } } }), 9);
        await rejectsWith(() => db.createCollection(name(), { validator: { $jsonSchema: { required: 'a' } } }), 14);
        const coll = await db.createCollection(name());
        await rejectsWith(() => db.command({ collMod: coll.collectionName, validator: { $jsonSchema: { minimum: 'x' } } }), 14);
      });
    });
  });
}
