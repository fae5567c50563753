import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal128, Double, Int32, Long } from '../../../../src/bson/index.js';
import { compilePipeline } from '../../../../src/query/pipeline/index.js';
import { assertBson, assertCode } from '../expressions/helpers.js';

const i = (n: number): Int32 => new Int32(n);
const l = (n: number): Long => Long.fromNumber(n);

function run(stages: unknown[], docs: Record<string, unknown>[], options = {}): Record<string, unknown>[] {
  return compilePipeline(stages, options).run(docs);
}

const people = [
  { _id: 1, name: 'ann', dept: 'eng', age: i(30), tags: ['a', 'b'] },
  { _id: 2, name: 'bob', dept: 'ops', age: i(25), tags: [] },
  { _id: 3, name: 'cy', dept: 'eng', age: i(35) },
  { _id: 4, name: 'Dee', dept: null, age: new Double(40.5), tags: 'solo' },
];

describe('$match', () => {
  test('filters with the query language', () => {
    assertBson(run([{ $match: { dept: 'eng', age: { $gt: 30 } } }], people).map((d) => d._id), [3]);
  });
  test('$expr evaluates aggregation expressions', () => {
    assertBson(run([{ $match: { $expr: { $gt: ['$age', 32] } } }], people).map((d) => d._id), [3, 4]);
  });
  test('$expr inside $or with pipeline variables', () => {
    const out = run([{ $match: { $or: [{ $expr: { $eq: ['$name', '$$who'] } }, { _id: 4 }] } }], people, { variables: { who: 'bob' } });
    assertBson(out.map((d) => d._id), [2, 4]);
  });
  test('dotted paths, as change stream filters use', () => {
    const events = [{ fullDocument: { z: 3 } }, { fullDocument: { z: 4 } }, { operationType: 'create' }];
    assertBson(run([{ $match: { 'fullDocument.z': 3 } }], events), [{ fullDocument: { z: 3 } }]);
    assertBson(run([{ $match: { operationType: { $ne: 'create' } } }], events).length, 2);
  });
  test('a bad $expr fails at compile time', () => {
    assertCode(() => compilePipeline([{ $match: { $expr: { $nope: 1 } } }]), 168);
  });
  test('not an object', () => assertCode(() => compilePipeline([{ $match: 1 }]), 15959));
});

describe('$addFields / $set / $unset', () => {
  const cases: [string, unknown[], Record<string, unknown>, unknown][] = [
    ['adds and replaces in place', [{ $addFields: { b: 2, a: 'x' } }], { _id: 1, a: 1, c: 3 }, { _id: 1, a: 'x', c: 3, b: 2 }],
    ['$set alias, literals 1 and true', [{ $set: { one: 1, yes: true } }], { _id: 1 }, { _id: 1, one: 1, yes: true }],
    ['dotted name sets inside a document', [{ $set: { 'a.b': '$_id' } }], { _id: 1, a: { c: 1 } }, { _id: 1, a: { c: 1, b: 1 } }],
    ['nested object sets inside a document', [{ $set: { a: { b: 2 } } }], { _id: 1, a: { c: 1 } }, { _id: 1, a: { c: 1, b: 2 } }],
    ['applies to each array element', [{ $set: { 'a.b': 0 } }], { a: [{ c: 1 }, 5] }, { a: [{ c: 1, b: 0 }, { b: 0 }] }],
    ['empty object is a literal', [{ $set: { a: {} } }], { a: 1 }, { a: {} }],
    ['$$REMOVE removes', [{ $addFields: { a: '$$REMOVE' } }], { _id: 1, a: 1, b: 2 }, { _id: 1, b: 2 }],
    ['sees the original document', [{ $addFields: { a: 2, b: '$a' } }], { a: 1 }, { a: 2, b: 1 }],
    ['$unset one path', [{ $unset: 'a.b' }], { a: { b: 1, c: 2 }, d: 1 }, { a: { c: 2 }, d: 1 }],
    ['$unset several', [{ $unset: ['a', 'd'] }], { _id: 1, a: 1, d: 1, e: 1 }, { _id: 1, e: 1 }],
    ['$unset _id', [{ $unset: '_id' }], { _id: 1, a: 1 }, { a: 1 }],
  ];
  for (const [name, stages, doc, expected] of cases) {
    test(name, () => assertBson(run(stages, [doc])[0], expected));
  }

  const errors: [string, unknown, number, string?][] = [
    ['$addFields non-object', { $addFields: 'x' }, 40272, '$addFields specification stage must be an object, got string'],
    ['$set non-object', { $set: 'x' }, 40272, '$set specification stage must be an object, got string'],
    ['$addFields $-field', { $addFields: { $foo: 'v' } }, 16410, "Invalid $addFields :: caused by :: FieldPath field names may not start with '$'. Consider using $getField or $setField."],
    ['$set $-field', { $set: { $foo: 'v' } }, 16410, "Invalid $set :: caused by :: FieldPath field names may not start with '$'. Consider using $getField or $setField."],
    ['$unset empty string', { $unset: '' }, 40352, 'Invalid $unset :: caused by :: FieldPath cannot be constructed with empty string'],
    ['$unset object', { $unset: {} }, 31002, '$unset specification must be a string or an array'],
    ['$unset empty array', { $unset: [] }, 31119, '$unset specification must be a string or an array with at least one field'],
    ['$unset non-string element', { $unset: ['a', 1] }, 31120, '$unset specification must be a string or an array containing only string values'],
    ['$unset duplicate', { $unset: ['v', 'v'] }, 31250, 'Invalid $unset :: caused by :: Path collision at v'],
    ['$unset overlapping', { $unset: ['v', 'v.foo.bar'] }, 31249, 'Invalid $unset :: caused by :: Path collision at v.foo.bar remaining portion foo.bar'],
    ['$unset trailing dot', { $unset: 'v.' }, 40353, "Invalid $unset :: caused by :: FieldPath must not end with a '.'."],
  ];
  for (const [name, stage, code, message] of errors) {
    test(`error: ${name}`, () => assertCode(() => compilePipeline([stage]), code, message));
  }
});

