// Databases, collections and indexes through the embedded API: the Node driver's (v7) methods and result shapes,
// mongod 8's error codes and messages. Every test runs on every storage mode.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Binary, Client, type Collection, type Db, type Document } from '../../../src/index.js';
import { modes, openClient, removeDir, tempDir } from '../../helpers/embedded.js';
import { rejectsWith } from '../../helpers/assertions.js';

const byName = (a: Document, b: Document) => (String(a.name) < String(b.name) ? -1 : String(a.name) > String(b.name) ? 1 : 0);

async function collectionInfo(db: Db, name: string): Promise<Document | undefined> {
  return (await db.listCollections({ name }).toArray())[0];
}

async function collectionNames(db: Db): Promise<string[]> {
  return (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => String(c.name)).sort();
}

async function databaseNames(client: Client): Promise<string[]> {
  const reply = await client.db('admin').admin().listDatabases();
  return (reply.databases as Document[]).map((d) => String(d.name));
}

for (const mode of modes()) {
  describe(`embedded DDL (${mode})`, () => {
    let client: Client;
    let cleanup: () => Promise<void>;
    let counter = 0;
    /** A fresh database for each test, so listings see only what the test made. */
    const freshDb = (): Db => client.db(`ddl${++counter}`);

    before(async () => {
      ({ client, cleanup } = await openClient(mode));
    });
    after(async () => {
      await cleanup();
    });

    describe('collections', () => {
      it('a first write creates the database and the collection implicitly', async () => {
        const db = freshDb();
        assert.deepEqual(await collectionNames(db), []);
        assert.ok(!(await databaseNames(client)).includes(db.databaseName));
        await db.collection('auto').insertOne({ a: 1 });
        assert.deepEqual(await collectionNames(db), ['auto']);
        assert.ok((await databaseNames(client)).includes(db.databaseName));
        // createIndex creates its collection too.
        await db.collection('indexed').createIndex({ a: 1 });
        assert.deepEqual(await collectionNames(db), ['auto', 'indexed']);
        // Reads do not.
        await db.collection('readonly').find({}).toArray();
        await db.collection('readonly').countDocuments();
        assert.deepEqual(await collectionNames(db), ['auto', 'indexed']);
      });

      it('listCollections gives name, type, options, info.uuid and idIndex; nameOnly gives name and type', async () => {
        const db = freshDb();
        const created = await db.createCollection('plain');
        assert.equal(created.collectionName, 'plain');
        await db.createCollection('images', { changeStreamPreAndPostImages: { enabled: true } });
        const infos = (await db.listCollections().toArray()).sort(byName);
        assert.equal(infos.length, 2);
        for (const info of infos) {
          assert.deepEqual(Object.keys(info).sort(), ['idIndex', 'info', 'name', 'options', 'type']);
          assert.equal(info.type, 'collection');
          assert.equal((info.info as Document).readOnly, false);
          const uuid = (info.info as Document).uuid;
          assert.ok(uuid instanceof Binary, 'info.uuid is a BSON UUID');
          assert.equal(uuid.sub_type, 4);
          assert.equal(uuid.length(), 16);
          assert.deepEqual(info.idIndex, { v: 2, key: { _id: 1 }, name: '_id_' });
        }
        assert.deepEqual(infos[0]!.options, { changeStreamPreAndPostImages: { enabled: true } });
        assert.deepEqual(infos[1]!.options, {});
        assert.notEqual(((infos[0]!.info as Document).uuid as Binary).toString('hex'), ((infos[1]!.info as Document).uuid as Binary).toString('hex'));

        const names = (await db.listCollections({}, { nameOnly: true }).toArray()).sort(byName);
        assert.deepEqual(names, [{ name: 'images', type: 'collection' }, { name: 'plain', type: 'collection' }]);
        assert.deepEqual((await db.listCollections({ name: 'plain' }).toArray()).map((c) => c.name), ['plain']);
        assert.deepEqual((await db.listCollections({ 'options.changeStreamPreAndPostImages.enabled': true }).toArray()).map((c) => c.name), ['images']);
        assert.deepEqual(await db.listCollections({ name: 'nope' }).toArray(), []);
        assert.deepEqual((await db.collections()).map((c) => c.collectionName).sort(), ['images', 'plain']);
      });

      it('createCollection of an existing collection succeeds with the same options, and is 48 NamespaceExists with others', async () => {
        const db = freshDb();
        await db.createCollection('c');
        const uuid = ((await collectionInfo(db, 'c'))!.info as Document).uuid as Binary;
        await db.collection('c').insertOne({ _id: 1 });
        // MongoDB 7.0+: identical options are a no-op success, the collection and its data untouched.
        await db.createCollection('c');
        assert.equal(((await collectionInfo(db, 'c'))!.info as Document).uuid!.toString(), uuid.toString());
        assert.equal(await db.collection('c').countDocuments(), 1);
        await rejectsWith(() => db.createCollection('c', { changeStreamPreAndPostImages: { enabled: true } }), 48, {
          codeName: 'NamespaceExists',
          message: new RegExp(`^namespace ${db.databaseName}\\.c already exists, but with different options`),
        });
        await db.collection('implicit').insertOne({});
        await db.createCollection('implicit');
        await rejectsWith(() => db.createCollection('implicit', { validator: { a: { $exists: true } } }), 48, { codeName: 'NamespaceExists' });
      });

      it('collMod changes changeStreamPreAndPostImages', async () => {
        const db = freshDb();
        await db.createCollection('c');
        await db.command({ collMod: 'c', changeStreamPreAndPostImages: { enabled: true } });
        assert.deepEqual((await collectionInfo(db, 'c'))!.options, { changeStreamPreAndPostImages: { enabled: true } });
        await rejectsWith(() => db.command({ collMod: 'missing', changeStreamPreAndPostImages: { enabled: true } }), 26, { codeName: 'NamespaceNotFound' });
      });

      it('changeStreamPreAndPostImages is parsed with the IDL errors: unknown 40415, missing 40414, wrong type 14', async () => {
        const db = freshDb();
        await rejectsWith(() => db.createCollection('c', { changeStreamPreAndPostImages: { enabled: true, bogus: 1 } }), 40415, {
          codeName: 'IDLUnknownField', message: "BSON field 'changeStreamPreAndPostImages.bogus' is an unknown field.",
        });
        await rejectsWith(() => db.createCollection('c', { changeStreamPreAndPostImages: {} }), 40414, {
          codeName: 'IDLFailedToParse', message: "BSON field 'changeStreamPreAndPostImages.enabled' is missing but a required field",
        });
        await rejectsWith(() => db.createCollection('c', { changeStreamPreAndPostImages: { enabled: 1 } }), 14, {
          codeName: 'TypeMismatch', message: "BSON field 'changeStreamPreAndPostImages.enabled' is the wrong type 'int', expected type 'bool'",
        });
      });

      it('drop removes the collection and its documents; dropping a missing one succeeds', async () => {
        const db = freshDb();
        const coll = db.collection('c');
        await coll.insertMany([{}, {}]);
        await coll.createIndex({ a: 1 });
        assert.equal(await coll.drop(), true);
        assert.deepEqual(await collectionNames(db), []);
        assert.equal(await coll.countDocuments(), 0);
        assert.equal(await db.collection('never').drop(), true);
        assert.equal(await db.dropCollection('never'), true);
        // A new collection of the same name starts empty, with only the _id index.
        await coll.insertOne({ b: 1 });
        assert.deepEqual((await coll.indexes()).map((i) => i.name), ['_id_']);
        assert.equal(await coll.countDocuments(), 1);
      });

      it('rename moves documents and indexes, keeps the uuid; dropTarget replaces an existing target', async () => {
        const db = freshDb();
        const source = db.collection('src');
        await source.insertMany([{ _id: 1, k: 'a' }, { _id: 2, k: 'b' }]);
        await source.createIndex({ k: 1 }, { unique: true });
        const uuid = ((await collectionInfo(db, 'src'))!.info as Document).uuid as Binary;
        const renamed = await source.rename('dst');
        assert.equal(renamed.collectionName, 'dst');
        assert.deepEqual(await collectionNames(db), ['dst']);
        assert.deepEqual((await renamed.find({}).toArray()).map((d) => d._id), [1, 2]);
        assert.deepEqual((await renamed.indexes()).map((i) => i.name).sort(), ['_id_', 'k_1']);
        assert.equal((((await collectionInfo(db, 'dst'))!.info as Document).uuid as Binary).toString('hex'), uuid.toString('hex'));
        await renamed.insertOne({ _id: 3, k: 'x' });
        await rejectsWith(() => renamed.insertOne({ _id: 4, k: 'x' }), 11000, { message: /index: k_1 dup key: \{ k: "x" \}$/ });

        const other = db.collection('other');
        await other.insertOne({ _id: 'o' });
        await rejectsWith(() => other.rename('dst'), 48, { codeName: 'NamespaceExists', message: 'target namespace exists' });
        assert.equal(await renamed.countDocuments(), 3, 'the failed rename changed nothing');
        const replaced = await other.rename('dst', { dropTarget: true });
        assert.deepEqual(await replaced.find({}).toArray(), [{ _id: 'o' }]);
        assert.deepEqual(await collectionNames(db), ['dst']);
        assert.deepEqual((await replaced.indexes()).map((i) => i.name), ['_id_'], 'the dropped target\'s indexes are gone');
        await rejectsWith(() => db.collection('ghost').rename('anything'), 26, {
          codeName: 'NamespaceNotFound',
          message: `Source collection ${db.databaseName}.ghost does not exist`,
        });
        await rejectsWith(() => db.renameCollection('dst', 'dst'), 20, { codeName: 'IllegalOperation' });
      });

      it('dropDatabase drops every collection; the database leaves listDatabases', async () => {
        const db = freshDb();
        await db.collection('a').insertOne({});
        await db.collection('b').insertOne({});
        assert.ok((await databaseNames(client)).includes(db.databaseName));
        assert.equal(await db.dropDatabase(), true);
        assert.deepEqual(await collectionNames(db), []);
        assert.equal(await db.collection('a').countDocuments(), 0);
        assert.ok(!(await databaseNames(client)).includes(db.databaseName));
        assert.equal(await freshDb().dropDatabase(), true, 'dropping a database that does not exist succeeds');
      });

      it('listDatabases reports name, sizeOnDisk and empty, totalSize and totalSizeMb; nameOnly and filter', async () => {
        const db = freshDb();
        await db.collection('c').insertMany(Array.from({ length: 20 }, (_, i) => ({ i, pad: 'x'.repeat(100) })));
        const reply = await client.db().admin().listDatabases();
        assert.equal(reply.ok, 1);
        const entry = (reply.databases as Document[]).find((d) => d.name === db.databaseName)!;
        assert.ok(entry);
        assert.deepEqual(Object.keys(entry).sort(), ['empty', 'name', 'sizeOnDisk']);
        assert.equal(typeof entry.sizeOnDisk, 'number');
        assert.ok((entry.sizeOnDisk as number) > 0);
        assert.equal(entry.empty, false);
        assert.equal(typeof reply.totalSize, 'number');
        assert.ok((reply.totalSize as number) >= (entry.sizeOnDisk as number));
        assert.equal(typeof reply.totalSizeMb, 'number');
        const nameOnly = await client.db().admin().listDatabases({ nameOnly: true });
        assert.ok((nameOnly.databases as Document[]).some((d) => d.name === db.databaseName));
        for (const d of nameOnly.databases as Document[]) assert.deepEqual(Object.keys(d), ['name']);
        const filtered = await client.db().admin().listDatabases({ filter: { name: db.databaseName } });
        assert.deepEqual((filtered.databases as Document[]).map((d) => d.name), [db.databaseName]);
      });

      it('invalid database and collection names are 73 InvalidNamespace and create nothing', async () => {
        const before = await databaseNames(client);
        await rejectsWith(() => client.db('a.b').collection('c').insertOne({ x: 1 }), 73, { codeName: 'InvalidNamespace' });
        await rejectsWith(() => client.db('a b').collection('c').insertOne({ x: 1 }), 73, { codeName: 'InvalidNamespace' });
        await rejectsWith(() => client.db('a$b').createCollection('c'), 73, { codeName: 'InvalidNamespace' });
        await rejectsWith(() => client.db('x'.repeat(64)).collection('c').insertOne({}), 73, { codeName: 'InvalidNamespace' });
        const db = freshDb();
        await rejectsWith(() => db.collection('$bad').insertOne({ x: 1 }), 73, { codeName: 'InvalidNamespace' });
        await rejectsWith(() => db.collection('').insertOne({ x: 1 }), 73, { codeName: 'InvalidNamespace' });
        await rejectsWith(() => db.createCollection('$bad'), 73, { codeName: 'InvalidNamespace' });
        await rejectsWith(() => db.createCollection('.starts-with-dot'), 73, { codeName: 'InvalidNamespace' });
        await rejectsWith(() => db.collection('$bad').find({}).toArray(), 73, { codeName: 'InvalidNamespace' });
        await rejectsWith(() => db.collection('$bad').updateOne({}, { $set: { a: 1 } }, { upsert: true }), 73, { codeName: 'InvalidNamespace' });
        await rejectsWith(() => db.collection('$bad').createIndex({ a: 1 }), 73, { codeName: 'InvalidNamespace' });
        await db.collection('ok').insertOne({});
        await rejectsWith(() => db.collection('ok').rename('$bad'), 73, { codeName: 'InvalidNamespace' });
        assert.deepEqual(await collectionNames(db), ['ok']);
        const after = await databaseNames(client);
        assert.deepEqual(after.filter((n) => !before.includes(n)), [db.databaseName]);
      });
    });

    describe('indexes', () => {
      let db: Db;
      before(() => {
        db = freshDb();
      });

      it('createIndex returns the generated or given name; listIndexes reports {v: 2, key, name, unique?}', async () => {
        const coll = db.collection('names');
        assert.equal(await coll.createIndex({ a: 1 }), 'a_1');
        assert.equal(await coll.createIndex({ a: 1, b: -1 }), 'a_1_b_-1');
        assert.equal(await coll.createIndex({ email: 1 }, { unique: true }), 'email_1');
        assert.equal(await coll.createIndex({ 'x.y': 1 }, { name: 'custom' }), 'custom');
        assert.equal(await coll.createIndex('s'), 's_1');
        const indexes = (await coll.listIndexes().toArray()).sort(byName);
        assert.deepEqual(indexes, [
          { v: 2, key: { _id: 1 }, name: '_id_' },
          { v: 2, key: { a: 1 }, name: 'a_1' },
          { v: 2, key: { a: 1, b: -1 }, name: 'a_1_b_-1' },
          { v: 2, key: { 'x.y': 1 }, name: 'custom' },
          { v: 2, key: { email: 1 }, name: 'email_1', unique: true },
          { v: 2, key: { s: 1 }, name: 's_1' },
        ]);
        // The compound key keeps its field order.
        assert.deepEqual(Object.keys(indexes.find((i) => i.name === 'a_1_b_-1')!.key as Document), ['a', 'b']);
        // Creating an identical index again is a no-op that returns its name.
        assert.equal(await coll.createIndex({ a: 1 }), 'a_1');
        assert.equal((await coll.indexes()).length, 6);
      });

      it('an index that conflicts with an existing one by name or options is refused', async () => {
        const coll = db.collection('conflicts');
        await coll.createIndex({ a: 1 });
        // The same index under another name.
        await rejectsWith(() => coll.createIndex({ a: 1 }, { name: 'other' }), 85, {
          codeName: 'IndexOptionsConflict',
          message: 'Index already exists with a different name: a_1',
        });
        // The same name for another key, or for the same key with another unique flag.
        await rejectsWith(() => coll.createIndex({ b: 1 }, { name: 'a_1' }), 86, {
          codeName: 'IndexKeySpecsConflict',
          message: /^An existing index has the same name as the requested index/,
        });
        await rejectsWith(() => coll.createIndex({ a: 1 }, { unique: true }), 86, { codeName: 'IndexKeySpecsConflict' });
        // The same name and key with only a non-identifying option changed.
        await coll.createIndex({ t: 1 }, { expireAfterSeconds: 10 });
        await rejectsWith(() => coll.createIndex({ t: 1 }, { expireAfterSeconds: 20 }), 85, {
          codeName: 'IndexOptionsConflict',
          message: /^An equivalent index already exists with the same name but different options/,
        });
        // unique is part of an index's signature: a unique and a plain index on one key coexist under two names.
        assert.equal(await coll.createIndex({ a: 1 }, { unique: true, name: 'a_unique' }), 'a_unique');
        assert.deepEqual((await coll.indexes()).map((i) => i.name).sort(), ['_id_', 'a_1', 'a_unique', 't_1']);
      });

      it('a unique index refuses a duplicate insert with 11000 naming the index, keyPattern and keyValue', async () => {
        const coll = db.collection('unique_insert');
        await coll.createIndex({ email: 1 }, { unique: true });
        await coll.insertOne({ _id: 1, email: 'a@x.com' });
        const err = await rejectsWith(() => coll.insertOne({ _id: 2, email: 'a@x.com' }), 11000, {
          codeName: 'DuplicateKey',
          message: `E11000 duplicate key error collection: ${db.databaseName}.unique_insert index: email_1 dup key: { email: "a@x.com" }`,
        });
        assert.deepEqual(err.keyPattern, { email: 1 });
        assert.deepEqual(err.keyValue, { email: 'a@x.com' });
        assert.deepEqual(await coll.find({}).toArray(), [{ _id: 1, email: 'a@x.com' }]);
        // A document without the field indexes as null; a second one collides.
        await coll.insertOne({ _id: 3 });
        await rejectsWith(() => coll.insertOne({ _id: 4 }), 11000, { message: /index: email_1 dup key: \{ email: null \}$/ });
        // Deleting the holder frees the key.
        await coll.deleteOne({ _id: 1 });
        await coll.insertOne({ _id: 5, email: 'a@x.com' });
        assert.equal(await coll.countDocuments(), 2);
      });

      it('a unique index refuses an update or upsert that would duplicate a key, leaving the document unchanged', async () => {
        const coll = db.collection('unique_update');
        await coll.createIndex({ email: 1 }, { unique: true });
        await coll.insertMany([{ _id: 1, email: 'a' }, { _id: 2, email: 'b' }]);
        await rejectsWith(() => coll.updateOne({ _id: 2 }, { $set: { email: 'a' } }), 11000, {
          message: `E11000 duplicate key error collection: ${db.databaseName}.unique_update index: email_1 dup key: { email: "a" }`,
        });
        await rejectsWith(() => coll.replaceOne({ _id: 2 }, { email: 'a' }), 11000);
        await rejectsWith(() => coll.updateOne({ _id: 3 }, { $set: { email: 'b' } }, { upsert: true }), 11000);
        const famError = await rejectsWith(() => coll.findOneAndUpdate({ _id: 2 }, { $set: { email: 'a' } }), 11000, {
          message: `E11000 duplicate key error collection: ${db.databaseName}.unique_update index: email_1 dup key: { email: "a" }`,
        });
        assert.deepEqual(famError.keyPattern, { email: 1 });
        assert.deepEqual(famError.keyValue, { email: 'a' });
        assert.deepEqual(await coll.find({}, { sort: { _id: 1 } }).toArray(), [{ _id: 1, email: 'a' }, { _id: 2, email: 'b' }]);
        // Moving a key away frees it.
        await coll.updateOne({ _id: 1 }, { $set: { email: 'c' } });
        await coll.updateOne({ _id: 2 }, { $set: { email: 'a' } });
        // updateMany stops at the first duplicate; the documents updated before it stay updated.
        await rejectsWith(() => coll.updateMany({}, { $set: { email: 'same' } }), 11000);
        assert.equal(await coll.countDocuments({ email: 'same' }), 1);
      });

      it('compound and multikey unique indexes compare whole keys and each array element', async () => {
        const coll = db.collection('unique_compound');
        assert.equal(await coll.createIndex({ a: 1, b: 1 }, { unique: true }), 'a_1_b_1');
        await coll.insertOne({ a: 1, b: 1 });
        await coll.insertOne({ a: 1, b: 2 });
        await rejectsWith(() => coll.insertOne({ a: 1, b: 1 }), 11000, { message: /index: a_1_b_1 dup key: \{ a: 1, b: 1 \}$/ });

        const tags = db.collection('unique_multikey');
        await tags.createIndex({ tags: 1 }, { unique: true });
        await tags.insertOne({ _id: 1, tags: ['a', 'b', 'b'] });
        await rejectsWith(() => tags.insertOne({ _id: 2, tags: ['c', 'b'] }), 11000, { message: /index: tags_1 dup key: \{ tags: "b" \}$/ });
        await tags.insertOne({ _id: 3, tags: ['c'] });
        assert.equal(await tags.countDocuments(), 2);
      });

      it('a unique index over existing duplicates fails with 11000 and is not created', async () => {
        const coll = db.collection('unique_build');
        await coll.insertMany([{ a: 1 }, { a: 2 }, { a: 1 }]);
        await rejectsWith(() => coll.createIndex({ a: 1 }, { unique: true }), 11000, {
          codeName: 'DuplicateKey',
          message: new RegExp(`E11000 duplicate key error collection: ${db.databaseName}\\.unique_build index: a_1 dup key: \\{ a: 1 \\}`),
        });
        assert.deepEqual((await coll.indexes()).map((i) => i.name), ['_id_']);
        await coll.insertOne({ a: 2 });
        assert.equal(await coll.countDocuments({ a: 2 }), 2, 'no half-built index enforces uniqueness');
      });

      it('dropIndex by name or key; a missing index is 27 IndexNotFound; _id_ cannot be dropped', async () => {
        const coll = db.collection('drops');
        await coll.createIndex({ a: 1 });
        await coll.createIndex({ b: 1, c: -1 });
        await coll.createIndex({ u: 1 }, { unique: true });
        await coll.insertOne({ u: 1 });
        const reply = await coll.dropIndex('a_1');
        assert.equal(reply.ok, 1);
        assert.equal(reply.nIndexesWas, 4);
        await coll.dropIndex({ b: 1, c: -1 });
        assert.deepEqual((await coll.indexes()).map((i) => i.name).sort(), ['_id_', 'u_1']);
        await rejectsWith(() => coll.dropIndex('nope'), 27, { codeName: 'IndexNotFound', message: 'index not found with name [nope]' });
        await rejectsWith(() => coll.dropIndex({ zz: 1 }), 27, { codeName: 'IndexNotFound' });
        await rejectsWith(() => coll.dropIndex('_id_'), 72, { codeName: 'InvalidOptions' });
        // Without the unique index, duplicates are allowed again.
        await coll.dropIndex('u_1');
        await coll.insertOne({ u: 1 });
        await coll.createIndex({ d: 1 });
        assert.equal(await coll.dropIndexes(), true);
        assert.deepEqual((await coll.indexes()).map((i) => i.name), ['_id_']);
        await rejectsWith(() => db.collection('no_such').dropIndex('a_1'), 26, { codeName: 'NamespaceNotFound' });
      });

      it('listIndexes of a collection that does not exist is 26 NamespaceNotFound', async () => {
        await rejectsWith(() => db.collection('no_such_coll').indexes(), 26, {
          codeName: 'NamespaceNotFound',
          message: `ns does not exist: ${db.databaseName}.no_such_coll`,
        });
      });
    });
  });
}

describe('embedded DDL (sqlite-file restart)', () => {
  it('collections, options and unique indexes survive closing and reopening the folder', async () => {
    const dir = tempDir();
    try {
      let client = await Client.open(dir);
      const db = client.db('persist');
      await db.createCollection('c', { changeStreamPreAndPostImages: { enabled: true } });
      const coll: Collection = db.collection('c');
      await coll.createIndex({ email: 1 }, { unique: true });
      await coll.insertOne({ _id: 1, email: 'a' });
      await client.close();

      client = await Client.open(dir);
      const reopened = client.db('persist');
      const info = (await reopened.listCollections({ name: 'c' }).toArray())[0]!;
      assert.deepEqual(info.options, { changeStreamPreAndPostImages: { enabled: true } });
      assert.deepEqual((await reopened.collection('c').indexes()).map((i) => i.name).sort(), ['_id_', 'email_1']);
      await rejectsWith(() => reopened.collection('c').insertOne({ _id: 2, email: 'a' }), 11000, { message: /index: email_1 dup key: \{ email: "a" \}$/ });
      assert.deepEqual(await reopened.collection('c').find({}).toArray(), [{ _id: 1, email: 'a' }]);
      await client.close();
    } finally {
      removeDir(dir);
    }
  });
});
