// `let` variables and $expr in CRUD commands, the $out, $merge, $documents and $listLocalSessions stages, and
// collection validators, through the embedded client on every storage mode.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectId, type Client, type Collection, type Db, type Document } from '../../../src/index.js';
import { modes, openClient } from '../../helpers/embedded.js';
import { rejectsWith } from '../../helpers/assertions.js';

/** The first batch of a cursor reply. */
function firstBatch(reply: Document): Document[] {
  return (reply.cursor as Document).firstBatch as Document[];
}

/** The event without the fields that differ from run to run. */
function shape(event: Document): Document {
  const { _id, clusterTime, wallTime, collectionUUID, ...rest } = event;
  void _id; void clusterTime; void wallTime; void collectionUUID;
  return rest;
}

for (const mode of modes()) {
  describe(`CRUD features (${mode})`, () => {
    let client: Client;
    let cleanup: () => Promise<void>;
    let db: Db;
    let counter = 0;
    const name = () => `c${++counter}`;
    const fresh = (): Collection => db.collection(name());
    const sorted = (coll: Collection) => coll.find({}).sort({ _id: 1 }).toArray();

    before(async () => {
      ({ client, cleanup } = await openClient(mode));
      db = client.db('features');
    });
    after(async () => {
      await cleanup();
    });

    describe('let and $expr', () => {
      it('find and aggregate read let variables in $expr and expressions', async () => {
        const coll = fresh();
        await coll.insertMany([{ _id: 1, x: 10 }, { _id: 2, x: 20 }]);
        const found = await db.command({ find: coll.collectionName, filter: { $expr: { $eq: ['$_id', '$$id'] } }, let: { id: 2 } });
        assert.deepEqual(firstBatch(found), [{ _id: 2, x: 20 }]);
        const agg = await db.command({
          aggregate: coll.collectionName,
          pipeline: [{ $match: { $expr: { $gt: ['$x', '$$min'] } } }, { $project: { _id: 0, y: { $add: ['$x', '$$plus'] }, lit: '$$lit' } }],
          let: { min: 15, plus: { $multiply: ['$$min', 2] }, lit: { $literal: '$notAPath' } },
          cursor: {},
        });
        assert.deepEqual(firstBatch(agg), [{ y: 50, lit: '$notAPath' }]);
      });

      it('update uses command-level let in q ($expr) and in a pipeline u ($$var)', async () => {
        const coll = fresh();
        await coll.insertMany([{ _id: 1, name: 'a' }, { _id: 2, name: 'b' }, { _id: 3, name: 'b' }]);
        const reply = await db.command({
          update: coll.collectionName,
          updates: [{ q: { $expr: { $eq: ['$name', '$$name'] } }, u: [{ $set: { x: '$$x' } }], multi: true }],
          let: { name: 'b', x: 'foo' },
        });
        assert.equal(reply.n, 2);
        assert.equal(reply.nModified, 2);
        assert.deepEqual(await sorted(coll), [{ _id: 1, name: 'a' }, { _id: 2, name: 'b', x: 'foo' }, { _id: 3, name: 'b', x: 'foo' }]);
      });

      it('delete and findAndModify use let in their filters', async () => {
        const coll = fresh();
        await coll.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
        const del = await db.command({ delete: coll.collectionName, deletes: [{ q: { $expr: { $eq: ['$_id', '$$id'] } }, limit: 1 }], let: { id: 1 } });
        assert.equal(del.n, 1);
        const fam = await db.command({
          findAndModify: coll.collectionName, query: { $expr: { $eq: ['$_id', '$$id'] } }, update: [{ $set: { v: '$$v' } }], new: true, let: { id: 2, v: 7 },
        });
        assert.deepEqual(fam.value, { _id: 2, v: 7 });
        const removed = await db.command({ findAndModify: coll.collectionName, query: { $expr: { $eq: ['$_id', '$$id'] } }, remove: true, let: { id: 3 } });
        assert.deepEqual(removed.value, { _id: 3 });
        assert.deepEqual(await sorted(coll), [{ _id: 2, v: 7 }]);
      });

      it('$expr works in updateOne, deleteMany and countDocuments without let', async () => {
        const coll = fresh();
        await coll.insertMany([{ _id: 1, a: 1, b: 2 }, { _id: 2, a: 3, b: 2 }]);
        const upd = await coll.updateOne({ $expr: { $gt: ['$a', '$b'] } }, { $set: { big: true } });
        assert.equal(upd.modifiedCount, 1);
        assert.equal(await coll.countDocuments({ $expr: { $eq: ['$big', true] } }), 1);
        const del = await coll.deleteMany({ $expr: { $lt: ['$a', '$b'] } });
        assert.equal(del.deletedCount, 1);
        assert.deepEqual(await sorted(coll), [{ _id: 2, a: 3, b: 2, big: true }]);
      });

      it('an undefined variable is a write error with the code and message mongod gives, and bad let names are refused', async () => {
        const coll = fresh();
        await coll.insertOne({ _id: 1 });
        const reply = await db.command({ update: coll.collectionName, updates: [{ q: { $expr: { $eq: ['$_id', '$$nope'] } }, u: { $set: { a: 1 } } }] });
        const writeErrors = reply.writeErrors as Document[];
        assert.equal(writeErrors.length, 1);
        assert.equal(writeErrors[0]!.code, 17276);
        assert.equal(writeErrors[0]!.errmsg, 'Use of undefined variable: nope');
        await rejectsWith(() => db.command({ find: coll.collectionName, filter: { $expr: '$$nope' } }), 17276);
        await rejectsWith(() => db.command({ find: coll.collectionName, filter: {}, let: { Upper: 1 } }), 9, { codeName: 'FailedToParse' });
        await rejectsWith(() => db.command({ find: coll.collectionName, filter: {}, let: 5 }), 14);
        await rejectsWith(() => db.command({ find: coll.collectionName, filter: {}, let: { x: '$field' } }), 4890500);
      });
    });

    describe('$out', () => {
      it('replaces the target, keeps its indexes, returns an empty cursor, and streams see the temp collection renamed over it', async () => {
        const source = fresh();
        const target = fresh();
        await source.insertMany([{ _id: 1, x: 11 }, { _id: 2, x: 22 }, { _id: 3, x: 33 }]);
        await target.insertOne({ _id: 'old' });
        await target.createIndex({ x: 1 }, { name: 'x_1' });
        const dbStream = db.watch([], { showExpandedEvents: true });
        const targetStream = target.watch();
        const reply = await db.command({
          aggregate: source.collectionName, pipeline: [{ $match: { _id: { $gt: 1 } } }, { $out: target.collectionName }], cursor: {},
        });
        const cursor = reply.cursor as Document;
        assert.deepEqual(cursor, { firstBatch: [], id: cursor.id, ns: `features.${source.collectionName}` });
        assert.equal(Number(cursor.id), 0);
        assert.deepEqual(await sorted(target), [{ _id: 2, x: 22 }, { _id: 3, x: 33 }]);
        assert.deepEqual((await target.indexes()).map((i) => i.name), ['_id_', 'x_1']);
        const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => String(c.name));
        assert.ok(!names.some((n) => n.startsWith('tmp.agg_out.')), 'the temp collection is gone');

        const events = [];
        for (let i = 0; i < 5; i++) events.push(shape(await dbStream.next()));
        const temp = (events[0]!.ns as Document).coll as string;
        assert.match(temp, /^tmp\.agg_out\.[0-9a-f-]{36}$/);
        assert.deepEqual(events.map((e) => e.operationType), ['create', 'createIndexes', 'insert', 'insert', 'rename']);
        assert.deepEqual(events[2]!.fullDocument, { _id: 2, x: 22 });
        assert.deepEqual(events[4]!.to, { db: 'features', coll: target.collectionName });
        const renamed = shape(await targetStream.next());
        assert.equal(renamed.operationType, 'rename');
        assert.deepEqual(renamed.ns, { db: 'features', coll: temp });
        assert.equal((await targetStream.next()).operationType, 'invalidate');
        await dbStream.close();
      });

      it('writes an empty target for an empty result, and to {db, coll}', async () => {
        const source = fresh();
        await source.insertOne({ _id: 1 });
        await db.command({ aggregate: source.collectionName, pipeline: [{ $match: { _id: 2 } }, { $out: 'emptied' }], cursor: {} });
        assert.ok((await db.listCollections({ name: 'emptied' }).toArray()).length === 1);
        await db.command({ aggregate: source.collectionName, pipeline: [{ $out: { db: 'features_other', coll: 'copy' } }], cursor: {} });
        assert.deepEqual(await client.db('features_other').collection('copy').find({}).toArray(), [{ _id: 1 }]);
      });

      it('fails atomically on a duplicate _id, and refuses bad positions and targets', async () => {
        const source = fresh();
        const target = fresh();
        await source.insertMany([{ _id: 1, k: 'a' }, { _id: 2, k: 'a' }]);
        await target.insertOne({ _id: 'keep' });
        await rejectsWith(() => db.command({
          aggregate: source.collectionName, pipeline: [{ $project: { _id: '$k' } }, { $out: target.collectionName }], cursor: {},
        }), 11000);
        assert.deepEqual(await sorted(target), [{ _id: 'keep' }]);
        await rejectsWith(() => db.command({ aggregate: source.collectionName, pipeline: [{ $out: 'x' }, { $match: {} }], cursor: {} }), 40601, {
          message: '$out can only be the final stage in the pipeline',
        });
        await rejectsWith(() => db.command({ aggregate: source.collectionName, pipeline: [{ $out: 'system.x' }], cursor: {} }), 17385);
        await rejectsWith(() => db.command({ aggregate: source.collectionName, pipeline: [{ $out: 5 }], cursor: {} }), 16990);
        await rejectsWith(() => db.command({
          aggregate: source.collectionName, pipeline: [{ $out: 'y' }], cursor: {}, readConcern: { level: 'linearizable' },
        }), 72, { message: "$out cannot be used with a 'linearizable' read concern level" });
      });
    });

    describe('$merge', () => {
      it('defaults to merging matched documents and inserting new ones, with change events on the target', async () => {
        const source = fresh();
        const target = fresh();
        await source.insertMany([{ _id: 1, a: 'new' }, { _id: 2, a: 'two' }]);
        await target.insertOne({ _id: 1, a: 'old', b: 'kept' });
        const stream = target.watch();
        const reply = await db.command({ aggregate: source.collectionName, pipeline: [{ $merge: { into: target.collectionName } }], cursor: {} });
        assert.deepEqual(firstBatch(reply), []);
        assert.deepEqual(await sorted(target), [{ _id: 1, a: 'new', b: 'kept' }, { _id: 2, a: 'two' }]);
        const update = shape(await stream.next());
        assert.equal(update.operationType, 'update');
        assert.deepEqual(update.updateDescription, { updatedFields: { a: 'new' }, removedFields: [], truncatedArrays: [] });
        const insert = shape(await stream.next());
        assert.deepEqual(insert, { operationType: 'insert', fullDocument: { _id: 2, a: 'two' }, ns: { db: 'features', coll: target.collectionName }, documentKey: { _id: 2 } });
        await stream.close();
      });

      it('replace, keepExisting and discard behave as their names say', async () => {
        const source = fresh();
        await source.insertMany([{ _id: 1, a: 1 }, { _id: 2, a: 2 }]);
        const run = async (target: Collection, merge: Document) =>
          db.command({ aggregate: source.collectionName, pipeline: [{ $merge: { into: target.collectionName, ...merge } }], cursor: {} });
        const replaced = fresh();
        await replaced.insertOne({ _id: 1, b: 'gone' });
        await run(replaced, { whenMatched: 'replace', whenNotMatched: 'discard' });
        assert.deepEqual(await sorted(replaced), [{ _id: 1, a: 1 }]);
        const kept = fresh();
        await kept.insertOne({ _id: 1, b: 'stays' });
        await run(kept, { whenMatched: 'keepExisting' });
        assert.deepEqual(await sorted(kept), [{ _id: 1, b: 'stays' }, { _id: 2, a: 2 }]);
      });

      it('a whenMatched pipeline sees $$new and let; whenNotMatched insert inserts the source document', async () => {
        const source = fresh();
        const target = fresh();
        await source.insertMany([{ _id: 1, n: 5 }, { _id: 2, n: 7 }]);
        await target.insertOne({ _id: 1, total: 10 });
        await db.command({
          aggregate: source.collectionName,
          pipeline: [{ $merge: { into: target.collectionName, let: { add: '$n' }, whenMatched: [{ $set: { total: { $add: ['$total', '$$add', '$$new.n'] } } }] } }],
          cursor: {},
        });
        assert.deepEqual(await sorted(target), [{ _id: 1, total: 20 }, { _id: 2, n: 7 }]);
      });

      it('whenMatched fail is a DuplicateKey error and whenNotMatched fail is 13113; both leave the target as it was', async () => {
        const source = fresh();
        const target = fresh();
        await source.insertMany([{ _id: 1 }, { _id: 2 }]);
        await target.insertOne({ _id: 2, was: true });
        const dup = await rejectsWith(() => db.command({
          aggregate: source.collectionName, pipeline: [{ $merge: { into: target.collectionName, whenMatched: 'fail' } }], cursor: {},
        }), 11000);
        assert.deepEqual(dup.extra.keyPattern, { _id: 1 });
        assert.deepEqual(dup.extra.keyValue, { _id: 2 });
        await rejectsWith(() => db.command({
          aggregate: source.collectionName, pipeline: [{ $merge: { into: target.collectionName, whenNotMatched: 'fail' } }], cursor: {},
        }), 13113, { codeName: 'MergeStageNoMatchingDocument' });
        assert.deepEqual(await sorted(target), [{ _id: 2, was: true }]);
      });

      it('merges on other fields only with a unique index on them, and checks the spec', async () => {
        const source = fresh();
        const target = fresh();
        await source.insertMany([{ _id: 1, k: 'a', v: 1 }, { _id: 2, k: 'b', v: 2 }]);
        await target.insertOne({ _id: 'x', k: 'a', v: 0 });
        const pipeline = [{ $project: { _id: 0 } }, { $merge: { into: target.collectionName, on: 'k' } }];
        await rejectsWith(() => db.command({ aggregate: source.collectionName, pipeline, cursor: {} }), 51183);
        await target.createIndex({ k: 1 }, { unique: true, name: 'k_1' });
        await db.command({ aggregate: source.collectionName, pipeline, cursor: {} });
        const docs = await target.find({}).sort({ k: 1 }).toArray();
        assert.deepEqual(docs[0], { _id: 'x', k: 'a', v: 1 });
        assert.equal(docs[1]!.k, 'b');
        assert.ok(docs[1]!._id instanceof ObjectId);
        await rejectsWith(() => db.command({
          aggregate: source.collectionName, pipeline: [{ $merge: { into: 't', whenMatched: 'keepExisting', whenNotMatched: 'fail' } }], cursor: {},
        }), 51181);
        await rejectsWith(() => db.command({ aggregate: source.collectionName, pipeline: [{ $merge: 't' }, { $match: {} }], cursor: {} }), 40601);
        await rejectsWith(() => db.command({
          aggregate: source.collectionName, pipeline: [{ $project: { k: ['$k'] } }, { $merge: { into: target.collectionName, on: 'k' } }], cursor: {},
        }), 51185);
      });

      it('$documents feeds a database-level aggregate, also into $merge to another database', async () => {
        const docs = await db.aggregate([{ $documents: [{ a: 1 }, { a: 2 }, { a: 3 }] }, { $match: { a: { $gte: 2 } } }]).toArray();
        assert.deepEqual(docs, [{ a: 2 }, { a: 3 }]);
        await db.command({ aggregate: 1, pipeline: [{ $documents: [{ _id: 1, z: 1 }] }, { $merge: { into: { db: 'features_other', coll: 'merged' } } }], cursor: {} });
        assert.deepEqual(await client.db('features_other').collection('merged').find({}).toArray(), [{ _id: 1, z: 1 }]);
        await rejectsWith(() => db.command({ aggregate: name(), pipeline: [{ $documents: [] }], cursor: {} }), 73);
        await rejectsWith(() => db.command({ aggregate: 1, pipeline: [{ $match: {} }, { $documents: [] }], cursor: {} }), 40602);
      });

      it('$listLocalSessions lists the sessions in use', async () => {
        const session = client.startSession();
        const reply = await db.command({ aggregate: 1, pipeline: [{ $listLocalSessions: {} }], cursor: {} }, { session });
        const ids = firstBatch(reply).map((d) => (d._id as Document).id);
        assert.ok(ids.some((id) => JSON.stringify(id) === JSON.stringify(session.id.id)), 'the current session is listed');
        assert.ok(firstBatch(reply).every((d) => d.lastUse instanceof Date));
        await rejectsWith(() => db.command({ aggregate: 1, pipeline: [{ $match: {} }, { $listLocalSessions: {} }], cursor: {} }), 40602);
        await session.endSession();
      });
    });

    describe('validators', () => {
      it('refuse an invalid insert with 121 and errInfo; bypassDocumentValidation lets it through', async () => {
        const coll = await db.createCollection(name(), { validator: { x: { $type: 'string' } } });
        await coll.insertOne({ _id: 1, x: 'ok' });
        const err = await rejectsWith(() => coll.insertOne({ _id: 2, x: 1 }), 121, { codeName: 'DocumentValidationFailure', message: 'Document failed validation' });
        assert.deepEqual(err.errInfo, {
          failingDocumentId: 2,
          details: { operatorName: '$type', specifiedAs: { x: { $type: 'string' } }, reason: 'type did not match', consideredValue: 1, consideredType: 'int' },
        });
        const reply = await db.command({ insert: coll.collectionName, documents: [{ _id: 3, x: 3 }], bypassDocumentValidation: true });
        assert.equal(reply.n, 1);
        assert.equal(await coll.countDocuments(), 2);
      });

      it('check updates, replacements, upserts and findAndModify; an implicit $and reports the failing clauses', async () => {
        const coll = await db.createCollection(name(), { validator: { a: { $gte: 0 }, b: { $exists: true } } });
        await coll.insertOne({ _id: 1, a: 1, b: 1 });
        const err = await rejectsWith(() => coll.updateOne({ _id: 1 }, { $set: { a: -1 }, $unset: { b: 1 } }), 121);
        assert.deepEqual(err.errInfo, {
          failingDocumentId: 1,
          details: {
            operatorName: '$and',
            clausesNotSatisfied: [
              { index: 0, details: { operatorName: '$gte', specifiedAs: { a: { $gte: 0 } }, reason: 'comparison failed', consideredValue: -1 } },
              { index: 1, details: { operatorName: '$exists', specifiedAs: { b: { $exists: true } }, reason: 'path does not exist' } },
            ],
          },
        });
        await rejectsWith(() => coll.replaceOne({ _id: 1 }, { a: 5 }), 121);
        await rejectsWith(() => coll.updateOne({ _id: 9 }, { $set: { a: 1 } }, { upsert: true }), 121);
        const fam = await rejectsWith(() => coll.findOneAndUpdate({ _id: 1 }, { $set: { a: -5 } }), 121);
        assert.equal((fam.errInfo as Document).failingDocumentId, 1);
        await coll.updateOne({ _id: 1 }, { $set: { a: 2 } });
        assert.deepEqual(await sorted(coll), [{ _id: 1, a: 2, b: 1 }]);
      });

      it('follow validationLevel and validationAction, changed with collMod', async () => {
        const coll = await db.createCollection(name());
        await coll.insertMany([{ _id: 1, n: -1 }, { _id: 2, n: 1 }]);
        await db.command({ collMod: coll.collectionName, validator: { n: { $gt: 0 } }, validationLevel: 'moderate' });
        // moderate: the invalid document may be updated, the valid one must stay valid.
        await coll.updateOne({ _id: 1 }, { $set: { n: -2 } });
        await rejectsWith(() => coll.updateOne({ _id: 2 }, { $set: { n: -2 } }), 121);
        await db.command({ collMod: coll.collectionName, validationAction: 'warn' });
        await coll.updateOne({ _id: 2 }, { $set: { n: -3 } });
        await db.command({ collMod: coll.collectionName, validationAction: 'error', validationLevel: 'off' });
        await coll.insertOne({ _id: 3, n: -4 });
        await db.command({ collMod: coll.collectionName, validationLevel: 'strict' });
        await rejectsWith(() => coll.updateOne({ _id: 1 }, { $set: { n: -5 } }), 121);
        await rejectsWith(() => db.command({ collMod: coll.collectionName, validationLevel: 'sometimes' }), 2);
        const info = (await db.listCollections({ name: coll.collectionName }).toArray())[0]!;
        assert.deepEqual(info.options, { validator: { n: { $gt: 0 } }, validationLevel: 'strict', validationAction: 'error' });
      });

      it('refuse bad validators clearly; $expr validators work', async () => {
        await rejectsWith(() => db.createCollection(name(), { validator: { $jsonSchema: { bsonType: 'object', format: 'x' } } }), 9, { codeName: 'FailedToParse' });
        await rejectsWith(() => db.createCollection(name(), { validator: { a: { $bogus: 1 } } }), 2);
        const coll = await db.createCollection(name(), { validator: { $expr: { $lt: ['$lo', '$hi'] } } });
        await coll.insertOne({ lo: 1, hi: 2 });
        const err = await rejectsWith(() => coll.insertOne({ _id: 'bad', lo: 3, hi: 2 }), 121);
        assert.equal((err.errInfo as Document).failingDocumentId, 'bad');
        assert.equal(((err.errInfo as Document).details as Document).operatorName, '$expr');
      });

      it('apply to $out and $merge targets unless the aggregate bypasses them', async () => {
        const source = fresh();
        await source.insertMany([{ _id: 1, v: 1 }, { _id: 2, v: -1 }]);
        const target = await db.createCollection(name(), { validator: { v: { $gt: 0 } } });
        const out = { aggregate: source.collectionName, pipeline: [{ $out: target.collectionName }], cursor: {} };
        await rejectsWith(() => db.command(out), 121);
        assert.equal(await target.countDocuments(), 0);
        await db.command({ ...out, bypassDocumentValidation: true });
        assert.equal(await target.countDocuments(), 2);
        const info = (await db.listCollections({ name: target.collectionName }).toArray())[0]!;
        assert.deepEqual((info.options as Document).validator, { v: { $gt: 0 } }, '$out keeps the validator');
        const merged = await db.createCollection(name(), { validator: { v: { $gt: 0 } } });
        await rejectsWith(() => db.command({ aggregate: source.collectionName, pipeline: [{ $merge: merged.collectionName }], cursor: {} }), 121);
      });
    });
  });
}
