import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileDocumentPipeline, compilePipeline } from '../../../../src/query/pipeline/index.js';
import { applyUpdatePipeline } from '../../../../src/query/pipeline/update_pipeline.js';
import { assertBson, assertCode } from '../expressions/helpers.js';

const CHANGE_STREAM_STAGES = new Set(['$match', '$project', '$addFields', '$replaceRoot', '$redact', '$set', '$unset', '$replaceWith']);

describe('pipeline validation', () => {
  test('unknown stage is 40324', () => {
    assertCode(() => compilePipeline([{ $unsupported: 'foo' }]), 40324, "Unrecognized pipeline stage name: '$unsupported'");
    try {
      compilePipeline([{ $foo: 1 }]);
    } catch (err) {
      assert.equal((err as { codeName: string }).codeName, 'Location40324');
    }
  });

  test('a stage with two fields is 40323', () => {
    assertCode(
      () => compilePipeline([{ $match: {}, $project: { a: 1 } }]),
      40323,
      'A pipeline stage specification object must contain exactly one field.',
    );
    assertCode(() => compilePipeline([{}]), 40323);
  });

  test('a non-document stage is TypeMismatch', () => {
    assertCode(() => compilePipeline([1]), 14, "Each element of the 'pipeline' array must be an object");
  });

  test('a stage outside allowedStages is 20 IllegalOperation with the default change-stream wording', () => {
    assertCode(
      () => compilePipeline([{ $group: { _id: null } }], { allowedStages: CHANGE_STREAM_STAGES }),
      20,
      '$group is not permitted in a $changeStream pipeline',
    );
  });

  test('the disallowed message and code are the caller’s', () => {
    assertCode(
      () => compilePipeline([{ $sort: { a: 1 } }], { allowedStages: new Set(['$match']), disallowedMessage: 'no {stage} here' }),
      20,
      'no $sort here',
    );
    assertCode(
      () => compilePipeline([{ $lookup: {} }], { allowedStages: new Set(['$match']), disallowedMessage: (s) => `${s}!`, disallowedCode: 72 }),
      72,
      '$lookup!',
    );
  });

  test('unknown stages stay 40324 even with allowedStages', () => {
    assertCode(() => compilePipeline([{ $nope: 1 }], { allowedStages: CHANGE_STREAM_STAGES }), 40324);
  });

  test('a known stage eddydb does not run is NotImplemented', () => {
    assertCode(() => compilePipeline([{ $search: {} }]), 238);
  });

  test('stage names are reported', () => {
    assert.deepEqual(compilePipeline([{ $match: {} }, { $set: { a: 1 } }, { $limit: 1 }]).stages, ['$match', '$set', '$limit']);
  });

  test('an empty pipeline passes documents through', () => {
    const docs = [{ a: 1 }, { a: 2 }];
    assert.deepEqual(compilePipeline([]).run(docs), docs);
  });
});

describe('compileDocumentPipeline', () => {
  test('runs one event at a time, zero or more outputs', () => {
    const pipe = compileDocumentPipeline(
      [{ $match: { operationType: { $ne: 'create' } } }, { $project: { 'ns.viewOn': 'db.coll' } }],
      { allowedStages: CHANGE_STREAM_STAGES },
    );
    assertBson(pipe({ _id: { _data: '01' }, operationType: 'insert', ns: { db: 'd', coll: 'c' } }), [
      { _id: { _data: '01' }, ns: { viewOn: 'db.coll' } },
    ]);
    assertBson(pipe({ _id: { _data: '02' }, operationType: 'create' }), []);
  });

  test('$unwind may produce several documents', () => {
    assertBson(compileDocumentPipeline([{ $unwind: '$a' }])({ a: [1, 2] }), [{ a: 1 }, { a: 2 }]);
  });

  test('whole-input stages are refused', () => {
    assertCode(() => compileDocumentPipeline([{ $sort: { a: 1 } }]), 20);
  });

  test('change-stream errors come at compile time', () => {
    assertCode(() => compileDocumentPipeline([{ $unsupported: 'foo' }], { allowedStages: CHANGE_STREAM_STAGES }), 40324);
    assertCode(() => compileDocumentPipeline([{ $group: { _id: null } }], { allowedStages: CHANGE_STREAM_STAGES }), 20);
  });
});

describe('applyUpdatePipeline', () => {
  test('runs $set, $unset, $project, $replaceWith in order', () => {
    const out = applyUpdatePipeline(
      [{ $set: { total: { $add: ['$a', '$b'] } } }, { $unset: 'b' }, { $replaceWith: { $mergeObjects: ['$$ROOT', { c: '$$c' }] } }],
      { _id: 1, a: 1, b: 2 },
      { c: 'let' },
    );
    assertBson(out, { _id: 1, a: 1, total: 3, c: 'let' });
  });

  test('$replaceRoot may drop _id (the caller restores it)', () => {
    assertBson(applyUpdatePipeline([{ $replaceRoot: { newRoot: { x: 1 } } }], { _id: 1 }), { x: 1 });
  });

  test('other stages are 72 InvalidOptions', () => {
    assertCode(
      () => applyUpdatePipeline([{ $group: { _id: null } }], { _id: 1 }),
      72,
      '$group is not allowed to be used within an update',
    );
    assertCode(() => applyUpdatePipeline([{ $match: {} }], { _id: 1 }), 72, '$match is not allowed to be used within an update');
  });

  test('unknown stages are 40324', () => {
    assertCode(() => applyUpdatePipeline([{ $foo: {} }], { _id: 1 }), 40324);
  });

  test('40228 from $replaceRoot', () => {
    assertCode(() => applyUpdatePipeline([{ $replaceRoot: { newRoot: '$a' } }], { _id: 1, a: [1] }), 40228);
  });

  test('the input document is not modified', () => {
    const doc = { _id: 1, a: { b: 1 } };
    applyUpdatePipeline([{ $set: { 'a.c': 2 } }], doc);
    assert.deepEqual(doc, { _id: 1, a: { b: 1 } });
  });
});
