import { describe, test } from 'node:test';
import { Double, Int32, Long } from '../../../../src/bson/index.js';
import { evaluateExpression } from '../../../../src/query/expressions/index.js';
import { assertBson, assertCode } from './helpers.js';

const i = (n: number): Int32 => new Int32(n);
const doc = { a: [1, 2, 3, 4], e: [], n: null, s: 'x', o: { x: 1, y: 2 }, people: [{ name: 'a', age: 30 }, { name: 'b', age: 20 }] };

describe('array operators', () => {
  const cases: [string, unknown, unknown][] = [
    ['$arrayElemAt', { $arrayElemAt: ['$a', 1] }, 2],
    ['$arrayElemAt negative', { $arrayElemAt: ['$a', -1] }, 4],
    ['$arrayElemAt out of range is missing', { $arrayElemAt: ['$a', 10] }, undefined],
    ['$arrayElemAt null array', { $arrayElemAt: ['$n', 0] }, null],
    ['$first', { $first: '$a' }, 1],
    ['$last', { $last: '$a' }, 4],
    ['$first of empty is missing', { $first: '$e' }, undefined],
    ['$first of missing is null', { $first: '$missing' }, null],
    ['$concatArrays', { $concatArrays: ['$a', [5], '$e'] }, [1, 2, 3, 4, 5]],
    ['$concatArrays with null', { $concatArrays: ['$a', '$n'] }, null],
    ['$filter', { $filter: { input: '$a', as: 'v', cond: { $gt: ['$$v', 2] } } }, [3, 4]],
    ['$filter default this, limit', { $filter: { input: '$a', cond: { $gt: ['$$this', 1] }, limit: 2 } }, [2, 3]],
    ['$filter null input', { $filter: { input: '$n', cond: true } }, null],
    ['$map', { $map: { input: '$people', as: 'p', in: '$$p.name' } }, ['a', 'b']],
    ['$map missing results become null', { $map: { input: '$a', in: '$$this.nope' } }, [null, null, null, null]],
    ['$map sees outer fields', { $map: { input: [1], in: { $add: ['$$this', { $size: '$a' }] } } }, [5]],
    ['$reduce', { $reduce: { input: '$a', initialValue: 0, in: { $add: ['$$value', '$$this'] } } }, 10],
    ['$reduce empty input', { $reduce: { input: '$e', initialValue: 'z', in: 1 } }, 'z'],
    ['$in', { $in: [2, '$a'] }, true],
    ['$in numeric types compare by value', { $in: [new Double(3), '$a'] }, true],
    ['$in absent', { $in: [9, '$a'] }, false],
    ['$size', { $size: '$a' }, i(4)],
    ['$slice count', { $slice: ['$a', 2] }, [1, 2]],
    ['$slice negative count', { $slice: ['$a', -2] }, [3, 4]],
    ['$slice position and count', { $slice: ['$a', 1, 2] }, [2, 3]],
    ['$slice negative position', { $slice: ['$a', -3, 2] }, [2, 3]],
    ['$isArray', { $isArray: ['$a'] }, true],
    ['$isArray of a string', { $isArray: '$s' }, false],
    ['$indexOfArray', { $indexOfArray: ['$a', 3] }, i(2)],
    ['$indexOfArray with range', { $indexOfArray: ['$a', 1, 1, 3] }, i(-1)],
    ['$indexOfArray null', { $indexOfArray: ['$n', 1] }, null],
    ['$reverseArray', { $reverseArray: '$a' }, [4, 3, 2, 1]],
    ['$range', { $range: [0, 5, 2] }, [i(0), i(2), i(4)]],
    ['$range descending', { $range: [3, 0, -1] }, [i(3), i(2), i(1)]],
    ['$setUnion is sorted and distinct', { $setUnion: [[3, 1], [1, 2]] }, [1, 2, 3]],
    ['$setIntersection', { $setIntersection: [[1, 2, 3], [3, 2, 9]] }, [2, 3]],
    ['$setDifference', { $setDifference: [[1, 2, 3, 2], [2]] }, [1, 3]],
    ['$setEquals', { $setEquals: [[1, 2], [2, 1, 1]] }, true],
    ['$setIsSubset', { $setIsSubset: [[1], [1, 2]] }, true],
    ['$allElementsTrue', { $allElementsTrue: [[1, true, 'x']] }, true],
    ['$anyElementTrue', { $anyElementTrue: [[0, false, null]] }, false],
    ['$zip', { $zip: { inputs: [[1, 2], ['a']] } }, [[1, 'a']]],
    ['$sum over an array field', { $sum: '$a' }, i(10)],
    ['$sum of arguments', { $sum: [1, new Long(2), 'x'] }, Long.fromNumber(3)],
    ['$sum of missing', { $sum: '$missing' }, i(0)],
    ['$avg', { $avg: '$a' }, new Double(2.5)],
    ['$avg of nothing', { $avg: '$e' }, null],
    ['$max', { $max: '$a' }, 4],
    ['$min of arguments ignores null', { $min: [5, null, 3] }, 3],
  ];
  for (const [name, expr, expected] of cases) {
    test(name, () => assertBson(evaluateExpression(expr, doc), expected));
  }
});

