import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Int32 } from '../../../../src/bson/index.js';
import { evaluateExpression } from '../../../../src/query/expressions/index.js';
import { prng } from '../../../helpers/random.js';

/**
 * $indexOfBytes, $indexOfCP, $substrCP and the trims work on the string as it is, not on an array of its bytes or
 * code points (a 100 MB string would be a hundred-million-element array). Checked against the array versions they
 * replaced, on seeded random strings mixing one- to four-byte characters.
 */

const utf8 = new TextEncoder();

function reference(byBytes: boolean, str: string, token: string, start: number, endArg: number | undefined): number {
  const units: readonly (string | number)[] = byBytes ? Array.from(utf8.encode(str)) : Array.from(str);
  const tok: readonly (string | number)[] = byBytes ? Array.from(utf8.encode(token)) : Array.from(token);
  let end = units.length;
  if (endArg !== undefined) end = Math.min(end, endArg);
  if (start === 0 && units.length === 0 && tok.length === 0) return 0;
  for (let i = start; i < end; i++) {
    if (i + tok.length > units.length) break;
    let ok = true;
    for (let j = 0; j < tok.length; j++) {
      if (units[i + j] !== tok[j]) {
        ok = false;
        break;
      }
    }
    if (ok) return i;
  }
  return -1;
}

const ALPHABET = ['a', 'b', ' ', '\u00e9', '\u20ac', '\u{1f600}'];

function referenceTrim(input: string, chars: string | undefined, left: boolean, right: boolean): string {
  const set = chars === undefined ? [' ', '\t', '\n'] : Array.from(chars);
  const cps = Array.from(input);
  let start = 0;
  let end = cps.length;
  if (left) while (start < end && set.includes(cps[start]!)) start++;
  if (right) while (end > start && set.includes(cps[end - 1]!)) end--;
  return cps.slice(start, end).join('');
}

describe('$indexOfBytes and $indexOfCP', () => {
  test('agree with a search over arrays of bytes and code points', () => {
    const random = prng(7);
    const pick = (n: number): string => Array.from({ length: n }, () => ALPHABET[Math.floor(random() * ALPHABET.length)]).join('');
    for (let round = 0; round < 3000; round++) {
      const str = pick(Math.floor(random() * 8));
      const points = Array.from(str);
      const from = Math.floor(random() * (points.length + 1));
      const token = random() < 0.5 ? points.slice(from, from + Math.floor(random() * 4)).join('') : pick(Math.floor(random() * 3));
      const start = Math.floor(random() * 12);
      const endArg = random() < 0.5 ? undefined : Math.floor(random() * 12);
      for (const byBytes of [true, false]) {
        const op = byBytes ? '$indexOfBytes' : '$indexOfCP';
        const args = endArg === undefined ? [str, token, start] : [str, token, start, endArg];
        const got = evaluateExpression({ [op]: args.map((a) => ({ $literal: a })) }, {}) as Int32;
        assert.equal(got.value, reference(byBytes, str, token, start, endArg), `${op} ${JSON.stringify(args)}`);
      }
    }
  });

  test('$substrCP and the trims agree with the array versions', () => {
    const random = prng(11);
    const pick = (n: number): string => Array.from({ length: n }, () => ALPHABET[Math.floor(random() * ALPHABET.length)]).join('');
    for (let round = 0; round < 3000; round++) {
      const str = pick(Math.floor(random() * 8));
      const start = Math.floor(random() * 9);
      const length = Math.floor(random() * 9);
      const got = evaluateExpression({ $substrCP: [{ $literal: str }, start, length] }, {});
      assert.equal(got, Array.from(str).slice(start, start + length).join(''), `$substrCP ${JSON.stringify([str, start, length])}`);
      const chars = random() < 0.3 ? undefined : pick(Math.floor(random() * 3));
      for (const [op, left, right] of [['$trim', true, true], ['$ltrim', true, false], ['$rtrim', false, true]] as const) {
        const spec = chars === undefined ? { input: { $literal: str } } : { input: { $literal: str }, chars: { $literal: chars } };
        assert.equal(evaluateExpression({ [op]: spec }, {}), referenceTrim(str, chars, left, right), `${op} ${JSON.stringify([str, chars])}`);
      }
    }
  });
});
