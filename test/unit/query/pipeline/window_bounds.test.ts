import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal128, Double, Int32, Long } from '../../../../src/bson/index.js';
import { compileExpression } from '../../../../src/query/expressions/index.js';
import { parseWindowBounds, windowEndpoints, type SortByShape, type WindowBounds } from '../../../../src/query/pipeline/window/bounds.js';
import { addTimeUnits } from '../../../../src/query/pipeline/window/time_unit.js';
import { RemovableSum, SlidingExtreme } from '../../../../src/query/pipeline/window/removable.js';
import { assertBson, assertCode } from '../expressions/helpers.js';

const ONE_FIELD: SortByShape = { size: 1, singleIsField: true, singleFieldAscending: true };
const evaluate = (expr: unknown): unknown => compileExpression(expr)({});
/** `null` for a stage without sortBy. */
const parse = (window: unknown, sortBy: SortByShape | null = ONE_FIELD): WindowBounds => parseWindowBounds(window, sortBy ?? undefined, evaluate);

describe('window bounds: parsing', () => {
  test('documents and range bounds, with unbounded, current and constant expressions', () => {
    assert.deepEqual(parse({}), { kind: 'documents', lower: 'unbounded', upper: 'unbounded' });
    assert.deepEqual(parse({ documents: ['unbounded', 'current'] }), { kind: 'documents', lower: 'unbounded', upper: 'current' });
    assert.deepEqual(parse({ documents: [new Int32(-2), new Double(3)] }), { kind: 'documents', lower: -2, upper: 3 });
    assert.deepEqual(parse({ documents: [{ $subtract: [0, 2] }, 0] }), { kind: 'documents', lower: -2, upper: 0 });
    const range = parse({ range: [new Double(-1.5), 'current'] });
    assert.equal(range.kind, 'range');
    assertBson((range.lower as { delta: unknown }).delta, new Double(-1.5));
    assert.deepEqual(parse({ range: [-1, 1], unit: 'day' }), { kind: 'range', lower: { delta: -1 }, upper: { delta: 1 }, unit: 'day' });
    assert.deepEqual(parse({ documents: ['unbounded', 'unbounded'] }, null), { kind: 'documents', lower: 'unbounded', upper: 'unbounded' });
  });

  test('refuses inverted bounds with 5339900, counting current as 0', () => {
    assertCode(() => parse({ documents: [3, 2] }), 5339900, 'Lower bound must not exceed upper bound: [3, 2]');
    assertCode(() => parse({ documents: ['current', -1] }), 5339900, 'Lower bound must not exceed upper bound: [0, -1]');
    assertCode(() => parse({ range: [2.5, 1] }), 5339900, 'Lower bound must not exceed upper bound: [2.5, 1]');
    assertCode(() => parse({ range: [Decimal128.fromString('1'), 0] }), 5339900);
    parse({ documents: ['unbounded', -5] });
    parse({ range: [5, 'unbounded'] });
  });

  test('refuses bad shapes with FailedToParse', () => {
    assertCode(() => parse([]), 9, "'window' field must be an object");
    assertCode(() => parse({ documents: [0, 1, 2] }), 9, 'Window bounds must be a 2-element array: documents: [ 0, 1, 2 ]');
    assertCode(() => parse({ range: 5 }), 9, 'Window bounds must be a 2-element array: range: 5');
    assertCode(() => parse({ documents: [0, 1], foo: 1 }), 9, "'window' field that specifies documents cannot have other fields");
    assertCode(() => parse({ range: [0, 1], foo: 1 }), 9, "'window' field that specifies range cannot have other fields besides 'unit'");
    assertCode(() => parse({ range: [0, 1], unit: 'day', foo: 1 }), 9, "'window' field that specifies unit cannot have other fields besides 'range'");
    assertCode(() => parse({ documents: [Long.fromNumber(2 ** 40), 'unbounded'] }), 9, 'Numeric document-based bounds must be an integer');
    assertCode(() => parse({ documents: [null, 1] }), 9, 'Numeric document-based bounds must be an integer');
  });

  test('checks the sortBy range bounds need', () => {
    assertCode(() => parse({ range: [0, 1] }, null), 5339902, 'Range-based bounds require sortBy a single field');
    assertCode(() => parse({ range: [0, 1] }, { size: 1, singleIsField: false }), 8947400, 'Range-based bounds require a non-expression sortBy');
    assertCode(() => parse({ range: [0, 1] }, { size: 1, singleIsField: true, singleFieldAscending: false }), 8947401);
    assertCode(() => parse({ documents: [0, 1] }, null), 5339901, 'Document-based bounds require a sortBy');
  });
});

