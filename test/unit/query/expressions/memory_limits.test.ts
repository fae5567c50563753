import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Int32 } from '../../../../src/bson/index.js';
import { evaluateExpression } from '../../../../src/query/expressions/index.js';
import { approximateSize, BUF_BUILDER_MAX_SIZE } from '../../../../src/query/expressions/memory_limits.js';
import { compilePipeline } from '../../../../src/query/pipeline/index.js';
import { assertBson, assertCode } from './helpers.js';

/**
 * The limits on values that expressions and accumulators build. Each test asks for a value past a limit from a
 * small input and expects mongod's code and message; the inputs share their big parts (one string referenced many
 * times), so the tests themselves stay small.
 */

const MiB = 1024 * 1024;
const LIMIT = 100 * MiB;
const ExceededMemoryLimit = 146;

const eval1 = (expr: unknown, doc: Record<string, unknown> = {}): unknown => evaluateExpression(expr, doc);
const group = (accumulator: string, docs: Record<string, unknown>[]): Record<string, unknown>[] =>
  compilePipeline([{ $group: { _id: null, out: { [accumulator]: '$s' } } }]).run(docs);

describe('$range', () => {
  test('a result past internalQueryMaxRangeBytes is refused before it is built', () => {
    // mongod's estimate: 24 bytes of vector and 16 per element, for 1 + (end - start) / step elements.
    assertCode(() => eval1({ $range: [0, 1e9] }), ExceededMemoryLimit,
      `$range would use too much memory (${24 + 1000000001 * 16} bytes) and cannot spill to disk. Memory limit: ${LIMIT} bytes`);
    assertCode(() => eval1({ $range: [0, -2e9, -1] }), ExceededMemoryLimit, /^\$range would use too much memory \(32000000040 bytes\)/);
  });

  test('a result just under the limit is built, and an empty range costs nothing', () => {
    const under = Math.floor((LIMIT - 24) / 16) - 2;
    assert.equal((eval1({ $range: [0, under] }) as unknown[]).length, under);
    assertCode(() => eval1({ $range: [0, under + 2] }), ExceededMemoryLimit);
    assertBson(eval1({ $range: [5, 7, -1] }), []);
    assertBson(eval1({ $range: [0, 2e9, 1e9] }), [0, 1e9]);
  });
});

describe('$map and $reduce', () => {
  const big = 'x'.repeat(MiB);

  test('$map stops when its results pass internalQueryMaxMapFilterReduceBytes', () => {
    assertCode(() => eval1({ $map: { input: { $range: [0, 200] }, in: '$big' } }, { big }), ExceededMemoryLimit,
      '$map would use too much memory and cannot spill');
    assert.equal((eval1({ $map: { input: { $range: [0, 90] }, in: '$big' } }, { big }) as unknown[]).length, 90);
  });

  test('$reduce stops when its value passes the limit: a document merged one field per step', () => {
    const field = { $arrayToObject: [[[{ $toString: '$$this' }, '$big']]] };
    const expr = { $reduce: { input: { $range: [0, 200] }, initialValue: {}, in: { $mergeObjects: ['$$value', field] } } };
    assertCode(() => eval1(expr, { big }), ExceededMemoryLimit, '$reduce would use too much memory and cannot spill');
  });

  test('an array literal nesting the accumulated value stops at the same size', () => {
    const expr = { $reduce: { input: { $range: [0, 200] }, initialValue: [], in: ['$$value', '$big'] } };
    assertCode(() => eval1(expr, { big }), ExceededMemoryLimit, /^an array expression would use too much memory \(\d+ bytes\)/);
  });

  test('$reduce growing an array with $concatArrays stops at the same size, on $concatArrays check', () => {
    const expr = { $reduce: { input: { $range: [0, 200] }, initialValue: [], in: { $concatArrays: ['$$value', ['$big']] } } };
    assertCode(() => eval1(expr, { big }), ExceededMemoryLimit, /^\$concatArrays would use too much memory/);
  });

  test('$reduce stops a string that doubles at each step with the string builder limit', () => {
    const expr = { $reduce: { input: { $range: [0, 40] }, initialValue: 'ab', in: { $concat: ['$$value', '$$value'] } } };
    assertCode(() => eval1(expr), 13548, /^BufBuilder attempted to grow\(\) to \d+ bytes, past the 125MB limit\.$/);
  });

  test('$reduce stops a string grown by appending before the string builder limit', () => {
    const expr = { $reduce: { input: { $range: [0, 200] }, initialValue: '', in: { $concat: ['$$value', '$big'] } } };
    assertCode(() => eval1(expr, { big }), ExceededMemoryLimit, '$reduce would use too much memory and cannot spill');
  });

  test('$reduce nesting its value one level per step stops with Overflow, as mongod', () => {
    const nest = (n: number): unknown => ({ $reduce: { input: { $range: [0, n] }, initialValue: [], in: ['$$value'] } });
    assertCode(() => eval1(nest(100_000)), 15, '$reduce accumulated value exceeded max allowable BSON depth');
    let v = eval1(nest(300));
    let depth = 0;
    while (Array.isArray(v) && v.length > 0) [v, depth] = [v[0], depth + 1];
    assert.equal(depth, 300);
  });

  test('$reduce that keeps one big value costs one measure per step, and succeeds', () => {
    const expr = { $reduce: { input: { $range: [0, 1000] }, initialValue: '$arr', in: '$$value' } };
    const arr = Array.from({ length: 10_000 }, (_, n) => new Int32(n));
    assert.equal(eval1(expr, { arr }), arr);
  });
});

