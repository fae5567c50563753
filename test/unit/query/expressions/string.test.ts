import { describe, test } from 'node:test';
import { Double, Int32, Long } from '../../../../src/bson/index.js';
import { evaluateExpression } from '../../../../src/query/expressions/index.js';
import { assertBson, assertCode } from './helpers.js';

const doc = { s: 'Hello World', e: 'héllo', emoji: 'a😀b', n: null, num: new Int32(42), d: new Date('2021-03-04T05:06:07.089Z') };

describe('string operators', () => {
  const cases: [string, unknown, unknown][] = [
    ['$concat', { $concat: ['$s', '!', ''] }, 'Hello World!'],
    ['$concat with null', { $concat: ['a', '$n'] }, null],
    ['$concat with missing', { $concat: ['a', '$missing'] }, null],
    ['$toLower ASCII only', { $toLower: 'ÀBC' }, 'Àbc'],
    ['$toUpper', { $toUpper: '$s' }, 'HELLO WORLD'],
    ['$toUpper of null is empty', { $toUpper: '$n' }, ''],
    ['$toLower of a number', { $toLower: '$num' }, '42'],
    ['$substr', { $substr: ['$s', 0, 5] }, 'Hello'],
    ['$substrBytes negative length is rest', { $substrBytes: ['$s', 6, -1] }, 'World'],
    ['$substrBytes past the end', { $substrBytes: ['$s', 50, 2] }, ''],
    ['$substrBytes multi-byte', { $substrBytes: ['$e', 1, 2] }, 'é'],
    ['$substrBytes of a date', { $substrBytes: ['$d', 0, 4] }, '2021'],
    ['$substrCP', { $substrCP: ['$emoji', 1, 1] }, '😀'],
    ['$strLenCP', { $strLenCP: '$emoji' }, new Int32(3)],
    ['$strLenBytes', { $strLenBytes: '$emoji' }, new Int32(6)],
    ['$split', { $split: ['a,b,,c', ','] }, ['a', 'b', '', 'c']],
    ['$split null', { $split: ['$n', ','] }, null],
    ['$trim default whitespace', { $trim: { input: '  \t x y \n' } }, 'x y'],
    ['$ltrim chars', { $ltrim: { input: 'xxabcxx', chars: 'x' } }, 'abcxx'],
    ['$rtrim chars', { $rtrim: { input: 'xxabcxy', chars: 'yx' } }, 'xxabc'],
    ['$trim null input', { $trim: { input: '$n' } }, null],
    ['$indexOfCP', { $indexOfCP: ['$emoji', 'b'] }, new Int32(2)],
    ['$indexOfCP not found', { $indexOfCP: ['$s', 'z'] }, new Int32(-1)],
    ['$indexOfCP with start', { $indexOfCP: ['$s', 'o', 5] }, new Int32(7)],
    ['$indexOfCP null string', { $indexOfCP: ['$n', 'a'] }, null],
    ['$indexOfBytes', { $indexOfBytes: ['$emoji', 'b'] }, new Int32(5)],
    ['$strcasecmp equal', { $strcasecmp: ['abc', 'ABC'] }, new Int32(0)],
    ['$strcasecmp less', { $strcasecmp: ['abc', 'ABD'] }, new Int32(-1)],
    ['$regexMatch', { $regexMatch: { input: '$s', regex: '^hello', options: 'i' } }, true],
    ['$regexMatch with a regex value', { $regexMatch: { input: '$s', regex: /world$/i } }, true],
    ['$regexMatch null input', { $regexMatch: { input: '$n', regex: 'a' } }, false],
    ['$regexMatch extended', { $regexMatch: { input: 'abc', regex: 'a b  c # comment', options: 'x' } }, true],
    ['$regexFind', { $regexFind: { input: 'a1b22', regex: '(\\d+)' } }, { match: '1', idx: new Int32(1), captures: ['1'] }],
    ['$regexFind no match', { $regexFind: { input: 'abc', regex: '\\d' } }, null],
    [
      '$regexFindAll',
      { $regexFindAll: { input: 'a1b22', regex: '\\d+' } },
      [{ match: '1', idx: new Int32(1), captures: [] }, { match: '22', idx: new Int32(3), captures: [] }],
    ],
    ['$replaceOne', { $replaceOne: { input: 'a.b.c', find: '.', replacement: '-' } }, 'a-b.c'],
    ['$replaceAll', { $replaceAll: { input: 'a.b.c', find: '.', replacement: { $literal: '$&' } } }, 'a$&b$&c'],
    ['$replaceAll null find', { $replaceAll: { input: 'abc', find: null, replacement: 'x' } }, null],
  ];
  for (const [name, expr, expected] of cases) {
    test(name, () => assertBson(evaluateExpression(expr, doc), expected));
  }
});