describe('window bounds: the window of each document', () => {
  test('documents: clamped to the partition, empty when shifted past it', () => {
    assert.deepEqual(windowEndpoints(parse({ documents: [-1, 1] }), 4), [[0, 1], [0, 2], [1, 3], [2, 3]]);
    assert.deepEqual(windowEndpoints(parse({ documents: ['unbounded', 'current'] }), 3), [[0, 0], [0, 1], [0, 2]]);
    assert.deepEqual(windowEndpoints(parse({ documents: ['current', 'unbounded'] }), 3), [[0, 2], [1, 2], [2, 2]]);
    assert.deepEqual(windowEndpoints(parse({ documents: [2, 3] }), 4), [[2, 3], [3, 3], null, null]);
    assert.deepEqual(windowEndpoints(parse({ documents: [-3, -2] }), 4), [null, null, [0, 0], [0, 1]]);
    assert.deepEqual(windowEndpoints(parse({ documents: [0, 0] }), 0), []);
  });

  test('range: by value around the current one, ties included, current is the document itself', () => {
    const values = [1, 2, 2, 4, 7, 7.5];
    assert.deepEqual(windowEndpoints(parse({ range: [-1, 1] }), values.length, values), [[0, 2], [0, 2], [0, 2], [3, 3], [4, 5], [4, 5]]);
    assert.deepEqual(windowEndpoints(parse({ range: [0, 0] }), values.length, values), [[0, 0], [1, 2], [1, 2], [3, 3], [4, 4], [5, 5]]);
    assert.deepEqual(windowEndpoints(parse({ range: ['current', 'current'] }), values.length, values), [[0, 0], [1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]);
    assert.deepEqual(windowEndpoints(parse({ range: [-10, -3] }), values.length, values), [null, null, null, [0, 0], [0, 3], [0, 3]]);
    assert.deepEqual(windowEndpoints(parse({ range: [1, 'unbounded'] }), values.length, values), [[1, 5], [3, 5], [3, 5], [4, 5], null, null]);
  });

  test('range: unbounded ends stop at the values of the expected type', () => {
    const values = [null, 1, 2, 'x'];
    // A document whose value is not a number cannot be the current one of a range window.
    assertCode(() => windowEndpoints(parse({ range: ['unbounded', 0] }), values.length, values), 5429414,
      'Invalid range: Expected the sortBy field to be a number, but it was null');
    const numbers = [1, 2, 3];
    assert.deepEqual(windowEndpoints(parse({ range: ['unbounded', 'unbounded'] }), 3, numbers), [[0, 2], [0, 2], [0, 2]]);
    assertCode(() => windowEndpoints(parse({ range: [-1, 0] }), 1, [new Date(0)]), 5429413);
    assertCode(() => windowEndpoints(parse({ range: [-1, 0], unit: 'day' }), 1, [5]), 5429513,
      'Invalid range: Expected the sortBy field to be a Date, but it was int');
  });

  test('range with a unit: calendar months clamp to the month\'s last day', () => {
    const d = (s: string) => new Date(s);
    assert.equal(new Date(addTimeUnits(d('2021-01-31T10:00:00Z').getTime(), 'month', 1)).toISOString(), '2021-02-28T10:00:00.000Z');
    assert.equal(new Date(addTimeUnits(d('2020-02-29T00:00:00Z').getTime(), 'year', -1)).toISOString(), '2019-02-28T00:00:00.000Z');
    assert.equal(new Date(addTimeUnits(d('2020-11-15T00:00:00Z').getTime(), 'quarter', 1)).toISOString(), '2021-02-15T00:00:00.000Z');
    assert.equal(new Date(addTimeUnits(d('2020-01-01T00:00:00Z').getTime(), 'week', -1)).toISOString(), '2019-12-25T00:00:00.000Z');
    const dates = [d('2021-01-01'), d('2021-01-02'), d('2021-01-05'), d('2021-02-01')];
    assert.deepEqual(windowEndpoints(parse({ range: [-1, 0], unit: 'day' }), 4, dates), [[0, 0], [0, 1], [2, 2], [3, 3]]);
    assert.deepEqual(windowEndpoints(parse({ range: [-1, 0], unit: 'month' }), 4, dates), [[0, 0], [0, 1], [0, 2], [0, 3]]);
  });
});

describe('removable window states', () => {
  test('a sliding sum keeps the type of what the window holds', () => {
    const sum = new RemovableSum();
    sum.add(new Int32(2 ** 30));
    sum.add(new Int32(2 ** 30));
    assertBson(sum.result(), Long.fromNumber(2 ** 31));
    sum.remove(new Int32(2 ** 30));
    assertBson(sum.result(), new Int32(2 ** 30));
    sum.add(new Double(Infinity));
    assertBson(sum.result(), new Double(Infinity));
    sum.remove(new Int32(2 ** 30));
    sum.remove(new Double(Infinity));
    assertBson(sum.result(), new Int32(0));
    sum.add(new Double(0.1));
    sum.add(Decimal128.fromString('0.2'));
    sum.remove(new Double(0.1));
    assertBson(sum.result(), Decimal128.fromString('0.2'));
    // An integral sum is an int when it fits, whatever integer types went in (mongod's removable sum).
    const longs = new RemovableSum();
    longs.add(Long.fromNumber(5));
    assertBson(longs.result(), new Int32(5));
    longs.add(Long.fromNumber(2 ** 40));
    assertBson(longs.result(), Long.fromNumber(2 ** 40 + 5));
    longs.add(new Double(NaN));
    assertBson(longs.result(), new Double(NaN));
  });

  test('a sliding maximum forgets values in the order they came', () => {
    const max = new SlidingExtreme(1, null);
    const values = [3, 1, 4, 1, 5, 9, 2, 6];
    const out: unknown[] = [];
    // Windows of three: add the next, drop the oldest once three are held.
    values.forEach((v, i) => {
      max.add(v);
      if (i >= 3) max.remove();
      out.push(max.result());
    });
    assert.deepEqual(out, [3, 3, 4, 4, 5, 9, 9, 9]);
  });
});