describe('$replaceRoot / $replaceWith', () => {
  test('$replaceRoot', () => {
    assertBson(run([{ $replaceRoot: { newRoot: '$a' } }], [{ _id: 1, a: { x: 1 } }]), [{ x: 1 }]);
  });
  test('$replaceWith with an expression object', () => {
    assertBson(run([{ $replaceWith: { id: '$_id', both: { $mergeObjects: ['$a', { y: 2 }] } } }], [{ _id: 1, a: { x: 1 } }]), [
      { id: 1, both: { x: 1, y: 2 } },
    ]);
  });
  test('40228 when newRoot is not a document', () => {
    const p = compilePipeline([{ $replaceRoot: { newRoot: '$a' } }]);
    assertCode(
      () => p.run([{ _id: 1, a: 5 }]),
      40228,
      "'newRoot' expression must evaluate to an object, but resulting value was: 5. Type of resulting value: 'int'. Input document: {_id: 1, a: 5}",
    );
    assertCode(
      () => p.run([{}]),
      40228,
      "'newRoot' expression must evaluate to an object, but resulting value was: MISSING. Type of resulting value: 'missing'. Input document: {}",
    );
  });
  test('40228 for $replaceWith', () => {
    assertCode(() => run([{ $replaceWith: '$a' }], [{ a: 'x' }]), 40228, /^'replacement document' must evaluate to an object/);
  });
  test('spec errors', () => {
    assertCode(() => compilePipeline([{ $replaceRoot: { bogus: 1 } }]), 40415, "BSON field '$replaceRoot.bogus' is an unknown field.");
    assertCode(() => compilePipeline([{ $replaceRoot: {} }]), 40414);
  });
});