describe('$concatArrays, $zip and $split', () => {
  test('$concatArrays that doubles one array at each level is refused before copying', () => {
    const arr = Array.from({ length: 1_000_000 }, () => null);
    let expr: unknown = '$arr';
    for (let level = 0; level < 8; level++) expr = { $let: { vars: { a: expr }, in: { $concatArrays: ['$$a', '$$a'] } } };
    assertCode(() => eval1(expr, { arr }), ExceededMemoryLimit,
      /^\$concatArrays would use too much memory \(\d+ bytes\) and cannot spill to disk\. Memory limit: 104857600 bytes$/);
    assertBson(eval1({ $concatArrays: [[1], [2, 3]] }), [1, 2, 3]);
  });

  test('$zip with many rows is refused before they are built', () => {
    const arr = Array.from({ length: 1_000_000 }, () => null);
    assertCode(() => eval1({ $zip: { inputs: ['$arr', '$arr', '$arr', '$arr', '$arr'] } }, { arr }), ExceededMemoryLimit, /^\$zip would use too much memory/);
    assertBson(eval1({ $zip: { inputs: [[1, 2], ['a', 'b']] } }), [[1, 'a'], [2, 'b']]);
  });

  test('$split of a string of separators into millions of elements is refused', () => {
    const s = ','.repeat(10 * MiB);
    assertCode(() => eval1({ $split: ['$s', ','] }, { s }), ExceededMemoryLimit, /^\$split would use too much memory/);
    assertBson(eval1({ $split: ['a,b', ','] }), ['a', 'b']);
  });
});

describe('values shared by reference', () => {
  test('object literals doubling a variable under $let are refused before the value is written out', () => {
    let expr: unknown = '$s';
    for (let level = 0; level < 40; level++) expr = { $let: { vars: { a: expr }, in: { x: '$$a', y: '$$a' } } };
    assertCode(() => eval1(expr, { s: 'abc' }), ExceededMemoryLimit, /^an object expression would use too much memory \(\d+ bytes\)/);
  });

  test('a projection computing $$ROOT many times is refused', () => {
    const big = 'z'.repeat(MiB);
    const fields = Object.fromEntries(Array.from({ length: 150 }, (_, n) => [`f${n}`, '$$ROOT']));
    assertCode(() => compilePipeline([{ $project: fields }]).run([{ big }]), ExceededMemoryLimit,
      /^computed fields would use too much memory \(\d+ bytes\) and cannot spill to disk\. Memory limit: 104857600 bytes$/);
    assert.equal(Object.keys(compilePipeline([{ $project: { a: '$$ROOT', b: '$$ROOT' } }]).run([{ big }])[0]!).length, 2);
  });

  test('$regexFindAll with an empty match at every character is refused', () => {
    const s = 'a'.repeat(2 * MiB);
    assertCode(() => eval1({ $regexFindAll: { input: '$s', regex: '' } }, { s }), ExceededMemoryLimit, /^\$regexFindAll would use too much memory/);
    assertBson(eval1({ $regexFindAll: { input: '\u00e9a\u00e9a', regex: 'a' } }), [
      { match: 'a', idx: 1, captures: [] },
      { match: 'a', idx: 3, captures: [] },
    ]);
  });
});

