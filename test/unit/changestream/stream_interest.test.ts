import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BSONRegExp } from 'bson';
import { streamInterest } from '../../../src/changestream/stream_interest.js';
import type { ChangeStreamSpec } from '../../../src/changestream/options.js';
import type { StreamScope } from '../../../src/changestream/scope.js';
import { idEqualityKey } from '../../../src/oplog/interest.js';
import type { OplogEntry, OplogOp } from '../../../src/oplog/entry.js';
import type { Document } from '../../../src/bson/types.js';

const spec: ChangeStreamSpec = { fullDocument: 'default', fullDocumentBeforeChange: 'off', showExpandedEvents: false, allChangesForCluster: false };
const coll: StreamScope = { type: 'collection', db: 'app', coll: 'c' };
const match = (m: Document) => [{ $match: m }];

function entry(op: OplogOp, collName: string, id?: unknown, db = 'app'): OplogEntry {
  return { ts: 1n, op, wall: new Date(), db, coll: collName, ...(id === undefined ? {} : { documentKey: { _id: id } }) };
}

describe('streamInterest: what the leading $match stages pin down', () => {
  test('documentKey._id equality, $eq, $in and whole documentKey', () => {
    assert.deepEqual(streamInterest(coll, spec, match({ 'documentKey._id': 5 }), null).ids, [idEqualityKey(5)]);
    assert.deepEqual(streamInterest(coll, spec, match({ 'documentKey._id': { $eq: 'a' } }), null).ids, [idEqualityKey('a')]);
    assert.deepEqual(streamInterest(coll, spec, match({ 'documentKey._id': { $in: [1, 'b'] } }), null).ids, [idEqualityKey(1), idEqualityKey('b')]);
    assert.deepEqual(streamInterest(coll, spec, match({ documentKey: { _id: 7 } }), null).ids, [idEqualityKey(7)]);
    assert.deepEqual(streamInterest(coll, spec, match({ $and: [{ x: 1 }, { 'documentKey._id': 9 }] }), null).ids, [idEqualityKey(9)]);
    assert.deepEqual(streamInterest(coll, spec, [{ $match: { a: 1 } }, { $match: { 'documentKey._id': 3 } }], null).ids, [idEqualityKey(3)]);
  });

  test('conditions that are not plain equality pin nothing', () => {
    for (const m of [
      { 'documentKey._id': { $gt: 5 } },
      { 'documentKey._id': null },
      { 'documentKey._id': { $in: [1, null] } },
      { 'documentKey._id': /a/ },
      { 'documentKey._id': new BSONRegExp('a') },
      { 'documentKey._id': { $in: [/a/] } },
      { 'documentKey._id': [1, 2] },
      { 'documentKey._id': { $eq: 1, $ne: 2 } },
      { $or: [{ 'documentKey._id': 1 }, { 'documentKey._id': 2 }] },
      { documentKey: { _id: 1, shard: 2 } },
    ]) {
      assert.equal(streamInterest(coll, spec, match(m), null).ids, undefined, JSON.stringify(m));
    }
    // A $match after another stage sees reshaped events.
    assert.equal(streamInterest(coll, spec, [{ $project: { x: 1 } }, { $match: { 'documentKey._id': 1 } }], null).ids, undefined);
  });

  test('under a collation, strings pin nothing (\"a\" may equal \"A\") but numbers still do', () => {
    const ci = { locale: 'en', strength: 2 };
    assert.equal(streamInterest(coll, spec, match({ 'documentKey._id': 'a' }), ci as never).ids, undefined);
    assert.deepEqual(streamInterest(coll, spec, match({ 'documentKey._id': 1 }), ci as never).ids, [idEqualityKey(1)]);
    const ops = streamInterest(coll, spec, match({ operationType: 'insert' }), ci as never);
    assert.equal(ops.accepts(entry('update', 'c', 1)), true);
  });

  test('operationType narrows CRUD entries only: DDL (which may invalidate) is always accepted', () => {
    const i = streamInterest(coll, spec, match({ operationType: { $in: ['insert', 'delete'] } }), null);
    assert.equal(i.accepts(entry('insert', 'c', 1)), true);
    assert.equal(i.accepts(entry('update', 'c', 1)), false);
    assert.equal(i.accepts(entry('drop', 'c')), true);
    assert.equal(i.accepts(entry('insert', 'other', 1)), false, 'out of scope');
  });

  test('ns.db and ns.coll narrow database and cluster streams', () => {
    const db = streamInterest({ type: 'database', db: 'app' }, spec, match({ 'ns.coll': 'c' }), null);
    assert.equal(db.db, 'app');
    assert.equal(db.coll, 'c');
    const cluster = streamInterest({ type: 'cluster' }, { ...spec, allChangesForCluster: true }, match({ 'ns.db': 'app', 'ns.coll': 'c' }), null);
    assert.equal(cluster.db, 'app');
    assert.equal(cluster.coll, 'c');
    assert.equal(cluster.accepts(entry('insert', 'c', 1, 'other')), false);
    assert.equal(cluster.accepts(entry('insert', 'c', 1)), true);
    const any = streamInterest({ type: 'cluster' }, { ...spec, allChangesForCluster: true }, match({ 'ns.coll': 'c' }), null);
    assert.equal(any.db, undefined);
    assert.equal(any.accepts(entry('insert', 'd', 1, 'other')), false);
    assert.equal(any.accepts(entry('insert', 'c', 1, 'other')), true);
  });
});