describe('$redact', () => {
  const doc = {
    _id: 1,
    level: 1,
    sub: { level: 5, secret: true },
    list: [{ level: 1, x: 1 }, { level: 9, x: 2 }, 3],
  };
  const spec = { $cond: { if: { $gt: ['$level', 3] }, then: '$$PRUNE', else: '$$DESCEND' } };
  test('descends, pruning documents at every level', () => {
    assertBson(run([{ $redact: spec }], [doc]), [{ _id: 1, level: 1, list: [{ level: 1, x: 1 }, 3] }]);
  });
  test('$$KEEP keeps the whole level, $$PRUNE drops the document', () => {
    assertBson(run([{ $redact: '$$KEEP' }], [doc]), [doc]);
    assertBson(run([{ $redact: '$$PRUNE' }], [doc]), []);
  });
  test('any other result is 17053', () => {
    assertCode(() => run([{ $redact: 'keep it' }], [doc]), 17053, /^\$redact's expression should not return anything aside from/);
  });
});

describe('$sort, $limit, $skip, $count', () => {
  test('$sort is stable and follows type order', () => {
    const docs = [{ k: 'b', n: 1 }, { k: 1, n: 2 }, { k: 'a', n: 3 }, { k: 1, n: 4 }, { n: 5 }];
    assertBson(run([{ $sort: { k: 1 } }], docs).map((d) => d.n), [5, 2, 4, 3, 1]);
    assertBson(run([{ $sort: { k: -1 } }], docs).map((d) => d.n), [1, 3, 2, 4, 5]);
  });
  test('$limit and $skip', () => {
    assertBson(run([{ $skip: 1 }, { $limit: 2 }], people).map((d) => d._id), [2, 3]);
    assertBson(run([{ $skip: l(10) }], people), []);
  });
  test('$count', () => {
    assertBson(run([{ $match: { dept: 'eng' } }, { $count: 'n' }], people), [{ n: i(2) }]);
    assertBson(run([{ $match: { dept: 'none' } }, { $count: 'n' }], people), []);
  });
  const errors: [string, unknown, number, string?][] = [
    ['$sort non-object', { $sort: 1 }, 15973, 'the $sort key specification must be an object'],
    ['$sort empty', { $sort: {} }, 15976, '$sort stage must have at least one sort key'],
    ['$limit zero', { $limit: 0 }, 15958, 'the limit must be positive'],
    ['$limit string', { $limit: 'a' }, 15957, 'the limit must be specified as a number'],
    ['$limit fractional', { $limit: 1.5 }, 5107201],
    ['$skip negative', { $skip: -1 }, 5107200],
    ['$skip string', { $skip: 'a' }, 15972, 'Argument to $skip must be a number'],
    ['$count empty', { $count: '' }, 40157],
    ['$count non-string', { $count: 1 }, 40156, 'the count field must be a non-empty string'],
    ['$count $-prefixed', { $count: '$n' }, 40158, 'the count field cannot be a $-prefixed path'],
    ['$count dotted', { $count: 'a.b' }, 40160, "the count field cannot contain '.'"],
  ];
  for (const [name, stage, code, message] of errors) {
    test(`error: ${name}`, () => assertCode(() => compilePipeline([stage]), code, message));
  }
});

describe('$group', () => {
  test('accumulators by key, in first-seen order', () => {
    const out = run(
      [
        {
          $group: {
            _id: '$dept',
            n: { $sum: 1 },
            c: { $count: {} },
            total: { $sum: '$age' },
            avg: { $avg: '$age' },
            min: { $min: '$age' },
            max: { $max: '$name' },
            first: { $first: '$name' },
            last: { $last: '$name' },
            names: { $push: '$name' },
            tags: { $addToSet: '$dept' },
          },
        },
      ],
      people,
    );
    assertBson(out, [
      { _id: 'eng', n: i(2), c: i(2), total: i(65), avg: new Double(32.5), min: i(30), max: 'cy', first: 'ann', last: 'cy', names: ['ann', 'cy'], tags: ['eng'] },
      { _id: 'ops', n: i(1), c: i(1), total: i(25), avg: new Double(25), min: i(25), max: 'bob', first: 'bob', last: 'bob', names: ['bob'], tags: ['ops'] },
      { _id: null, n: i(1), c: i(1), total: new Double(40.5), avg: new Double(40.5), min: new Double(40.5), max: 'Dee', first: 'Dee', last: 'Dee', names: ['Dee'], tags: [null] },
    ]);
  });

  test('_id: null groups everything; numeric keys group by value', () => {
    assertBson(run([{ $group: { _id: null, n: { $sum: 1 } } }], people), [{ _id: null, n: i(4) }]);
    const docs = [{ k: i(1) }, { k: new Double(1) }, { k: Long.fromNumber(1) }, { k: Decimal128.fromString('1.0') }, { k: 2 }];
    assertBson(run([{ $group: { _id: '$k', n: { $sum: 1 } } }], docs), [{ _id: i(1), n: i(4) }, { _id: 2, n: i(1) }]);
  });

  test('missing _id values group with null', () => {
    assertBson(run([{ $group: { _id: '$nope', n: { $sum: 1 } } }], [{ a: 1 }, { nope: null }]), [{ _id: null, n: i(2) }]);
  });

  test('compound _id', () => {
    const out = run([{ $group: { _id: { d: '$dept', old: { $gte: ['$age', 30] } }, n: { $sum: 1 } } }], people);
    assertBson(out.map((d) => d._id), [{ d: 'eng', old: true }, { d: 'ops', old: false }, { d: null, old: true }]);
  });

  test('string keys group under the collation', () => {
    const docs = [{ k: 'a' }, { k: 'A' }, { k: 'b' }];
    assertBson(run([{ $group: { _id: '$k', n: { $sum: 1 } } }], docs, { collation: { locale: 'en', strength: 2 } }), [
      { _id: 'a', n: i(2) },
      { _id: 'b', n: i(1) },
    ]);
  });

  test('$sum overflows to long, $sum of nothing numeric is 0', () => {
    assertBson(run([{ $group: { _id: null, s: { $sum: '$v' } } }], [{ v: i(2147483647) }, { v: i(1) }]), [{ _id: null, s: l(2147483648) }]);
    assertBson(run([{ $group: { _id: null, s: { $sum: '$v' }, a: { $avg: '$v' } } }], [{ v: 'x' }]), [{ _id: null, s: i(0), a: null }]);
  });

  const errors: [string, unknown, number, string?][] = [
    ['non-object', 1, 15947, "a group's fields must be specified in an object"],
    ['no _id', { n: { $sum: 1 } }, 15955, 'a group specification must include an _id'],
    ['field not an accumulator', { _id: null, v: {} }, 40234, "The field 'v' must be an accumulator object"],
    ['two accumulators', { _id: null, n: { $sum: 1, $max: 1 } }, 40238, "The field 'n' must specify one accumulator"],
    ['unknown accumulator', { _id: null, n: { $foo: 1 } }, 15952, "unknown group operator '$foo'"],
    ['array argument', { _id: null, sum: { $sum: [] } }, 40237, 'The $sum accumulator is a unary operator'],
    ['$count with arguments', { _id: null, c: { $count: 1 } }, 2, '$count takes no arguments, i.e. $count:{}'],
    ['dotted field', { _id: null, 'a.b': { $sum: 1 } }, 40235, "The field name 'a.b' cannot contain '.'"],
    ['unknown _id operator', { _id: { $nonExistent: 'foo' } }, 168, "Unrecognized expression '$nonExistent'"],
    ['_id with two operators', { _id: { $type: 42, $op: 42 } }, 15983, 'An object representing an expression must have exactly one field: { $type: 42, $op: 42 }'],
    ['_id with a bad variable', { _id: { v: '$$s' } }, 17276, 'Use of undefined variable: s'],
  ];
  for (const [name, spec, code, message] of errors) {
    test(`error: ${name}`, () => assertCode(() => compilePipeline([{ $group: spec }]), code, message));
  }
});

describe('$unwind', () => {
  test('string form', () => {
    assertBson(run([{ $unwind: '$tags' }, { $project: { _id: 1, tags: 1 } }], people), [
      { _id: 1, tags: 'a' },
      { _id: 1, tags: 'b' },
      { _id: 4, tags: 'solo' },
    ]);
  });
  test('preserveNullAndEmptyArrays and includeArrayIndex', () => {
    const out = run([{ $unwind: { path: '$tags', includeArrayIndex: 'i', preserveNullAndEmptyArrays: true } }, { $project: { _id: 1, tags: 1, i: 1 } }], people);
    assertBson(out, [
      { _id: 1, tags: 'a', i: l(0) },
      { _id: 1, tags: 'b', i: l(1) },
      { _id: 2, i: null },
      { _id: 3, i: null },
      { _id: 4, tags: 'solo', i: null },
    ]);
  });
  test('dotted path keeps the surrounding document', () => {
    assertBson(run([{ $unwind: '$a.b' }], [{ a: { b: [1, 2], c: 3 } }]), [{ a: { b: 1, c: 3 } }, { a: { b: 2, c: 3 } }]);
  });
  const errors: [string, unknown, number, string?][] = [
    ['number', 1, 15981, 'expected either a string or an object as specification for $unwind stage, got int'],
    ['no $', 'tags', 28818, "path option to $unwind stage should be prefixed with a '$': tags"],
    ['no path', { includeArrayIndex: 'i' }, 28812, 'no path specified to $unwind stage'],
    ['unknown option', { path: '$a', x: 1 }, 28811, 'unrecognized option to $unwind stage: x'],
    ['non-bool preserve', { path: '$a', preserveNullAndEmptyArrays: 1 }, 28809],
    ['$ index', { path: '$a', includeArrayIndex: '$i' }, 28822],
  ];
  for (const [name, spec, code, message] of errors) {
    test(`error: ${name}`, () => assertCode(() => compilePipeline([{ $unwind: spec }]), code, message));
  }
});

describe('$sortByCount', () => {
  test('groups and sorts by count descending', () => {
    assertBson(run([{ $sortByCount: '$dept' }], people), [
      { _id: 'eng', count: i(2) },
      { _id: 'ops', count: i(1) },
      { _id: null, count: i(1) },
    ]);
  });
  test('errors', () => {
    assertCode(() => compilePipeline([{ $sortByCount: 'dept' }]), 40148);
    assertCode(() => compilePipeline([{ $sortByCount: { a: 1 } }]), 40147);
    assertCode(() => compilePipeline([{ $sortByCount: 1 }]), 40149);
  });
});

test('$$NOW is one instant for a whole run', () => {
  const out = run([{ $addFields: { t: '$$NOW' } }], [{}, {}]);
  assert.ok(out[0]!.t instanceof Date);
  assert.equal(out[0]!.t, out[1]!.t);
});
