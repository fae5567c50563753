// CRUD through the embedded API, at the level a user sees it: the Node driver's (v7) method names and result
// shapes, mongod 8's error codes and messages. Every test runs on every storage mode.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Binary, Decimal128, Double, Int32, Long, ObjectId, Timestamp, UUID, type Client, type Collection, type Document,
} from '../../../src/index.js';
import { modes, openClient } from '../../helpers/embedded.js';
import { rejectsWith, spyCommands } from '../../helpers/assertions.js';

const DB = 'crud';

for (const mode of modes()) {
  describe(`embedded CRUD (${mode})`, () => {
    let client: Client;
    let cleanup: () => Promise<void>;
    let counter = 0;
    /** A fresh, empty collection for each test. */
    const fresh = (): Collection => client.db(DB).collection(`c${++counter}`);

    before(async () => {
      ({ client, cleanup } = await openClient(mode));
    });
    after(async () => {
      await cleanup();
    });

    describe('insertOne / insertMany', () => {
      it('insertOne generates an ObjectId _id, adds it to the caller\'s document and stores it first', async () => {
        const coll = fresh();
        const doc: Document = { a: 1, b: { c: 2 } };
        const result = await coll.insertOne(doc);
        assert.deepEqual(Object.keys(result).sort(), ['acknowledged', 'insertedId']);
        assert.equal(result.acknowledged, true);
        assert.ok(result.insertedId instanceof ObjectId);
        assert.equal(doc._id, result.insertedId, 'the driver mutates the caller\'s document');
        const stored = await coll.findOne({ _id: result.insertedId });
        assert.ok(stored);
        assert.deepEqual(Object.keys(stored), ['_id', 'a', 'b']);
        assert.deepEqual(stored, { _id: result.insertedId, a: 1, b: { c: 2 } });
      });

      it('insertOne moves a given _id to the front and keeps the other fields in order', async () => {
        const coll = fresh();
        const result = await coll.insertOne({ z: 1, _id: 'k', a: 2 });
        assert.equal(result.insertedId, 'k');
        const stored = await coll.findOne({});
        assert.deepEqual(Object.keys(stored!), ['_id', 'z', 'a']);
      });

      it('insertOne of a duplicate _id fails with 11000, mongod\'s message, keyPattern and keyValue', async () => {
        const coll = fresh();
        await coll.insertOne({ _id: 1 });
        const err = await rejectsWith(() => coll.insertOne({ _id: 1, x: 2 }), 11000, {
          codeName: 'DuplicateKey',
          message: `E11000 duplicate key error collection: ${DB}.${coll.collectionName} index: _id_ dup key: { _id: 1 }`,
        });
        assert.deepEqual(err.keyPattern, { _id: 1 });
        assert.deepEqual(err.keyValue, { _id: 1 });
        assert.equal(await coll.countDocuments(), 1);
      });

      it('insertMany returns insertedCount and insertedIds by position', async () => {
        const coll = fresh();
        const docs: Document[] = [{ _id: 'x' }, { a: 1 }, { a: 2 }];
        const result = await coll.insertMany(docs);
        assert.equal(result.acknowledged, true);
        assert.equal(result.insertedCount, 3);
        assert.equal(result.insertedIds[0], 'x');
        assert.ok(result.insertedIds[1] instanceof ObjectId);
        assert.ok(result.insertedIds[2] instanceof ObjectId);
        assert.equal(docs[1]!._id, result.insertedIds[1]);
        assert.equal(await coll.countDocuments(), 3);
      });

      it('ordered insertMany stops at the first duplicate and reports it as a write error', async () => {
        const coll = fresh();
        await coll.insertMany([{ _id: 1 }, { _id: 2 }]);
        const err = await rejectsWith(() => coll.insertMany([{ _id: 3 }, { _id: 1 }, { _id: 4 }, { _id: 2 }]), 11000, {
          message: `E11000 duplicate key error collection: ${DB}.${coll.collectionName} index: _id_ dup key: { _id: 1 }`,
        });
        const writeErrors = err.writeErrors as Document[];
        assert.ok(Array.isArray(writeErrors), 'the error carries writeErrors');
        assert.equal(writeErrors.length, 1);
        assert.equal(writeErrors[0]!.index, 1);
        assert.equal(writeErrors[0]!.code, 11000);
        assert.equal(writeErrors[0]!.errmsg, err.message);
        assert.equal((err.result as Document).insertedCount, 1);
        assert.deepEqual((await coll.find({}).toArray()).map((d) => d._id), [1, 2, 3]);
      });

      it('the duplicate key of an insertMany write error names keyPattern and keyValue', async () => {
        const coll = fresh();
        await coll.insertOne({ _id: 1 });
        const err = await rejectsWith(() => coll.insertMany([{ _id: 1 }]), 11000);
        assert.deepEqual(err.keyPattern, { _id: 1 });
        assert.deepEqual(err.keyValue, { _id: 1 });
      });

      it('unordered insertMany continues past duplicates and reports every one', async () => {
        const coll = fresh();
        await coll.insertMany([{ _id: 1 }, { _id: 2 }]);
        const err = await rejectsWith(() => coll.insertMany([{ _id: 3 }, { _id: 1 }, { _id: 4 }, { _id: 2 }, { _id: 5 }], { ordered: false }), 11000);
        const writeErrors = err.writeErrors as Document[];
        assert.deepEqual(writeErrors.map((e) => e.index), [1, 3]);
        assert.deepEqual(writeErrors.map((e) => e.code), [11000, 11000]);
        assert.match(String(writeErrors[1]!.errmsg), /dup key: \{ _id: 2 \}$/);
        assert.equal((err.result as Document).insertedCount, 3);
        assert.deepEqual((await coll.find({}, { sort: { _id: 1 } }).toArray()).map((d) => d._id), [1, 2, 3, 4, 5]);
      });

      it('unordered insertMany reports 20,000 duplicates among fresh documents, each at its own index', async () => {
        const coll = fresh();
        const taken = 20_000;
        await coll.insertMany(Array.from({ length: taken }, (_, i) => ({ _id: i })));
        // Even positions repeat a stored _id, odd ones are new; one document in the middle has an invalid _id.
        const docs: Document[] = Array.from({ length: 2 * taken }, (_, i) => ({ _id: i % 2 === 0 ? i / 2 : taken + i, i }));
        const invalidAt = taken + 1;
        docs[invalidAt] = { _id: [invalidAt] };
        const err = await rejectsWith(() => coll.insertMany(docs, { ordered: false }), 11000);
        const writeErrors = err.writeErrors as Document[];
        const expected = docs.map((_, i) => i).filter((i) => i % 2 === 0 || i === invalidAt);
        assert.deepEqual(writeErrors.map((e) => e.index), expected);
        assert.deepEqual(writeErrors.filter((e) => e.code === 53).map((e) => e.index), [invalidAt]);
        assert.equal(writeErrors.filter((e) => e.code === 11000).length, taken);
        assert.equal((err.result as Document).insertedCount, taken - 1);
        assert.equal(await coll.countDocuments(), 2 * taken - 1);
        assert.equal(await coll.countDocuments({ i: { $exists: true } }), taken - 1);
      });

      it('ordered insertMany stops at the first duplicate of a long batch, after storing those before it', async () => {
        const coll = fresh();
        await coll.insertOne({ _id: 700 });
        const docs = Array.from({ length: 2000 }, (_, i) => ({ _id: i }));
        const err = await rejectsWith(() => coll.insertMany(docs), 11000);
        assert.deepEqual((err.writeErrors as Document[]).map((e) => e.index), [700]);
        assert.equal((err.result as Document).insertedCount, 700);
        assert.equal(await coll.countDocuments(), 701);
      });

      it('rejects a document over 16 MiB with 10334 BSONObjectTooLarge and stores nothing', async () => {
        const coll = fresh();
        await rejectsWith(() => coll.insertOne({ _id: 1, big: 'x'.repeat(16 * 1024 * 1024) }), 10334, { codeName: 'BSONObjectTooLarge' });
        assert.equal(await coll.countDocuments(), 0);
      });

      it('rejects an array _id with 53 InvalidIdField', async () => {
        const coll = fresh();
        await rejectsWith(() => coll.insertOne({ _id: [1, 2] as unknown as number }), 53, { codeName: 'InvalidIdField' });
      });
    });

    describe('updateOne / updateMany / replaceOne', () => {
      it('returns the driver\'s UpdateResult shape; a no-op update matches but does not modify', async () => {
        const coll = fresh();
        await coll.insertMany([{ _id: 1, a: 1 }, { _id: 2, a: 1 }, { _id: 3, a: 2 }]);
        assert.deepEqual(await coll.updateOne({ a: 1 }, { $set: { b: 1 } }), {
          acknowledged: true, matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedId: null,
        });
        assert.deepEqual(await coll.updateMany({ a: 1 }, { $set: { b: 1 } }), {
          acknowledged: true, matchedCount: 2, modifiedCount: 1, upsertedCount: 0, upsertedId: null,
        });
        assert.deepEqual(await coll.updateOne({ _id: 3 }, { $set: { a: 2 } }), {
          acknowledged: true, matchedCount: 1, modifiedCount: 0, upsertedCount: 0, upsertedId: null,
        });
        assert.deepEqual(await coll.updateMany({ a: 99 }, { $set: { b: 1 } }), {
          acknowledged: true, matchedCount: 0, modifiedCount: 0, upsertedCount: 0, upsertedId: null,
        });
        assert.deepEqual(await coll.find({}, { sort: { _id: 1 } }).toArray(), [
          { _id: 1, a: 1, b: 1 }, { _id: 2, a: 1, b: 1 }, { _id: 3, a: 2 },
        ]);
      });

      it('replaceOne replaces the whole document, keeping _id first', async () => {
        const coll = fresh();
        await coll.insertOne({ _id: 1, a: 1, b: 2 });
        assert.deepEqual(await coll.replaceOne({ _id: 1 }, { c: 3, d: 4 }), {
          acknowledged: true, matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedId: null,
        });
        const stored = await coll.findOne({ _id: 1 });
        assert.deepEqual(Object.keys(stored!), ['_id', 'c', 'd']);
        assert.deepEqual(stored, { _id: 1, c: 3, d: 4 });
        // The replacement may repeat the same _id, anywhere in the document.
        await coll.replaceOne({ _id: 1 }, { e: 5, _id: 1 });
        assert.deepEqual(Object.keys((await coll.findOne({ _id: 1 }))!), ['_id', 'e']);
      });

      it('upsert seeds the new document from the filter\'s equalities, then applies the update', async () => {
        const coll = fresh();
        const result = await coll.updateOne({ a: 1, b: { $gt: 1 }, 'c.d': 'x', $and: [{ e: true }] }, { $set: { f: 5 } }, { upsert: true });
        assert.equal(result.acknowledged, true);
        assert.equal(result.matchedCount, 0);
        assert.equal(result.modifiedCount, 0);
        assert.equal(result.upsertedCount, 1);
        assert.ok(result.upsertedId instanceof ObjectId);
        const stored = await coll.findOne({ _id: result.upsertedId });
        assert.deepEqual(stored, { _id: result.upsertedId, a: 1, c: { d: 'x' }, e: true, f: 5 });
        assert.equal(Object.keys(stored!)[0], '_id');
      });

      it('upsert takes _id from the filter, and replaceOne upserts with it', async () => {
        const coll = fresh();
        assert.deepEqual(await coll.updateOne({ _id: 7 }, { $inc: { n: 1 } }, { upsert: true }), {
          acknowledged: true, matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: 7,
        });
        assert.deepEqual(await coll.replaceOne({ _id: 8 }, { x: 1 }, { upsert: true }), {
          acknowledged: true, matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: 8,
        });
        assert.deepEqual(await coll.find({}, { sort: { _id: 1 } }).toArray(), [{ _id: 7, n: 1 }, { _id: 8, x: 1 }]);
        // A second upsert with the same filter now matches.
        assert.deepEqual(await coll.updateOne({ _id: 7 }, { $inc: { n: 1 } }, { upsert: true }), {
          acknowledged: true, matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedId: null,
        });
      });

      it('$setOnInsert applies only when the upsert inserts', async () => {
        const coll = fresh();
        await coll.updateOne({ _id: 1 }, { $set: { a: 1 }, $setOnInsert: { created: true } }, { upsert: true });
        assert.deepEqual(await coll.findOne({ _id: 1 }), { _id: 1, a: 1, created: true });
        await coll.updateOne({ _id: 1 }, { $set: { a: 2 }, $setOnInsert: { created: false, other: 1 } }, { upsert: true });
        assert.deepEqual(await coll.findOne({ _id: 1 }), { _id: 1, a: 2, created: true });
      });

      it('updateMany with upsert inserts one document when nothing matches', async () => {
        const coll = fresh();
        const result = await coll.updateMany({ kind: 'x' }, { $set: { seen: true } }, { upsert: true });
        assert.equal(result.upsertedCount, 1);
        assert.equal(await coll.countDocuments({ kind: 'x', seen: true }), 1);
      });

      it('updates array elements through arrayFilters, positional $ and $[]', async () => {
        const coll = fresh();
        await coll.insertOne({ _id: 1, grades: [80, 95, 100], items: [{ k: 'a', n: 1 }, { k: 'b', n: 2 }] });
        await coll.updateOne({ _id: 1 }, { $set: { 'grades.$[el]': 0 } }, { arrayFilters: [{ el: { $gte: 95 } }] });
        assert.deepEqual((await coll.findOne({ _id: 1 }))!.grades, [80, 0, 0]);
        await coll.updateOne({ _id: 1, grades: 80 }, { $set: { 'grades.$': 81 } });
        assert.deepEqual((await coll.findOne({ _id: 1 }))!.grades, [81, 0, 0]);
        await coll.updateOne({ _id: 1, 'items.k': 'b' }, { $inc: { 'items.$.n': 10 } });
        await coll.updateOne({ _id: 1 }, { $inc: { 'grades.$[]': 1 } });
        await coll.updateOne({ _id: 1 }, { $set: { 'items.$[it].flag': true } }, { arrayFilters: [{ 'it.k': 'a' }] });
        assert.deepEqual(await coll.findOne({ _id: 1 }), {
          _id: 1, grades: [82, 1, 1], items: [{ k: 'a', n: 1, flag: true }, { k: 'b', n: 12 }],
        });
      });

      it('runs pipeline-style updates ($set, $unset, $replaceWith)', async () => {
        const coll = fresh();
        await coll.insertOne({ _id: 1, a: 2, b: 3 });
        const result = await coll.updateOne({ _id: 1 }, [{ $set: { total: { $add: ['$a', '$b'] } } }, { $unset: ['a'] }]);
        assert.equal(result.modifiedCount, 1);
        const stored = await coll.findOne({ _id: 1 });
        assert.deepEqual(Object.keys(stored!), ['_id', 'b', 'total']);
        assert.deepEqual(stored, { _id: 1, b: 3, total: 5 });
        await coll.updateOne({ _id: 1 }, [{ $replaceWith: { _id: '$_id', doubled: { $multiply: ['$total', 2] } } }]);
        assert.deepEqual(await coll.findOne({ _id: 1 }), { _id: 1, doubled: 10 });
      });

      it('refuses to change _id with 66 ImmutableField, leaving the document as it was', async () => {
        const coll = fresh();
        await coll.insertOne({ _id: 1, a: 1 });
        await rejectsWith(() => coll.updateOne({ _id: 1 }, { $set: { _id: 2 } }), 66, {
          codeName: 'ImmutableField',
          message: "Performing an update on the path '_id' would modify the immutable field '_id'",
        });
        await rejectsWith(() => coll.replaceOne({ _id: 1 }, { _id: 2, a: 2 }), 66, { codeName: 'ImmutableField' });
        await rejectsWith(() => coll.updateOne({ _id: 1 }, [{ $set: { _id: 3 } }]), 66, { codeName: 'ImmutableField' });
        assert.deepEqual(await coll.find({}).toArray(), [{ _id: 1, a: 1 }]);
        // Setting _id to its current value is allowed.
        assert.equal((await coll.updateOne({ _id: 1 }, { $set: { _id: 1, a: 5 } })).modifiedCount, 1);
      });

      it('keeps field order: $set of an existing field stays in place, new fields go last, $rename moves to the end', async () => {
        const coll = fresh();
        await coll.insertOne({ _id: 1, a: 1, b: 2, c: 3 });
        await coll.updateOne({ _id: 1 }, { $set: { b: 20, d: 4 } });
        assert.deepEqual(Object.keys((await coll.findOne({ _id: 1 }))!), ['_id', 'a', 'b', 'c', 'd']);
        await coll.updateOne({ _id: 1 }, { $rename: { a: 'z' } });
        assert.deepEqual(Object.keys((await coll.findOne({ _id: 1 }))!), ['_id', 'b', 'c', 'd', 'z']);
        await coll.updateOne({ _id: 1 }, { $unset: { c: '' }, $inc: { b: 1 } });
        const stored = await coll.findOne({ _id: 1 });
        assert.deepEqual(Object.keys(stored!), ['_id', 'b', 'd', 'z']);
        assert.deepEqual(stored, { _id: 1, b: 21, d: 4, z: 1 });
        // Embedded documents keep their order too.
        await coll.updateOne({ _id: 1 }, { $set: { e: { y: 1, x: 2 } } });
        await coll.updateOne({ _id: 1 }, { $set: { 'e.w': 3, 'e.y': 0 } });
        assert.deepEqual(Object.keys((await coll.findOne({ _id: 1 }))!.e as Document), ['y', 'x', 'w']);
      });

      it('updateOne with a replacement document and replaceOne with operators are refused', async () => {
        const coll = fresh();
        await coll.insertOne({ _id: 1, a: 1 });
        await assert.rejects(() => coll.updateOne({ _id: 1 }, { a: 2 }), /Update document requires atomic operators/);
        await assert.rejects(() => coll.updateMany({ _id: 1 }, { a: 2 }), /Update document requires atomic operators/);
        await assert.rejects(() => coll.replaceOne({ _id: 1 }, { $set: { a: 2 } }), /Replacement document must not contain atomic operators/);
        assert.deepEqual(await coll.findOne({ _id: 1 }), { _id: 1, a: 1 });
      });

      it('$inc on a string is 14 TypeMismatch; unknown and conflicting modifiers fail as mongod does', async () => {
        const coll = fresh();
        await coll.insertOne({ _id: 1, a: 'text' });
        await rejectsWith(() => coll.updateOne({ _id: 1 }, { $inc: { a: 1 } }), 14, {
          codeName: 'TypeMismatch',
          message: /^Cannot apply \$inc to a value of non-numeric type/,
        });
        await rejectsWith(() => coll.updateOne({ _id: 1 }, { $foo: { a: 1 } }), 9, { codeName: 'FailedToParse', message: /^Unknown modifier: \$foo/ });
        await rejectsWith(() => coll.updateOne({ _id: 1 }, { $set: { a: 1 }, $inc: { a: 1 } }), 40, {
          codeName: 'ConflictingUpdateOperators',
          message: "Updating the path 'a' would create a conflict at 'a'",
        });
        assert.deepEqual(await coll.findOne({ _id: 1 }), { _id: 1, a: 'text' });
      });

      it('keeps numeric types through $inc and $mul (int stays int, int + double is double, overflow is long)', async () => {
        const coll = fresh();
        await coll.insertOne({ _id: 1, i: new Int32(1), big: new Int32(2147483647), m: new Int32(3) });
        await coll.updateOne({ _id: 1 }, { $inc: { i: 1, big: 1 }, $mul: { m: 1.5 } });
        assert.equal(await coll.countDocuments({ _id: 1, i: { $type: 'int' } }), 1);
        assert.equal(await coll.countDocuments({ _id: 1, big: { $type: 'long' } }), 1);
        assert.equal(await coll.countDocuments({ _id: 1, m: { $type: 'double' } }), 1);
        assert.deepEqual(await coll.findOne({ _id: 1 }), { _id: 1, i: 2, big: 2147483648, m: 4.5 });
      });
    });

    describe('deleteOne / deleteMany', () => {
      it('returns {acknowledged, deletedCount}', async () => {
        const coll = fresh();
        await coll.insertMany([{ _id: 1, t: 'a' }, { _id: 2, t: 'a' }, { _id: 3, t: 'b' }, { _id: 4, t: 'a' }]);
        assert.deepEqual(await coll.deleteOne({ t: 'a' }), { acknowledged: true, deletedCount: 1 });
        assert.deepEqual(await coll.deleteOne({ t: 'zzz' }), { acknowledged: true, deletedCount: 0 });
        assert.deepEqual(await coll.deleteMany({ t: 'a' }), { acknowledged: true, deletedCount: 2 });
        assert.deepEqual(await coll.find({}).toArray(), [{ _id: 3, t: 'b' }]);
        assert.deepEqual(await coll.deleteMany({}), { acknowledged: true, deletedCount: 1 });
        assert.equal(await coll.countDocuments(), 0);
      });

      it('deleting from a collection that does not exist deletes nothing', async () => {
        assert.deepEqual(await fresh().deleteMany({}), { acknowledged: true, deletedCount: 0 });
      });
    });

    describe('findOneAndUpdate / findOneAndReplace / findOneAndDelete', () => {
      const seed = async (coll: Collection) => {
        await coll.insertMany([{ _id: 1, n: 1, tag: 'a' }, { _id: 2, n: 2, tag: 'a' }, { _id: 3, n: 3, tag: 'b' }]);
      };

      it('findOneAndUpdate returns the document before by default, after with returnDocument: after', async () => {
        const coll = fresh();
        await seed(coll);
        assert.deepEqual(await coll.findOneAndUpdate({ tag: 'a' }, { $inc: { n: 10 } }, { sort: { n: -1 } }), { _id: 2, n: 2, tag: 'a' });
        assert.deepEqual(
          await coll.findOneAndUpdate({ tag: 'a' }, { $inc: { n: 100 } }, { sort: { n: 1 }, returnDocument: 'after', projection: { _id: 0, n: 1 } }),
          { n: 101 },
        );
        assert.equal(await coll.findOneAndUpdate({ tag: 'zzz' }, { $set: { n: 0 } }), null);
        assert.deepEqual(await coll.find({}, { sort: { _id: 1 } }).toArray(), [
          { _id: 1, n: 101, tag: 'a' }, { _id: 2, n: 12, tag: 'a' }, { _id: 3, n: 3, tag: 'b' },
        ]);
      });

      it('findOneAndUpdate with upsert returns null before, the new document after', async () => {
        const coll = fresh();
        assert.equal(await coll.findOneAndUpdate({ _id: 10 }, { $set: { v: 1 } }, { upsert: true }), null);
        assert.deepEqual(await coll.findOneAndUpdate({ _id: 11 }, { $set: { v: 2 } }, { upsert: true, returnDocument: 'after' }), { _id: 11, v: 2 });
        assert.deepEqual(await coll.find({}, { sort: { _id: 1 } }).toArray(), [{ _id: 10, v: 1 }, { _id: 11, v: 2 }]);
      });

      it('includeResultMetadata gives {value, lastErrorObject, ok}', async () => {
        const coll = fresh();
        await seed(coll);
        // The driver returns the raw reply: value, lastErrorObject and ok (plus the cluster time fields).
        const updated = (await coll.findOneAndUpdate({ _id: 1 }, { $set: { x: 1 } }, { includeResultMetadata: true }))!;
        assert.deepEqual(updated.value, { _id: 1, n: 1, tag: 'a' });
        assert.deepEqual(updated.lastErrorObject, { n: 1, updatedExisting: true });
        assert.equal(updated.ok, 1);
        const upserted = (await coll.findOneAndUpdate({ _id: 9 }, { $set: { x: 1 } }, { upsert: true, includeResultMetadata: true }))!;
        assert.equal(upserted.value, null);
        assert.deepEqual(upserted.lastErrorObject, { n: 1, updatedExisting: false, upserted: 9 });
        const missed = (await coll.findOneAndDelete({ _id: 99 }, { includeResultMetadata: true }))!;
        assert.equal(missed.value, null);
        assert.deepEqual(missed.lastErrorObject, { n: 0 });
      });

      it('findOneAndReplace replaces the first document in sort order', async () => {
        const coll = fresh();
        await seed(coll);
        assert.deepEqual(await coll.findOneAndReplace({ tag: 'a' }, { tag: 'c' }, { sort: { n: -1 }, returnDocument: 'after' }), { _id: 2, tag: 'c' });
        assert.deepEqual(await coll.findOneAndReplace({ _id: 3 }, { tag: 'd' }), { _id: 3, n: 3, tag: 'b' });
        assert.deepEqual(await coll.findOneAndReplace({ _id: 4 }, { tag: 'e' }, { upsert: true, returnDocument: 'after' }), { _id: 4, tag: 'e' });
        assert.deepEqual(await coll.find({}, { sort: { _id: 1 } }).toArray(), [
          { _id: 1, n: 1, tag: 'a' }, { _id: 2, tag: 'c' }, { _id: 3, tag: 'd' }, { _id: 4, tag: 'e' },
        ]);
      });

      it('findOneAndDelete removes and returns the first document in sort order, projected', async () => {
        const coll = fresh();
        await seed(coll);
        assert.deepEqual(await coll.findOneAndDelete({ tag: 'a' }, { sort: { n: -1 } }), { _id: 2, n: 2, tag: 'a' });
        assert.deepEqual(await coll.findOneAndDelete({}, { sort: { n: -1 }, projection: { tag: 1 } }), { _id: 3, tag: 'b' });
        assert.equal(await coll.findOneAndDelete({ tag: 'zzz' }), null);
        assert.deepEqual(await coll.find({}).toArray(), [{ _id: 1, n: 1, tag: 'a' }]);
      });

      it('findOneAndUpdate applies a positional projection; a bad projection fails before writing', async () => {
        const coll = fresh();
        await coll.insertOne({ _id: 1, b: [{ x: 1 }, { x: 2 }] });
        assert.deepEqual(
          await coll.findOneAndUpdate({ _id: 1, 'b.x': 2 }, { $set: { seen: true } }, { projection: { 'b.$': 1 }, returnDocument: 'after' }),
          { _id: 1, b: [{ x: 2 }] },
        );
        await rejectsWith(() => coll.findOneAndUpdate({ _id: 1 }, { $set: { c: 1 } }, { projection: { b: 1, seen: 0 } }), 31254, {
          message: 'Cannot do exclusion on field seen in inclusion projection',
        });
        assert.deepEqual(await coll.findOne({ _id: 1 }), { _id: 1, b: [{ x: 1 }, { x: 2 }], seen: true });
      });

      it('findOneAndUpdate refuses a replacement document and an _id change', async () => {
        const coll = fresh();
        await seed(coll);
        await assert.rejects(() => coll.findOneAndUpdate({ _id: 1 }, { n: 5 }), /Update document requires atomic operators/);
        await assert.rejects(() => coll.findOneAndReplace({ _id: 1 }, { $set: { n: 5 } }), /Replacement document must not contain atomic operators/);
        await rejectsWith(() => coll.findOneAndUpdate({ _id: 1 }, { $set: { _id: 5 } }), 66, { codeName: 'ImmutableField' });
      });
    });

    describe('find / findOne and cursors', () => {
      const seed = async (coll: Collection, n = 10) => {
        await coll.insertMany(Array.from({ length: n }, (_, i) => ({ _id: i, n: i % 3, s: `s${i}` })));
      };

      it('filters, sorts, projects, skips and limits', async () => {
        const coll = fresh();
        await seed(coll);
        assert.deepEqual(await coll.find({ n: 1 }, { sort: { _id: -1 }, projection: { s: 1 } }).toArray(), [
          { _id: 7, s: 's7' }, { _id: 4, s: 's4' }, { _id: 1, s: 's1' },
        ]);
        assert.deepEqual(await coll.find({}, { sort: { n: -1, _id: 1 }, skip: 1, limit: 3, projection: { s: 0 } }).toArray(), [
          { _id: 5, n: 2 }, { _id: 8, n: 2 }, { _id: 1, n: 1 },
        ]);
        assert.deepEqual(await coll.find({ _id: { $gte: 3 } }).sort({ _id: 1 }).skip(2).limit(2).project({ _id: 1 }).toArray(), [{ _id: 5 }, { _id: 6 }]);
        assert.deepEqual(await coll.find({ _id: { $in: [3, 1, 99] } }).sort('_id', -1).project({ n: 0, s: 0 }).toArray(), [{ _id: 3 }, { _id: 1 }]);
        assert.deepEqual(await coll.find({ $or: [{ n: 2 }, { s: 's0' }] }, { sort: { _id: 1 }, projection: { _id: 1 } }).toArray(), [
          { _id: 0 }, { _id: 2 }, { _id: 5 }, { _id: 8 },
        ]);
        assert.deepEqual(await coll.find({ n: 1 }, { projection: { _id: 0, label: { $concat: ['$s', '!'] } }, sort: { _id: 1 } }).toArray(), [
          { label: 's1!' }, { label: 's4!' }, { label: 's7!' },
        ]);
      });

      it('projects array elements with $slice, $elemMatch and the positional $', async () => {
        const coll = fresh();
        await coll.insertMany([
          { _id: 1, a: [1, 2, 3, 4], b: [{ x: 1, y: 'a' }, { x: 2, y: 'b' }, { x: 2, y: 'c' }] },
          { _id: 2, a: [5], b: [{ x: 3, y: 'd' }] },
        ]);
        assert.deepEqual(await coll.find({ _id: 1 }, { projection: { a: { $slice: -2 }, b: 0 } }).toArray(), [{ _id: 1, a: [3, 4] }]);
        assert.deepEqual(await coll.find({ _id: 1 }, { projection: { b: { $elemMatch: { x: 2 } } } }).toArray(), [{ _id: 1, b: [{ x: 2, y: 'b' }] }]);
        assert.deepEqual(await coll.find({ 'b.y': 'c' }, { projection: { 'b.$': 1 } }).toArray(), [{ _id: 1, b: [{ x: 2, y: 'c' }] }]);
        assert.deepEqual(await coll.find({ a: { $gt: 2 } }, { projection: { 'a.$': 1 }, sort: { _id: 1 } }).toArray(), [
          { _id: 1, a: [3] }, { _id: 2, a: [5] },
        ]);
      });

      it('find on a collection that does not exist is empty', async () => {
        assert.deepEqual(await fresh().find({}).toArray(), []);
        assert.equal(await fresh().findOne({}), null);
      });

      it('findOne returns the first match (with sort and projection) or null', async () => {
        const coll = fresh();
        await seed(coll);
        assert.deepEqual(await coll.findOne({ n: 2 }, { sort: { _id: -1 } }), { _id: 8, n: 2, s: 's8' });
        assert.deepEqual(await coll.findOne({ _id: 4 }, { projection: { _id: 0, s: 1 } }), { s: 's4' });
        assert.equal(await coll.findOne({ n: 5 }), null);
      });

      it('pages a 250-document result: a first batch of 101, then getMore', async () => {
        const coll = fresh();
        await seed(coll, 250);
        const spy = spyCommands(client);
        try {
          const docs = await coll.find({}, { sort: { _id: 1 } }).toArray();
          assert.equal(docs.length, 250);
          assert.deepEqual(docs.map((d) => d._id), Array.from({ length: 250 }, (_, i) => i));
          assert.equal(Object.keys(spy.commands[0]!)[0], 'find');
          const first = spy.replies[0]!.cursor as Document;
          assert.equal((first.firstBatch as Document[]).length, 101);
          assert.notEqual(Number(first.id), 0, 'the cursor stays open after the first batch');
          assert.equal(first.ns, `${DB}.${coll.collectionName}`);
          const getMores = spy.commands.filter((c) => 'getMore' in c);
          assert.equal(getMores.length, 1, 'one getMore fetches the rest');
          const last = spy.replies[spy.replies.length - 1]!.cursor as Document;
          assert.equal((last.nextBatch as Document[]).length, 149);
          assert.equal(Number(last.id), 0, 'the cursor is exhausted');
        } finally {
          spy.restore();
        }
      });

      it('honours batchSize for the first batch and every getMore, and limit across batches', async () => {
        const coll = fresh();
        await seed(coll, 250);
        const spy = spyCommands(client);
        try {
          const docs = await coll.find({}, { batchSize: 100 }).toArray();
          assert.equal(docs.length, 250);
          const sizes = spy.replies.map((r) => {
            const c = r.cursor as Document;
            return ((c.firstBatch ?? c.nextBatch) as Document[]).length;
          });
          assert.deepEqual(sizes, [100, 100, 50]);
          spy.commands.length = 0;
          spy.replies.length = 0;
          const limited = await coll.find({}).batchSize(2).limit(5).toArray();
          assert.equal(limited.length, 5);
          const limitedSizes = spy.replies.map((r) => {
            const c = r.cursor as Document;
            return ((c.firstBatch ?? c.nextBatch) as Document[]).length;
          });
          assert.deepEqual(limitedSizes, [2, 2, 1]);
        } finally {
          spy.restore();
        }
      });

      it('next() and hasNext() walk a multi-batch cursor, then return null / false', async () => {
        const coll = fresh();
        await seed(coll, 5);
        const cursor = coll.find({}, { sort: { _id: 1 }, batchSize: 2 });
        const seen: unknown[] = [];
        for (;;) {
          const doc = await cursor.next();
          if (doc === null) break;
          seen.push(doc._id);
        }
        assert.deepEqual(seen, [0, 1, 2, 3, 4]);
        assert.equal(await cursor.hasNext(), false);
        assert.equal(await cursor.next(), null);
        assert.equal(cursor.closed, true);
      });

      it('for await iterates every document across batches', async () => {
        const coll = fresh();
        await seed(coll, 250);
        let count = 0;
        let last = -1;
        for await (const doc of coll.find({}, { sort: { _id: 1 } })) {
          assert.equal(doc._id, last + 1);
          last = doc._id as number;
          count++;
        }
        assert.equal(count, 250);
      });

      it('breaking out of for await, or close(), kills the server cursor', async () => {
        const coll = fresh();
        await seed(coll, 250);
        const spy = spyCommands(client);
        let cursorId: unknown;
        try {
          for await (const doc of coll.find({})) {
            if (doc._id === 3) break;
          }
          cursorId = (spy.replies[0]!.cursor as Document).id;
          assert.notEqual(Number(cursorId), 0);
          assert.ok(spy.commands.some((c) => 'killCursors' in c), 'killCursors was sent');
        } finally {
          spy.restore();
        }
        await rejectsWith(
          () => client.db(DB).command({ getMore: Long.fromValue(cursorId as number | Long), collection: coll.collectionName }),
          43,
          { codeName: 'CursorNotFound' },
        );

        const cursor = coll.find({}, { batchSize: 10 });
        assert.ok(await cursor.next());
        await cursor.close();
        assert.equal(cursor.closed, true);
      });

      it('matches strings case-insensitively under collation strength 2, and sorts by the locale', async () => {
        const coll = fresh();
        await coll.insertMany([{ _id: 1, s: 'abc' }, { _id: 2, s: 'ABC' }, { _id: 3, s: 'Abc' }, { _id: 4, s: 'abd' }, { _id: 5, s: 'B' }]);
        const collation = { locale: 'en', strength: 2 };
        assert.deepEqual((await coll.find({ s: 'abc' }, { collation, sort: { _id: 1 } }).toArray()).map((d) => d._id), [1, 2, 3]);
        assert.deepEqual((await coll.find({ s: 'abc' }).toArray()).map((d) => d._id), [1], 'binary comparison without collation');
        assert.equal(await coll.countDocuments({ s: { $in: ['ABD', 'b'] } }, { collation }), 2);
        const sorted = await coll.find({ _id: { $in: [1, 4, 5] } }, { sort: { s: 1 }, collation: { locale: 'en' } }).toArray();
        assert.deepEqual(sorted.map((d) => d.s), ['abc', 'abd', 'B']);
        const binary = await coll.find({ _id: { $in: [1, 4, 5] } }, { sort: { s: 1 } }).toArray();
        assert.deepEqual(binary.map((d) => d.s), ['B', 'abc', 'abd']);
        assert.deepEqual((await coll.find({}).collation(collation).filter({ s: 'ABD' }).toArray()).map((d) => d._id), [4]);
      });

      it('a filter with an unknown operator fails with 2 BadValue', async () => {
        const coll = fresh();
        await seed(coll, 3);
        await rejectsWith(() => coll.find({ a: { $foo: 1 } }).toArray(), 2, { codeName: 'BadValue', message: 'unknown operator: $foo' });
        await rejectsWith(() => coll.find({ $foo: 1 }).toArray(), 2, { codeName: 'BadValue', message: /^unknown top level operator: \$foo/ });
        await rejectsWith(() => coll.countDocuments({ a: { $foo: 1 } }), 2, { codeName: 'BadValue' });
        await rejectsWith(() => coll.updateOne({ a: { $foo: 1 } }, { $set: { b: 1 } }), 2, { codeName: 'BadValue' });
        await rejectsWith(() => coll.deleteMany({ a: { $foo: 1 } }), 2, { codeName: 'BadValue' });
        assert.equal(await coll.countDocuments(), 3, 'nothing was deleted');
      });
    });

    describe('counting and distinct', () => {
      it('countDocuments counts matches, honouring skip and limit', async () => {
        const coll = fresh();
        await coll.insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: i, even: i % 2 === 0 })));
        assert.equal(await coll.countDocuments(), 10);
        assert.equal(await coll.countDocuments({ even: true }), 5);
        assert.equal(await coll.countDocuments({ even: true }, { skip: 2 }), 3);
        assert.equal(await coll.countDocuments({ even: true }, { skip: 2, limit: 2 }), 2);
        assert.equal(await coll.countDocuments({}, { skip: 8 }), 2);
        assert.equal(await coll.countDocuments({}, { limit: 4 }), 4);
        assert.equal(await coll.countDocuments({}, { skip: 20 }), 0);
        assert.equal(await fresh().countDocuments({}), 0);
      });

      it('estimatedDocumentCount counts the collection, 0 when it does not exist', async () => {
        const coll = fresh();
        await coll.insertMany([{}, {}, {}]);
        assert.equal(await coll.estimatedDocumentCount(), 3);
        await coll.deleteOne({});
        assert.equal(await coll.estimatedDocumentCount(), 2);
        assert.equal(await fresh().estimatedDocumentCount(), 0);
      });

      it('distinct flattens arrays, follows dotted paths, and returns the values in BSON order', async () => {
        const coll = fresh();
        await coll.insertMany([
          { a: 3, b: { c: 'q' } },
          { a: [1, 2], b: [{ c: 'p' }, { c: 'q' }] },
          { a: 2, b: { c: 'r' } },
          { a: 'x' },
          { a: 1.0, b: { c: 'p' } },
          { other: true },
        ]);
        assert.deepEqual(await coll.distinct('a'), [1, 2, 3, 'x']);
        assert.deepEqual(await coll.distinct('b.c'), ['p', 'q', 'r']);
        assert.deepEqual(await coll.distinct('a', { 'b.c': 'q' }), [1, 2, 3]);
        assert.deepEqual(await coll.distinct('nothing'), []);
        assert.deepEqual(await fresh().distinct('a'), []);
      });
    });

    describe('aggregate', () => {
      const seed = async (coll: Collection) => {
        await coll.insertMany([
          { _id: 1, item: 'pen', qty: 2, price: 1.5, tags: ['office', 'school'] },
          { _id: 2, item: 'book', qty: 1, price: 10, tags: ['school'] },
          { _id: 3, item: 'pen', qty: 5, price: 1.5, tags: ['office'] },
          { _id: 4, item: 'bag', qty: 1, price: 25, tags: [] },
        ]);
      };

      it('runs $match, $group, $sort and $project', async () => {
        const coll = fresh();
        await seed(coll);
        const result = await coll.aggregate([
          { $match: { qty: { $gte: 1 } } },
          { $group: { _id: '$item', total: { $sum: '$qty' }, revenue: { $sum: { $multiply: ['$qty', '$price'] } } } },
          { $sort: { total: -1, _id: 1 } },
          { $project: { _id: 0, item: '$_id', total: 1, revenue: 1 } },
        ]).toArray();
        assert.deepEqual(result, [
          { total: 7, revenue: 10.5, item: 'pen' },
          { total: 1, revenue: 25, item: 'bag' },
          { total: 1, revenue: 10, item: 'book' },
        ]);
      });

      it('runs $unwind, $count, $skip and $limit', async () => {
        const coll = fresh();
        await seed(coll);
        assert.deepEqual(await coll.aggregate([{ $unwind: '$tags' }, { $group: { _id: '$tags', n: { $sum: 1 } } }, { $sort: { _id: 1 } }]).toArray(), [
          { _id: 'office', n: 2 }, { _id: 'school', n: 2 },
        ]);
        assert.deepEqual(await coll.aggregate([{ $unwind: '$tags' }, { $count: 'tagged' }]).toArray(), [{ tagged: 4 }]);
        assert.deepEqual(await coll.aggregate([{ $sort: { _id: 1 } }, { $skip: 1 }, { $limit: 2 }, { $project: { item: 1 } }]).toArray(), [
          { _id: 2, item: 'book' }, { _id: 3, item: 'pen' },
        ]);
        assert.deepEqual(await coll.aggregate([{ $match: { item: 'none' } }, { $count: 'n' }]).toArray(), []);
      });

      it('pages a large aggregation result with getMore', async () => {
        const coll = fresh();
        await coll.insertMany(Array.from({ length: 150 }, (_, i) => ({ _id: i })));
        const docs = await coll.aggregate([{ $sort: { _id: -1 } }], { batchSize: 40 }).toArray();
        assert.equal(docs.length, 150);
        assert.equal(docs[0]!._id, 149);
      });

      it('an unknown stage fails with 40324', async () => {
        const coll = fresh();
        await seed(coll);
        await rejectsWith(() => coll.aggregate([{ $bogus: {} }]).toArray(), 40324, { message: /^Unrecognized pipeline stage name: '\$bogus'/ });
      });
    });

    describe('BSON types', () => {
      it('round-trips Long, Decimal128, Binary, UUID, Date, Timestamp, ObjectId and nested arrays, and queries them', async () => {
        const coll = fresh();
        const oid = new ObjectId();
        const date = new Date('2024-05-06T07:08:09.010Z');
        const uuid = new UUID();
        await coll.insertOne({
          _id: 1,
          long: Long.fromString('9007199254740993'),
          dec: Decimal128.fromString('1.10'),
          bin: new Binary(Buffer.from([1, 2, 3]), 0),
          uuid,
          date,
          ts: new Timestamp({ t: 1700000000, i: 7 }),
          oid,
          nested: [[1, 2], [3, [4, { x: [5] }]]],
          sub: { a: { b: [{ c: 1 }] } },
        });
        const doc = (await coll.findOne({ _id: 1 }))!;
        assert.ok(doc.long instanceof Long, 'a long beyond 2^53 stays a Long');
        assert.equal(doc.long.toString(), '9007199254740993');
        assert.ok(doc.dec instanceof Decimal128);
        assert.equal(doc.dec.toString(), '1.10');
        assert.ok(doc.bin instanceof Binary);
        assert.equal(doc.bin.sub_type, 0);
        assert.equal(doc.bin.toString('hex'), '010203');
        assert.ok(doc.uuid instanceof Binary);
        assert.equal(doc.uuid.sub_type, 4);
        assert.equal(doc.uuid.toString('hex'), uuid.toString('hex'));
        assert.ok(doc.date instanceof Date);
        assert.equal(doc.date.getTime(), date.getTime());
        assert.ok(doc.ts instanceof Timestamp);
        assert.equal(doc.ts.t, 1700000000);
        assert.equal(doc.ts.i, 7);
        assert.ok(doc.oid instanceof ObjectId);
        assert.ok(doc.oid.equals(oid));
        assert.deepEqual(doc.nested, [[1, 2], [3, [4, { x: [5] }]]]);
        assert.deepEqual(doc.sub, { a: { b: [{ c: 1 }] } });

        const one = async (filter: Document) => (await coll.find(filter).toArray()).length;
        assert.equal(await one({ long: Long.fromString('9007199254740993') }), 1);
        assert.equal(await one({ long: Long.fromString('9007199254740992') }), 0);
        assert.equal(await one({ dec: Decimal128.fromString('1.1') }), 1, 'decimals compare by value');
        assert.equal(await one({ bin: new Binary(Buffer.from([1, 2, 3]), 0) }), 1);
        assert.equal(await one({ uuid }), 1);
        assert.equal(await one({ date: { $gt: new Date('2024-01-01') } }), 1);
        assert.equal(await one({ ts: new Timestamp({ t: 1700000000, i: 7 }) }), 1);
        assert.equal(await one({ oid }), 1);
        assert.equal(await one({ nested: [1, 2] }), 1, 'an array element equal to the whole operand');
        assert.equal(await one({ 'sub.a.b.c': 1 }), 1);
        assert.equal(await one({ long: { $type: 'long' }, dec: { $type: 'decimal' }, bin: { $type: 'binData' }, date: { $type: 'date' }, ts: { $type: 'timestamp' }, oid: { $type: 'objectId' } }), 1);
      });

      it('keeps Int32, Double, Long and Decimal128 apart in storage, as $type sees them', async () => {
        const coll = fresh();
        await coll.insertMany([
          { _id: 1, x: new Int32(5) },
          { _id: 2, x: new Double(5) },
          { _id: 3, x: 5 },
          { _id: 4, x: 5.5 },
          { _id: 5, x: Long.fromNumber(5) },
          { _id: 6, x: Decimal128.fromString('5') },
        ]);
        const ids = async (filter: Document) => (await coll.find(filter, { sort: { _id: 1 } }).toArray()).map((d) => d._id);
        assert.deepEqual(await ids({ x: { $type: 'int' } }), [1, 3]);
        assert.deepEqual(await ids({ x: { $type: 'double' } }), [2, 4]);
        assert.deepEqual(await ids({ x: { $type: 'long' } }), [5]);
        assert.deepEqual(await ids({ x: { $type: 'decimal' } }), [6]);
        assert.deepEqual(await ids({ x: { $type: 'number' } }), [1, 2, 3, 4, 5, 6]);
        assert.deepEqual(await ids({ x: 5 }), [1, 2, 3, 5, 6], 'numbers compare by value across types');
        // Rewriting the documents (an update of another field) keeps every value's type.
        await coll.updateMany({}, { $set: { touched: true } });
        assert.deepEqual(await ids({ x: { $type: 'int' } }), [1, 3]);
        assert.deepEqual(await ids({ x: { $type: 'double' } }), [2, 4]);
        assert.deepEqual(await ids({ x: { $type: 'long' } }), [5]);
        assert.deepEqual(await ids({ x: { $type: 'decimal' } }), [6]);
      });
    });
  });
}
