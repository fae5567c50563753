import { describe, test } from 'node:test';
import { Decimal128, Double, Int32, Long, Timestamp } from 'bson';
import { runCase, type UpdateCase } from './helpers.js';

const now = new Date('2024-05-01T12:00:00Z');
const clusterTime = new Timestamp({ t: 1714564800, i: 3 });

const cases: UpdateCase[] = [
  // $set: field order, nesting, no-ops
  { name: '$set appends new fields in path order', doc: { _id: 1, z: 1 }, update: { $set: { b: 1, a: 1 } }, expected: { _id: 1, z: 1, a: 1, b: 1 } },
  { name: '$set keeps an existing field in place', doc: { _id: 1, a: 1, b: 2 }, update: { $set: { a: 5 } }, expected: { _id: 1, a: 5, b: 2 } },
  { name: '$set creates nested documents', doc: { _id: 1 }, update: { $set: { 'a.b.c': 1 } }, expected: { _id: 1, a: { b: { c: 1 } } } },
  { name: '$set siblings under a new document', doc: { _id: 1 }, update: { $set: { 'a.c': 1, 'a.b': 2 } }, expected: { _id: 1, a: { b: 2, c: 1 } } },
  { name: '$set into an existing sub-document', doc: { _id: 1, a: { x: 1 } }, update: { $set: { 'a.y': 2 } }, expected: { _id: 1, a: { x: 1, y: 2 } } },
  { name: '$set array element', doc: { _id: 1, a: [1, 2, 3] }, update: { $set: { 'a.1': 5 } }, expected: { _id: 1, a: [1, 5, 3] } },
  {
    name: '$set pads arrays with null; numeric paths applied in numeric order',
    doc: { _id: 1, a: [] },
    update: { $set: { 'a.10': 1, 'a.2': 2 } },
    expected: { _id: 1, a: [null, null, 2, null, null, null, null, null, null, null, 1] },
  },
  { name: '$set inside an array element document', doc: { _id: 1, a: [{ b: 1 }] }, update: { $set: { 'a.0.c': 2 } }, expected: { _id: 1, a: [{ b: 1, c: 2 }] } },
  { name: '$set identical value is a no-op', doc: { _id: 1, a: 1 }, update: { $set: { a: 1 } }, expected: { _id: 1, a: 1 }, modified: false },
  { name: '$set 1.0 over int 1 is a change', doc: { _id: 1, a: 1 }, update: { $set: { a: new Double(1) } }, expected: { _id: 1, a: new Double(1) } },
  { name: '$set same document, other field order is a change', doc: { _id: 1, a: { x: 1, y: 2 } }, update: { $set: { a: { y: 2, x: 1 } } }, expected: { _id: 1, a: { y: 2, x: 1 } } },
  { name: 'empty $set is a no-op', doc: { _id: 1, a: 1 }, update: { $set: {} }, expected: { _id: 1, a: 1 }, modified: false },
  { name: '$set _id to the same value', doc: { _id: 1, a: 1 }, update: { $set: { _id: 1 } }, expected: { _id: 1, a: 1 }, modified: false },
  { name: '$set _id where there is none', doc: { a: 1 }, update: { $set: { _id: 7 } }, expected: { a: 1, _id: 7 } },

  // $unset
  { name: '$unset removes the field', doc: { _id: 1, a: 1, b: 2 }, update: { $unset: { a: '' } }, expected: { _id: 1, b: 2 } },
  { name: '$unset an array element writes null', doc: { _id: 1, a: [1, 2] }, update: { $unset: { 'a.0': 1 } }, expected: { _id: 1, a: [null, 2] } },
  { name: '$unset a missing field is a no-op', doc: { _id: 1 }, update: { $unset: { a: 1 } }, expected: { _id: 1 }, modified: false },
  { name: '$unset through a scalar is a no-op', doc: { _id: 1, a: 1 }, update: { $unset: { 'a.b': 1 } }, expected: { _id: 1, a: 1 }, modified: false },
  { name: '$unset nested', doc: { _id: 1, a: { b: 1, c: 2 } }, update: { $unset: { 'a.b': 1 } }, expected: { _id: 1, a: { c: 2 } } },

  // $inc / $mul
  { name: '$inc int', doc: { _id: 1, a: 1 }, update: { $inc: { a: 2 } }, expected: { _id: 1, a: 3 } },
  { name: '$inc int overflow gives a long', doc: { _id: 1, a: new Int32(2147483647) }, update: { $inc: { a: 1 } }, expected: { _id: 1, a: Long.fromNumber(2147483648) } },
  { name: '$inc int by double gives a double', doc: { _id: 1, a: 1 }, update: { $inc: { a: 0.5 } }, expected: { _id: 1, a: 1.5 } },
  { name: '$inc long', doc: { _id: 1, a: Long.fromNumber(5) }, update: { $inc: { a: 1 } }, expected: { _id: 1, a: Long.fromNumber(6) } },
  { name: '$inc decimal', doc: { _id: 1, a: Decimal128.fromString('1.5') }, update: { $inc: { a: 1 } }, expected: { _id: 1, a: Decimal128.fromString('2.5') } },
  { name: '$inc missing field', doc: { _id: 1 }, update: { $inc: { a: 5 } }, expected: { _id: 1, a: 5 } },
  { name: '$inc by 0 is a no-op', doc: { _id: 1, a: 1 }, update: { $inc: { a: 0 } }, expected: { _id: 1, a: 1 }, modified: false },
  { name: '$inc by 0.0 changes the type', doc: { _id: 1, a: 1 }, update: { $inc: { a: new Double(0) } }, expected: { _id: 1, a: new Double(1) } },
  { name: '$mul', doc: { _id: 1, a: 2 }, update: { $mul: { a: 3 } }, expected: { _id: 1, a: 6 } },
  { name: '$mul missing field gives 0 of the multiplier type (double)', doc: { _id: 1 }, update: { $mul: { a: 2.5 } }, expected: { _id: 1, a: new Double(0) } },
  { name: '$mul missing field gives 0 of the multiplier type (long)', doc: { _id: 1 }, update: { $mul: { a: Long.fromNumber(3) } }, expected: { _id: 1, a: Long.fromNumber(0) } },

  // $min / $max
  { name: '$min lowers', doc: { _id: 1, a: 5 }, update: { $min: { a: 3 } }, expected: { _id: 1, a: 3 } },
  { name: '$min keeps smaller', doc: { _id: 1, a: 5 }, update: { $min: { a: 7 } }, expected: { _id: 1, a: 5 }, modified: false },
  { name: '$max raises', doc: { _id: 1, a: 5 }, update: { $max: { a: 7 } }, expected: { _id: 1, a: 7 } },
  { name: '$max equal value of another type is a no-op', doc: { _id: 1, a: 5 }, update: { $max: { a: new Double(5) } }, expected: { _id: 1, a: 5 }, modified: false },
  { name: '$max across types (string above number)', doc: { _id: 1, a: 5 }, update: { $max: { a: 'x' } }, expected: { _id: 1, a: 'x' } },
  { name: '$min missing field', doc: { _id: 1 }, update: { $min: { a: 1 } }, expected: { _id: 1, a: 1 } },

  // $currentDate
  { name: '$currentDate true', doc: { _id: 1 }, update: { $currentDate: { d: true } }, expected: { _id: 1, d: now }, apply: { now } },
  { name: '$currentDate date', doc: { _id: 1, d: 1 }, update: { $currentDate: { d: { $type: 'date' } } }, expected: { _id: 1, d: now }, apply: { now } },
  { name: '$currentDate timestamp', doc: { _id: 1 }, update: { $currentDate: { t: { $type: 'timestamp' } } }, expected: { _id: 1, t: clusterTime }, apply: { now, clusterTime } },

  // $setOnInsert
  { name: '$setOnInsert on update is a no-op', doc: { _id: 1 }, update: { $setOnInsert: { a: 1 } }, expected: { _id: 1 }, modified: false },
  { name: '$setOnInsert on upsert insert', doc: { _id: 1 }, update: { $setOnInsert: { a: 1 }, $set: { b: 2 } }, expected: { _id: 1, a: 1, b: 2 }, apply: { isUpsertInsert: true } },
  { name: 'isUpsertInsert as a compile option', doc: { _id: 1 }, update: { $setOnInsert: { a: 1 } }, expected: { _id: 1, a: 1 }, options: { isUpsertInsert: true } },

  // $push
  { name: '$push appends', doc: { _id: 1, a: [1] }, update: { $push: { a: 2 } }, expected: { _id: 1, a: [1, 2] } },
  { name: '$push creates the array', doc: { _id: 1 }, update: { $push: { a: 1 } }, expected: { _id: 1, a: [1] } },
  { name: '$push an array value', doc: { _id: 1, a: [] }, update: { $push: { a: [1, 2] } }, expected: { _id: 1, a: [[1, 2]] } },
  { name: '$push $each', doc: { _id: 1, a: [1] }, update: { $push: { a: { $each: [2, 3] } } }, expected: { _id: 1, a: [1, 2, 3] } },
  { name: '$push $each empty is a no-op', doc: { _id: 1, a: [1] }, update: { $push: { a: { $each: [] } } }, expected: { _id: 1, a: [1] }, modified: false },
  { name: '$push $position 0', doc: { _id: 1, a: [1, 2] }, update: { $push: { a: { $each: [0], $position: 0 } } }, expected: { _id: 1, a: [0, 1, 2] } },
  { name: '$push $position -1', doc: { _id: 1, a: [1, 2, 3] }, update: { $push: { a: { $each: [9], $position: -1 } } }, expected: { _id: 1, a: [1, 2, 9, 3] } },
  { name: '$push $position past the end', doc: { _id: 1, a: [1] }, update: { $push: { a: { $each: [2], $position: 10 } } }, expected: { _id: 1, a: [1, 2] } },
  { name: '$push $slice negative', doc: { _id: 1, a: [1, 2, 3] }, update: { $push: { a: { $each: [4], $slice: -2 } } }, expected: { _id: 1, a: [3, 4] } },
  { name: '$push $slice 0 empties', doc: { _id: 1, a: [1, 2] }, update: { $push: { a: { $each: [3], $slice: 0 } } }, expected: { _id: 1, a: [] } },
  {
    name: '$push insert, then sort, then slice',
    doc: { _id: 1, a: [1, 2, 3] },
    update: { $push: { a: { $each: [5, 4], $sort: 1, $slice: 3 } } },
    expected: { _id: 1, a: [1, 2, 3] },
  },
  { name: '$push $sort -1', doc: { _id: 1, a: [2, 1] }, update: { $push: { a: { $each: [3], $sort: -1 } } }, expected: { _id: 1, a: [3, 2, 1] } },
  {
    name: '$push $sort by field, missing sorts as null',
    doc: { _id: 1, a: [{ s: 2, n: 'x' }, { n: 'y' }] },
    update: { $push: { a: { $each: [{ s: 1 }], $sort: { s: -1 } } } },
    expected: { _id: 1, a: [{ s: 2, n: 'x' }, { s: 1 }, { n: 'y' }] },
  },
  { name: '$push $sort on a sorted array still counts as a change', doc: { _id: 1, a: [1, 2] }, update: { $push: { a: { $each: [], $sort: 1 } } }, expected: { _id: 1, a: [1, 2] } },

  // $addToSet
  { name: '$addToSet adds', doc: { _id: 1, a: [1] }, update: { $addToSet: { a: 2 } }, expected: { _id: 1, a: [1, 2] } },
  { name: '$addToSet present value is a no-op (1.0 equals 1)', doc: { _id: 1, a: [1] }, update: { $addToSet: { a: new Double(1) } }, expected: { _id: 1, a: [1] }, modified: false },
  { name: '$addToSet $each dedupes', doc: { _id: 1, a: [1] }, update: { $addToSet: { a: { $each: [1, 2, 2, 3] } } }, expected: { _id: 1, a: [1, 2, 3] } },
  { name: '$addToSet creates', doc: { _id: 1 }, update: { $addToSet: { a: { $each: [1, 1] } } }, expected: { _id: 1, a: [1] } },
  { name: '$addToSet a document', doc: { _id: 1, a: [{ x: 1 }] }, update: { $addToSet: { a: { x: 1 } } }, expected: { _id: 1, a: [{ x: 1 }] }, modified: false },

  // $pop
  { name: '$pop 1', doc: { _id: 1, a: [1, 2, 3] }, update: { $pop: { a: 1 } }, expected: { _id: 1, a: [1, 2] } },
  { name: '$pop -1', doc: { _id: 1, a: [1, 2, 3] }, update: { $pop: { a: -1 } }, expected: { _id: 1, a: [2, 3] } },
  { name: '$pop empty is a no-op', doc: { _id: 1, a: [] }, update: { $pop: { a: 1 } }, expected: { _id: 1, a: [] }, modified: false },
  { name: '$pop missing is a no-op', doc: { _id: 1 }, update: { $pop: { a: 1 } }, expected: { _id: 1 }, modified: false },

  // $pull / $pullAll
  { name: '$pull value', doc: { _id: 1, a: [1, 2, 1, 3] }, update: { $pull: { a: 1 } }, expected: { _id: 1, a: [2, 3] } },
  { name: '$pull condition', doc: { _id: 1, a: [1, 5, 3, 8] }, update: { $pull: { a: { $gte: 5 } } }, expected: { _id: 1, a: [1, 3] } },
  { name: '$pull $in', doc: { _id: 1, a: ['x', 'y', 'z'] }, update: { $pull: { a: { $in: ['x', 'z'] } } }, expected: { _id: 1, a: ['y'] } },
  {
    name: '$pull a query on document elements',
    doc: { _id: 1, a: [{ b: 1, c: 1 }, { b: 2 }, 1] },
    update: { $pull: { a: { b: 1 } } },
    expected: { _id: 1, a: [{ b: 2 }, 1] },
  },
  { name: '$pull regex', doc: { _id: 1, a: ['apple', 'banana', 'avocado'] }, update: { $pull: { a: /^a/ } }, expected: { _id: 1, a: ['banana'] } },
  { name: '$pull nothing matches', doc: { _id: 1, a: [1, 2] }, update: { $pull: { a: 3 } }, expected: { _id: 1, a: [1, 2] }, modified: false },
  { name: '$pull an array value', doc: { _id: 1, a: [[1, 2], [3]] }, update: { $pull: { a: [1, 2] } }, expected: { _id: 1, a: [[3]] } },
  { name: '$pullAll', doc: { _id: 1, a: [1, 2, 3, 1] }, update: { $pullAll: { a: [1, 3] } }, expected: { _id: 1, a: [2] } },

  // $rename
  { name: '$rename appends the new name', doc: { _id: 1, a: 1, b: 2 }, update: { $rename: { a: 'c' } }, expected: { _id: 1, b: 2, c: 1 } },
  { name: '$rename over an existing field keeps its place', doc: { _id: 1, c: 0, a: 1 }, update: { $rename: { a: 'c' } }, expected: { _id: 1, c: 1 } },
  { name: '$rename out of a sub-document', doc: { _id: 1, a: { b: 1, x: 2 } }, update: { $rename: { 'a.b': 'c' } }, expected: { _id: 1, a: { x: 2 }, c: 1 } },
  { name: '$rename into a new sub-document', doc: { _id: 1, a: 1 }, update: { $rename: { a: 'b.c' } }, expected: { _id: 1, b: { c: 1 } } },
  { name: '$rename missing source is a no-op', doc: { _id: 1, a: 1 }, update: { $rename: { x: 'y' } }, expected: { _id: 1, a: 1 }, modified: false },

  // $bit
  { name: '$bit and/or', doc: { _id: 1, a: 13 }, update: { $bit: { a: { and: 10, or: 1 } } }, expected: { _id: 1, a: 9 } },
  { name: '$bit xor with long', doc: { _id: 1, a: 5 }, update: { $bit: { a: { xor: Long.fromNumber(1) } } }, expected: { _id: 1, a: Long.fromNumber(4) } },

  // several operators together, applied in path order
  {
    name: 'mixed operators',
    doc: { _id: 1, n: 1, tags: ['a'], old: true },
    update: { $inc: { n: 1 }, $push: { tags: 'b' }, $unset: { old: '' }, $set: { 'sub.x': 1, b: 0 } },
    expected: { _id: 1, n: 2, tags: ['a', 'b'], b: 0, sub: { x: 1 } },
  },
];

describe('update operators', () => {
  for (const c of cases) test(c.name, () => runCase(c));
});
