/**
 * $jsonSchema through the official driver: the manual's validator examples with the errInfo the manual shows, the
 * operator in find, count, aggregate, delete and update, the driver's bulkWrite, and the log line of
 * validationAction warn.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Double, Int32, MongoBulkWriteError, MongoServerError, type Db, type MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import type { LogEntry } from '../../../src/server/log.js';
import { clientFor, rejectsWith, startInProcess } from './harness.js';

describe('$jsonSchema through the driver', () => {
  let server: RunningServer;
  let client: MongoClient;
  let db: Db;
  const logged: LogEntry[] = [];

  before(async () => {
    server = await startInProcess({ log: (entry) => logged.push(entry) });
    client = clientFor(server.address);
    db = client.db('schema');
  });
  after(async () => {
    await client.close();
    await server.close();
  });

  test("the manual's students validator and its errInfo", async () => {
    await db.createCollection('students', {
      validator: {
        $jsonSchema: {
          bsonType: 'object',
          title: 'Student Object Validation',
          required: ['address', 'major', 'name', 'year'],
          properties: {
            name: { bsonType: 'string', description: "'name' must be a string and is required" },
            year: { bsonType: 'int', minimum: 2017, maximum: 3017, description: "'year' must be an integer in [ 2017, 3017 ] and is required" },
            gpa: { bsonType: ['double'], description: "'gpa' must be a double if the field exists" },
          },
        },
      },
    });
    const students = db.collection('students');
    const doc = { name: 'Alice', year: new Int32(2019), major: 'History', gpa: new Int32(3), address: { city: 'NYC', street: '33rd Street' } };
    const err = await rejectsWith(() => students.insertOne({ ...doc }), 121, { message: 'Document failed validation' });
    const errInfo = err.errInfo as { failingDocumentId: unknown; details: unknown };
    assert.ok(errInfo.failingDocumentId !== undefined);
    assert.deepEqual(errInfo.details, {
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
    });
    await students.insertOne({ ...doc, gpa: new Double(3.0) });
    assert.equal(await students.countDocuments({ $jsonSchema: { required: ['gpa'] } }), 1);
  });

  test("the manual's query example: find, count, aggregate, update and delete select by schema", async () => {
    const inventory = db.collection('inventory');
    await inventory.insertMany([
      { item: 'journal', qty: new Int32(25), size: { h: new Double(14), w: new Double(21), uom: 'cm' }, instock: true },
      { item: 'notebook', qty: new Int32(50), size: { h: new Double(8.5), w: new Double(11), uom: 'in' }, instock: true },
      { item: 'paper', qty: new Int32(100), size: { h: new Double(8.5), w: new Double(11), uom: 'in' }, instock: 1 },
      { item: 'planner', qty: new Int32(75), size: { h: new Double(22.85), w: new Double(30), uom: 'cm' }, instock: 1 },
      { item: 'postcard', qty: new Int32(45), size: { h: new Double(10), w: new Double(15.25), uom: 'cm' }, instock: true },
      { item: 'apple', qty: new Int32(45), status: 'A', instock: true },
      { item: 'pears', qty: new Int32(50), status: 'A', instock: true },
    ]);
    const schema = {
      required: ['item', 'qty', 'instock'],
      properties: {
        item: { bsonType: 'string' },
        qty: { bsonType: 'int' },
        size: { bsonType: 'object', required: ['uom'], properties: { uom: { bsonType: 'string' }, h: { bsonType: 'double' }, w: { bsonType: 'double' } } },
        instock: { bsonType: 'bool' },
      },
    };
    // The shell writes these sizes as doubles; the driver needs Double to do the same.
    const matching = ['apple', 'journal', 'notebook', 'pears', 'postcard'];
    assert.deepEqual((await inventory.find({ $jsonSchema: schema }).toArray()).map((d) => d.item).sort(), matching);
    assert.deepEqual((await inventory.find({ $nor: [{ $jsonSchema: schema }] }).toArray()).map((d) => d.item).sort(), ['paper', 'planner']);
    assert.equal(await inventory.countDocuments({ $jsonSchema: schema }), 5);
    assert.equal((await inventory.aggregate([{ $match: { $jsonSchema: schema } }, { $count: 'n' }]).toArray())[0]!.n, 5);
    const updated = await inventory.updateMany({ $nor: [{ $jsonSchema: schema }] }, { $set: { instock: true } });
    assert.equal(updated.modifiedCount, 2);
    assert.equal(await inventory.countDocuments({ $jsonSchema: schema }), 7);
    const deleted = await inventory.deleteMany({ $jsonSchema: { required: ['status'] } });
    assert.equal(deleted.deletedCount, 2);
  });

  test("bulkWrite reports each failing document with mongod's errInfo", async () => {
    const coll = await db.createCollection<{ _id: number; n?: unknown }>('bulk', { validator: { $jsonSchema: { properties: { n: { bsonType: 'int', minimum: 0 } } } } });
    let caught: unknown;
    try {
      await coll.bulkWrite(
        [
          { insertOne: { document: { _id: 1, n: 1 } } },
          { insertOne: { document: { _id: 2, n: -1 } } },
          { updateOne: { filter: { _id: 1 }, update: { $set: { n: 'x' } } } },
          { replaceOne: { filter: { _id: 1 }, replacement: { n: 2 } } },
        ],
        { ordered: false },
      );
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof MongoBulkWriteError);
    const errors = caught.writeErrors as unknown as { index: number; code: number; errInfo: { details: { schemaRulesNotSatisfied: unknown[] } } }[];
    assert.deepEqual(errors.map((e) => [e.index, e.code]), [[1, 121], [2, 121]]);
    const [minimumError] = errors[0]!.errInfo.details.schemaRulesNotSatisfied as { propertiesNotSatisfied: { details: unknown[] }[] }[];
    assert.deepEqual(minimumError!.propertiesNotSatisfied[0]!.details, [{ operatorName: 'minimum', specifiedAs: { minimum: 0 }, reason: 'comparison failed', consideredValue: -1 }]);
    assert.deepEqual(await coll.find().toArray(), [{ _id: 1, n: 2 }]);
  });

  test('validationAction warn logs the failure and writes; bypassDocumentValidation skips the check', async () => {
    const coll = await db.createCollection<{ _id: string; a?: unknown }>('warned', { validator: { $jsonSchema: { required: ['a'] } }, validationAction: 'warn' });
    await coll.insertOne({ _id: 'w' });
    const line = logged.find((e) => e.msg === 'Document would fail validation');
    assert.ok(line, 'a warning is logged');
    assert.equal(line.s, 'W');
    assert.equal(line.id, 20294);
    assert.deepEqual(line.attr?.errInfo, {
      failingDocumentId: 'w',
      details: { operatorName: '$jsonSchema', schemaRulesNotSatisfied: [{ operatorName: 'required', specifiedAs: { required: ['a'] }, missingProperties: ['a'] }] },
    });
    await db.command({ collMod: 'warned', validationAction: 'error' });
    await rejectsWith(() => coll.insertOne({ _id: 'e' }), 121);
    await coll.insertOne({ _id: 'b' }, { bypassDocumentValidation: true });
    assert.equal(await coll.countDocuments(), 2);
  });

  test('parse errors reach the driver with their codes', async () => {
    const coll = db.collection('students');
    await rejectsWith(() => coll.find({ $jsonSchema: { bsonType: 'object', additionalProperties: 'no' } }).toArray(), 14, {
      message: "$jsonSchema keyword 'additionalProperties' must be an object or a boolean",
    });
    await rejectsWith(() => db.createCollection('bad', { validator: { $jsonSchema: { properties: { a: { type: 'integer' } } } } }), 9);
    const err = await rejectsWith(() => coll.find({ $jsonSchema: { $ref: '#/x' } }).toArray(), 9);
    assert.ok(err instanceof MongoServerError);
  });
});