describe('object operators', () => {
  const cases: [string, unknown, unknown][] = [
    ['$mergeObjects', { $mergeObjects: ['$o', { y: 3, z: 4 }, '$n'] }, { x: 1, y: 3, z: 4 }],
    ['$mergeObjects of nothing', { $mergeObjects: [] }, {}],
    ['$objectToArray', { $objectToArray: '$o' }, [{ k: 'x', v: 1 }, { k: 'y', v: 2 }]],
    ['$objectToArray null', { $objectToArray: '$n' }, null],
    ['$arrayToObject pairs', { $arrayToObject: [[['a', 1], ['b', 2]]] }, { a: 1, b: 2 }],
    ['$arrayToObject k/v', { $arrayToObject: [[{ k: 'a', v: 1 }, { k: 'a', v: 2 }]] }, { a: 2 }],
    ['$arrayToObject of $objectToArray', { $arrayToObject: { $objectToArray: '$o' } }, { x: 1, y: 2 }],
    ['$getField', { $getField: { field: 'x', input: '$o' } }, 1],
    ['$getField shorthand', { $getField: 's' }, 'x'],
    ['$getField with a dotted name is one field', { $getField: { field: 'a.b', input: { $literal: { 'a.b': 5 } } } }, 5],
    ['$getField missing', { $getField: { field: 'q', input: '$o' } }, undefined],
    ['$getField null input', { $getField: { field: 'q', input: '$n' } }, null],
    ['$setField', { $setField: { field: 'y', input: '$o', value: 9 } }, { x: 1, y: 9 }],
    ['$setField adds', { $setField: { field: 'z', input: '$o', value: 9 } }, { x: 1, y: 2, z: 9 }],
    ['$setField $-name through $literal', { $setField: { field: { $literal: '$p' }, input: {}, value: 1 } }, { $p: 1 }],
    ['$setField with $$REMOVE removes', { $setField: { field: 'x', input: '$o', value: '$$REMOVE' } }, { y: 2 }],
    ['$unsetField', { $unsetField: { field: 'y', input: '$o' } }, { x: 1 }],
  ];
  for (const [name, expr, expected] of cases) {
    test(name, () => assertBson(evaluateExpression(expr, doc), expected));
  }
});

describe('array and object errors', () => {
  const cases: [string, unknown, number, string?][] = [
    ['$arrayElemAt non-array', { $arrayElemAt: ['$s', 0] }, 28689, "$arrayElemAt's first argument must be an array, but is string"],
    ['$first non-array', { $first: '$s' }, 28689, "$first's argument must be an array, but is string"],
    ['$arrayElemAt fractional index', { $arrayElemAt: ['$a', 1.5] }, 28691],
    ['$size non-array', { $size: '$missing' }, 17124],
    ['$in non-array', { $in: [1, '$s'] }, 40081, '$in requires an array as a second argument, found: string'],
    ['$map non-array', { $map: { input: '$s', in: 1 } }, 16883, 'input to $map must be an array not string'],
    ['$filter non-array', { $filter: { input: 1, cond: true } }, 28651],
    ['$reduce non-array', { $reduce: { input: 's', initialValue: 0, in: 1 } }, 40080],
    ['$slice non-positive count', { $slice: ['$a', 0, 0] }, 28729, 'Third argument to $slice must be positive: 0'],
    ['$range zero step', { $range: [0, 5, 0] }, 34449, '$range requires a non-zero step value'],
    ['$range non-numeric', { $range: ['a', 5] }, 34443],
    ['$reverseArray non-array', { $reverseArray: 1 }, 34435],
    ['$concatArrays non-array', { $concatArrays: ['$a', 1] }, 28664, '$concatArrays only supports arrays, not int'],
    ['$indexOfArray non-array', { $indexOfArray: ['$s', 1] }, 40090],
    ['$mergeObjects non-object', { $mergeObjects: ['$o', 1] }, 40400],
    ['$objectToArray non-object', { $objectToArray: '$a' }, 40390, '$objectToArray requires a document input, found: array'],
    ['$arrayToObject bad pair', { $arrayToObject: [[['a', 1, 2]]] }, 40397],
    ['$arrayToObject non-string key', { $arrayToObject: [[[1, 2]]] }, 40395],
    ['$arrayToObject mixed formats', { $arrayToObject: [[['a', 1], { k: 'b', v: 2 }]] }, 40396],
    ['$arrayToObject missing v', { $arrayToObject: [[{ k: 'a', x: 2 }]] }, 40393],
    ['$getField non-string field', { $getField: { field: 1, input: '$o' } }, 5654602],
    ['$setField non-object input', { $setField: { field: 'a', input: 1, value: 1 } }, 4161105],
  ];
  for (const [name, expr, code, message] of cases) {
    test(name, () => assertCode(() => evaluateExpression(expr, doc), code, message));
  }
});