describe('strings', () => {
  const big = 'x'.repeat(50 * MiB);

  test('$concat past 125 MiB is mongod string builder error 13548', () => {
    assertCode(() => eval1({ $concat: ['$big', '$big', '$big'] }, { big }), 13548,
      `BufBuilder attempted to grow() to ${150 * MiB} bytes, past the 125MB limit.`);
    assert.equal((eval1({ $concat: ['$big', '$big'] }, { big }) as string).length, 100 * MiB);
  });

  test('$concat counts UTF-8 bytes near the limit', () => {
    const wide = '\u00e9'.repeat(32 * MiB); // two UTF-8 bytes per character
    assertCode(() => eval1({ $concat: ['$wide', '$wide'] }, { wide }), 13548, `BufBuilder attempted to grow() to ${128 * MiB} bytes, past the 125MB limit.`);
  });

  test('$replaceAll is measured before it is built', () => {
    const input = 'a'.repeat(MiB);
    const replacement = 'b'.repeat(1000);
    assertCode(() => eval1({ $replaceAll: { input: '$input', find: 'a', replacement: '$replacement' } }, { input, replacement }), 13548,
      `BufBuilder attempted to grow() to ${1000 * MiB} bytes, past the 125MB limit.`);
    assertCode(() => eval1({ $replaceAll: { input: '$input', find: '', replacement: '$replacement' } }, { input, replacement }), 13548);
  });

  test('$replaceAll with an empty find puts the replacement around every character, as mongod', () => {
    assertBson(eval1({ $replaceAll: { input: 'ab', find: '', replacement: '-' } }), '-a-b-');
    assertBson(eval1({ $replaceOne: { input: 'ab', find: '', replacement: '-' } }), '-ab');
  });

  test('the string builder limit is mongod BufferMaxSize', () => {
    assert.equal(BUF_BUILDER_MAX_SIZE, 125 * MiB);
  });
});

describe('$group accumulators', () => {
  const s = 'y'.repeat(MiB);

  test('$push past internalQueryMaxPushBytes is ExceededMemoryLimit with mongod message', () => {
    const docs = Array.from({ length: 120 }, () => ({ s }));
    assertCode(() => group('$push', docs), ExceededMemoryLimit, `$push used too much memory and cannot spill to disk. Memory limit: ${LIMIT} bytes`);
    assert.equal((group('$push', docs.slice(0, 90))[0]!.out as unknown[]).length, 90);
  });

  test('$addToSet counts distinct values only', () => {
    const distinct = Array.from({ length: 120 }, (_, n) => ({ s: `${n}${s}` }));
    assertCode(() => group('$addToSet', distinct), ExceededMemoryLimit,
      /^\$addToSet used too much memory and cannot spill to disk\. Used: \d+ bytes\. Memory limit: 104857600 bytes$/);
    const same = Array.from({ length: 120 }, () => ({ s }));
    assert.equal((group('$addToSet', same)[0]!.out as unknown[]).length, 1);
  });
});

describe('approximateSize', () => {
  test('counts values as mongod does, roughly: 16 per value plus contents', () => {
    assert.equal(approximateSize(new Int32(1)), 16);
    assert.equal(approximateSize('abcd'), 20);
    assert.equal(approximateSize([1, 2]), 16 + 24 + 32);
    assert.ok(approximateSize({ a: 'x'.repeat(1000) }) > 1000);
  });

  test('a large array is measured once', () => {
    const arr: unknown[] = ['x'.repeat(5000)];
    const first = approximateSize(arr);
    arr.push('x'.repeat(1000));
    assert.equal(approximateSize(arr), first, 'the remembered size is used');
  });
});
