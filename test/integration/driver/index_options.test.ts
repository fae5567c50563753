/**
 * Index specification options through the official driver, checked as mongod 8 checks them: unknown fields, key
 * patterns, partial filter expressions (which operators an index can hold), `sparse` with a partial filter, an empty
 * collation, TTLs, and `hidden` on createIndexes and collMod, with mongod's codes and messages.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Document, MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { clientFor, rejectsWith, startInProcess } from './harness.js';

describe('index specification options', () => {
  let server: RunningServer;
  let client: MongoClient;

  before(async () => {
    server = await startInProcess();
    client = clientFor(server.address);
    await client.db('ix').collection('c').insertOne({ _id: 1, a: 1 } as Document);
  });

  after(async () => {
    await client?.close();
    await server?.close();
  });

  const db = (): ReturnType<MongoClient['db']> => client.db('ix');
  const create = (spec: Document, coll = 'c'): Promise<Document> => db().command({ createIndexes: coll, indexes: [spec] });
  const listed = async (name: string, coll = 'c'): Promise<Document | undefined> =>
    (await db().collection(coll).listIndexes().toArray()).find((ix) => ix.name === name);

  test('a spec mongod refuses field by field names the spec as sent', async () => {
    const cases: [Document, number, string][] = [
      [{ key: { z: 0 }, name: 'z_0' }, 67, 'Error in specification { key: { z: 0 }, name: "z_0" } :: caused by :: Values in the index key pattern cannot be 0.'],
      [{ key: { '': 1 }, name: 'ef' }, 67, 'Error in specification { key: { : 1 }, name: "ef" } :: caused by :: Index keys cannot be an empty field.'],
      [{ key: { $x: 1 }, name: 'dx' }, 67, "Error in specification { key: { $x: 1 }, name: \"dx\" } :: caused by :: Index key contains an illegal field name: field name starts with '$'."],
      [{ key: { u: 1 }, bogus: true, name: 'u_1' }, 197, "Error in specification { key: { u: 1 }, bogus: true, name: \"u_1\" } :: caused by :: The field 'bogus' is not valid for an index specification. Specification: { key: { u: 1 }, bogus: true, name: \"u_1\" }"],
      [{ key: { n: 1 }, name: '' }, 67, 'Error in specification { key: { n: 1 }, name: "", v: 2 } :: caused by :: index name cannot be empty'],
      [{ key: { s: 1 }, name: '*' }, 2, "The index name '*' is not valid."],
      [{ key: { _id: -1 }, name: '_id_-1' }, 2, "The field 'key' for an _id index must be {_id: 1}, but got { _id: -1 }"],
      [{ key: { _id: 1 }, name: '_id_', sparse: true }, 197, "The field 'sparse' is not valid for an _id index specification. Specification: { key: { _id: 1 }, name: \"_id_\", sparse: true, v: 2 }"],
      [{ key: { p: 1 }, sparse: true, partialFilterExpression: { a: 1 }, name: 'p_1' }, 67, 'Error in specification { key: { p: 1 }, sparse: true, partialFilterExpression: { a: 1 }, name: "p_1", v: 2 } :: caused by :: cannot mix "partialFilterExpression" and "sparse" options'],
      [{ key: { p: 1 }, partialFilterExpression: 1, name: 'p_1' }, 14, "Error in specification { key: { p: 1 }, partialFilterExpression: 1, name: \"p_1\" } :: caused by :: The field 'partialFilterExpression' must be an object, but got int"],
      [{ key: { s: 1 }, name: 'ix', collation: {} }, 2, "Error in specification { key: { s: 1 }, name: \"ix\", collation: {} } :: caused by :: The field 'collation' cannot be an empty object."],
      // mongod's own message names the wrong field.
      [{ key: { h: 1 }, name: 'h_1', hidden: 1 }, 14, "Error in specification { key: { h: 1 }, name: \"h_1\", hidden: 1 } :: caused by :: The field 'name' must be a bool, but got int"],
      [{ key: { u: 1 }, name: 'u_1', unique: 'yes' }, 14, "Error in specification { key: { u: 1 }, name: \"u_1\", unique: \"yes\" } :: caused by :: The field 'unique has value unique: \"yes\", which is not convertible to bool"],
      [{ key: { u: 1 }, name: 'u_1', v: 3 }, 67, "Error in specification { key: { u: 1 }, name: \"u_1\", v: 3 } :: caused by :: Invalid index specification { key: { u: 1 }, name: \"u_1\", v: 3 }; cannot create an index with v=3"],
      [{ key: { a: 1 }, name: '_id_' }, 2, "The index name '_id_' is reserved for the _id index, which must have key pattern {_id: 1}, found key: { a: 1 }"],
      [{ key: { 'a..b': 1 }, name: 'ab' }, 67, 'Error in specification { key: { a..b: 1 }, name: "ab" } :: caused by :: Index keys cannot contain an empty field.'],
      [{ bogus: 1, key: { z: 0 }, name: 'z_0' }, 197, "Error in specification { bogus: 1, key: { z: 0 }, name: \"z_0\" } :: caused by :: The field 'bogus' is not valid for an index specification. Specification: { bogus: 1, key: { z: 0 }, name: \"z_0\" }"],
      [{ key: { _id: 1 }, name: '_id_', hidden: true }, 197, "The field 'hidden' is not valid for an _id index specification. Specification: { key: { _id: 1 }, name: \"_id_\", hidden: true, v: 2 }"],
    ];
    for (const [spec, code, message] of cases) await rejectsWith(create(spec), code, { message });
    const names = (await db().collection('c').listIndexes().toArray()).map((ix) => ix.name);
    assert.deepEqual(names, ['_id_'], 'nothing was built');
  });

  test('a partial filter takes only what an index can hold; the first node it cannot is named as mongod prints it', async () => {
    const refused: [Document, string][] = [
      [{ a: { $ne: 1 } }, '$not\n    a $eq 1\n'],
      [{ a: { $nin: [1] } }, '$not\n    a $in [ 1]\n'],
      [{ a: { $not: { $gt: 1 } } }, '$not\n    $and\n        a $gt 1\n'],
      [{ $nor: [{ a: 1 }] }, '$nor\n    a $eq 1\n'],
      [{ a: { $exists: false } }, '$not\n    a exists\n'],
      [{ a: { $regex: 'x' } }, 'a regex /x/\n'],
      [{ a: { $mod: [2, 0] } }, 'a mod 2 % x == 0\n'],
      [{ a: { $size: 2 } }, 'a $size : 2\n'],
      [{ a: { $elemMatch: { $gt: 1 } } }, 'a $elemMatch (value)\n     $gt 1\n'],
      [{ a: { $bitsAllSet: 1 } }, 'a $bitsAllSet: [0]\n'],
      [{ $or: [{ a: { $ne: 1 } }] }, '$not\n    a $eq 1\n'],
      [{ b: 1, a: { $ne: 1 } }, '$not\n    a $eq 1\n'],
    ];
    for (const [filter, tree] of refused) {
      const spec = { key: { k: 1 }, name: 'k', partialFilterExpression: filter };
      const err = await rejectsWith(create(spec), 67, { codeName: 'CannotCreateIndex' });
      assert.ok(err.message.endsWith(`, v: 2 } :: caused by :: Expression not supported in partial index: ${tree}`), `${JSON.stringify(filter)}: ${JSON.stringify(err.message)}`);
      assert.ok(err.message.startsWith('Error in specification { key: { k: 1 }, name: "k", partialFilterExpression: '), err.message);
    }
    const e1 = await rejectsWith(create({ key: { k: 1 }, name: 'k', partialFilterExpression: { $expr: { $eq: ['$a', 1] } } }), 224, { codeName: 'QueryFeatureNotAllowed' });
    assert.ok(e1.message.endsWith('caused by :: $expr is not allowed in this context'), e1.message);
    const e2 = await rejectsWith(create({ key: { k: 1 }, name: 'k', partialFilterExpression: { $where: '1' } }), 2, { codeName: 'BadValue' });
    assert.ok(e2.message.endsWith('caused by :: $where is not allowed in this context'), e2.message);
    await rejectsWith(create({ key: { k: 1 }, name: 'k', partialFilterExpression: { a: { $bogus: 1 } } }), 2, { message: /caused by :: unknown operator: \$bogus$/ });

    const accepted: Document[] = [
      { a: { $exists: true } },
      { a: { $in: [1, 2] } },
      { a: { $type: 'string' } },
      { $or: [{ a: 1 }, { b: { $gt: 2 } }] },
      { a: { $gte: 1, $lt: 5 } },
      { a: null },
      { $and: [{ a: { $gt: 1 } }, { $or: [{ b: 1 }, { c: { $lte: 3 } }] }] },
    ];
    for (const [i, filter] of accepted.entries()) {
      const reply = await create({ key: { [`ok${i}`]: 1 }, name: `ok${i}`, partialFilterExpression: filter });
      assert.equal(reply.ok, 1, JSON.stringify(filter));
      assert.deepEqual((await listed(`ok${i}`))?.partialFilterExpression, filter);
    }
  });

  test('TTL: one field, a number that is not negative, stored as a 32-bit integer', async () => {
    await rejectsWith(create({ key: { w: 1 }, expireAfterSeconds: -1, name: 'w_1' }), 67, {
      message: ". Index spec: { key: { w: 1 }, expireAfterSeconds: -1, name: \"w_1\" } :: caused by :: TTL index 'expireAfterSeconds' option cannot be less than 0",
    });
    await rejectsWith(create({ key: { w: 1, a: 1 }, expireAfterSeconds: 10, name: 'w_1_a_1' }), 67, {
      message: 'TTL indexes are single-field indexes, compound indexes do not support TTL. Index spec: { key: { w: 1, a: 1 }, expireAfterSeconds: 10, name: "w_1_a_1" }',
    });
    await rejectsWith(create({ key: { n: 1 }, name: 'n', expireAfterSeconds: NaN }), 67, { message: /TTL index 'expireAfterSeconds' option must not be NaN$/ });
    await rejectsWith(create({ key: { n: 1 }, name: 'n', expireAfterSeconds: 2147483648 }), 67, { message: /TTL index 'expireAfterSeconds' must be within the range of a 32-bit integer$/ });
    await rejectsWith(create({ key: { n: 1 }, name: 'n', expireAfterSeconds: '60' }), 67, { message: /:: caused by :: TTL index 'expireAfterSeconds' option must be numeric, but received a type of 'string$/ });
    await rejectsWith(create({ key: { _id: 1 }, name: 'ttl_id', expireAfterSeconds: 10 }), 197, { message: /^The field 'expireAfterSeconds' is not valid for an _id index specification/ });
    await create({ key: { t: 1 }, name: 't_1', expireAfterSeconds: 60.9 });
    const stored = await db().command({ listIndexes: 'c' }, { promoteValues: false });
    const t1 = stored.cursor.firstBatch.find((ix: Document) => String(ix.name) === 't_1');
    assert.equal(t1.expireAfterSeconds._bsontype, 'Int32');
    assert.equal(t1.expireAfterSeconds.value, 60);
  });

  test('hidden: stored by createIndexes and listed; false is left out', async () => {
    await create({ key: { h: 1 }, name: 'h_1', hidden: true });
    await create({ key: { v: 1 }, name: 'v_1', hidden: false, unique: 1 });
    assert.equal((await listed('h_1'))?.hidden, true);
    const v1 = await listed('v_1');
    assert.equal(v1?.hidden, undefined);
    assert.equal(v1?.unique, true);
    // The same index, hidden differently: an equivalent index with other options.
    await rejectsWith(create({ key: { h: 1 }, name: 'h_1' }), 85, { codeName: 'IndexOptionsConflict' });
  });

  test('collMod hides and unhides an index and changes its TTL, answering what changed', async () => {
    await create({ key: { a: 1 }, name: 'a_1' });
    await create({ key: { w: 1 }, name: 'w_1', expireAfterSeconds: 3600 });
    const collMod = (index: Document): Promise<Document> => db().command({ collMod: 'c', index });
    const without = ({ ok, ...rest }: Document): Document => {
      assert.equal(ok, 1);
      return Object.fromEntries(Object.entries(rest).filter(([k]) => !k.startsWith('$') && k !== 'operationTime'));
    };
    assert.deepEqual(without(await collMod({ name: 'a_1', hidden: true })), { hidden_old: false, hidden_new: true });
    assert.equal((await listed('a_1'))?.hidden, true);
    assert.deepEqual(without(await collMod({ name: 'a_1', hidden: true })), {}, 'already hidden: nothing to report');
    assert.deepEqual(without(await collMod({ keyPattern: { a: 1 }, hidden: false })), { hidden_old: true, hidden_new: false });
    assert.equal((await listed('a_1'))?.hidden, undefined);

    const ttl = await db().command({ collMod: 'c', index: { name: 'w_1', expireAfterSeconds: 60 } }, { promoteLongs: false });
    assert.equal(ttl.expireAfterSeconds_old._bsontype, 'Long');
    assert.equal(Number(ttl.expireAfterSeconds_old), 3600);
    assert.equal(Number(ttl.expireAfterSeconds_new), 60);
    assert.equal((await listed('w_1'))?.expireAfterSeconds, 60);
    assert.deepEqual(without(await collMod({ name: 'a_1', expireAfterSeconds: 30 })), { expireAfterSeconds_new: 30 });
    assert.deepEqual(without(await collMod({ name: 'a_1', expireAfterSeconds: 2147483648 })), { expireAfterSeconds_old: 30, expireAfterSeconds_new: 2147483647 });
    await collMod({ name: 'a_1', expireAfterSeconds: 30.5 });
    assert.equal((await listed('a_1'))?.expireAfterSeconds, 30);

    await create({ key: { p: 1, q: 1 }, name: 'pq' });
    const refused: [Document, number, string][] = [
      [{ name: '_id_', hidden: true }, 2, "can't hide _id index"],
      [{ name: 'nope', hidden: true }, 27, 'cannot find index nope for ns ix.c'],
      [{ keyPattern: { nope: 1 }, hidden: true }, 27, 'cannot find index { nope: 1 } for ns ix.c'],
      [{ hidden: true }, 72, 'Must specify either index name or key pattern.'],
      [{ name: 'a_1', keyPattern: { a: 1 }, hidden: true }, 72, 'Cannot specify both key pattern and name.'],
      [{ name: 'a_1' }, 72, 'no expireAfterSeconds, hidden, unique, or prepareUnique field'],
      [{ name: 'a_1', hidden: 1 }, 14, "BSON field 'collMod.index.hidden' is the wrong type 'int', expected type 'bool'"],
      [{ name: 'a_1', bogus: 1 }, 40415, "BSON field 'collMod.index.bogus' is an unknown field."],
      [{ name: 'w_1', expireAfterSeconds: -1 }, 72, "TTL index 'expireAfterSeconds' option cannot be less than 0"],
      [{ name: 'w_1', expireAfterSeconds: '60' }, 14, "BSON field 'collMod.index.expireAfterSeconds' is the wrong type 'string', expected types '[long, int, decimal, double]'"],
      [{ name: 'pq', expireAfterSeconds: 60 }, 72, 'TTL indexes are single-field indexes, compound indexes do not support TTL'],
      [{ name: '_id_', expireAfterSeconds: 60 }, 72, 'the _id field does not support TTL indexes'],
    ];
    for (const [index, code, message] of refused) await rejectsWith(collMod(index), code, { message });
    assert.equal((await listed('w_1'))?.expireAfterSeconds, 60, 'a refused collMod changed nothing');
  });

  test('collMod of an index is a modify event naming the index, with its options before', async () => {
    await create({ key: { e: 1 }, name: 'e_1' }, 'events');
    const stream = db().collection('events').watch([], { showExpandedEvents: true });
    try {
      await stream.tryNext();
      await db().command({ collMod: 'events', index: { name: 'e_1', hidden: true } });
      const event = (await stream.next()) as Document;
      assert.equal(event.operationType, 'modify');
      assert.deepEqual(event.operationDescription, { index: { name: 'e_1', hidden: true } });
      assert.deepEqual(event.stateBeforeChange?.indexOptions, { hidden: false });
    } finally {
      await stream.close();
    }
  });

  test('collation: {} is no collation in find and aggregate', async () => {
    const docs = db().collection<{ _id: number }>('c');
    assert.deepEqual(await docs.find({ _id: 1 }, { collation: {} as never, projection: { _id: 1 } }).toArray(), [{ _id: 1 }]);
    const agg = await db().command({ aggregate: 'c', pipeline: [{ $match: { _id: 1 } }, { $project: { _id: 1 } }], cursor: {}, collation: {} });
    assert.deepEqual(agg.cursor.firstBatch, [{ _id: 1 }]);
    const counted = await db().command({ count: 'c', query: { _id: 1 }, collation: {} });
    assert.equal(counted.n, 1);
  });
});