describe('string operator errors', () => {
  const cases: [string, unknown, number, string?][] = [
    ['$concat non-string', { $concat: ['a', 1] }, 16702, '$concat only supports strings, not int'],
    ['$substrBytes continuation byte start', { $substrBytes: ['$e', 2, 1] }, 28656, '$substrBytes:  Invalid range, starting index is a UTF-8 continuation byte.'],
    ['$substrBytes splits a character', { $substrBytes: ['$e', 0, 2] }, 28657],
    ['$substrBytes string index', { $substrBytes: ['$s', 'a', 1] }, 16034, '$substrBytes:  starting index must be a numeric type (is BSON type string)'],
    ['$substrBytes negative start', { $substrBytes: ['$s', -1, 1] }, 50752],
    ['$substrCP negative length', { $substrCP: ['$s', 0, -1] }, 34454, '$substrCP: length must be a nonnegative integer.'],
    ['$substrCP fractional start', { $substrCP: ['$s', new Double(1.5), 1] }, 34451],
    ['$strLenCP of a number', { $strLenCP: 1 }, 34471, '$strLenCP requires a string argument, found: int'],
    ['$strLenBytes of missing', { $strLenBytes: '$missing' }, 34473, '$strLenBytes requires a string argument, found: missing'],
    ['$split empty separator', { $split: ['abc', ''] }, 40087, '$split requires a non-empty separator'],
    ['$split non-string', { $split: [1, ','] }, 40085],
    ['$trim non-string input', { $trim: { input: 1 } }, 50699, '$trim requires its input to be a string, got 1 (of type int) instead.'],
    ['$indexOfCP negative start', { $indexOfCP: ['abc', 'b', -1] }, 40097],
    ['$indexOfCP non-string token', { $indexOfCP: ['abc', 1] }, 40094],
    ['$regexMatch bad option', { $regexMatch: { input: 'a', regex: 'a', options: 'z' } }, 51108],
    ['$regexMatch non-string input', { $regexMatch: { input: 1, regex: 'a' } }, 51104],
    ['$regexMatch options twice', { $regexMatch: { input: 'a', regex: /a/i, options: 'i' } }, 51107],
    ['$replaceOne non-string input', { $replaceOne: { input: 1, find: 'a', replacement: 'b' } }, 51746, "$replaceOne requires that 'input' be a string, found: 1"],
    ['$replaceAll regex find', { $replaceAll: { input: 'a', find: /a/, replacement: 'b' } }, 51745],
  ];
  for (const [name, expr, code, message] of cases) {
    test(name, () => assertCode(() => evaluateExpression(expr, doc), code, message));
  }

  test('parse errors of named-argument operators', () => {
    assertCode(() => evaluateExpression({ $regexMatch: { regex: 'a' } }, doc), 31022, "$regexMatch requires 'input' parameter");
    assertCode(() => evaluateExpression({ $replaceOne: { input: 'a', find: 'a' } }, doc), 51747);
    assertCode(() => evaluateExpression({ $trim: 'x' }, doc), 50696, '$trim only supports an object as an argument, found string');
  });

  test('numbers keep long form in $toLower', () => {
    assertBson(evaluateExpression({ $toLower: Long.fromNumber(5) }, {}), '5');
  });
});
