/**
 * query/regex: mongod's PCRE syntax and options on a linear-time engine. Which constructs translate, which are
 * refused and with which codes, and the positions $regexFind and $regexFindAll report.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Int32 } from 'bson';
import { MongoServerError } from '../../../../src/errors/index.js';
import { compileFilter } from '../../../../src/query/filter/index.js';
import { evaluateExpression } from '../../../../src/query/expressions/index.js';
import { compileRegex } from '../../../../src/query/regex/index.js';
import { literalRegExp } from '../../../../src/query/regex/literal.js';
import { assertBson } from '../expressions/helpers.js';

const invalid = (reason: string) => new MongoServerError(51091, reason);

function firstMatch(pattern: string, options: string, input: string): string | null {
  return compileRegex(pattern, options, '', invalid).exec(input, 0)?.match ?? null;
}

function assertCode(fn: () => unknown, code: number, message: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof MongoServerError, `expected a MongoServerError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

describe('options', () => {
  const cases: [pattern: string, options: string, input: string, match: string | null][] = [
    ['AB', 'i', 'xab', 'ab'],
    ['é', 'i', 'É', 'É'],
    ['^b', '', 'a\nb', null],
    ['^b', 'm', 'a\nb', 'b'],
    ['a$', 'm', 'a\nb', 'a'],
    ['a.c', '', 'a\nc', null],
    ['a.c', 's', 'a\nc', 'a\nc'],
    ['a b # comment\n c', 'x', 'abc', 'abc'],
    ['a[ ]b', 'x', 'a b', 'a b'],
    ['a\\ b', 'x', 'a b', 'a b'],
    ['a\\#b', 'x', 'a#b', 'a#b'],
    ['a +', 'x', 'aaa', 'aaa'],
    ['x', 'u', 'x', 'x'],
    ['(?i)ab', '', 'AB', 'AB'],
    ['a(?i)b|c', '', 'aB', 'aB'],
    ['(?i:a)b', '', 'Ab', 'Ab'],
    ['(?i:a)b', '', 'AB', null],
    ['(?-i)a', 'i', 'A', null],
    ['(?^)a', 'i', 'A', null],
    ['(?x) a b (?-x) c', '', 'ab c', 'ab c'],
    ['(?x: a b ) c', '', 'ab c', 'ab c'],
    ['(?xx)[a b]+', '', 'ab ', 'ab'],
    ['(?s).', '', '\n', '\n'],
    ['(?m)^b', '', 'a\nb', 'b'],
    ['(?U)a+', '', 'aaa', 'a'],
    ['(?n)(a)(?<b>b)', '', 'ab', 'ab'],
  ];
  for (const [pattern, options, input, match] of cases) {
    test(`/${JSON.stringify(pattern)}/${options} on ${JSON.stringify(input)} -> ${JSON.stringify(match)}`, () => {
      assert.equal(firstMatch(pattern, options, input), match);
    });
  }

  test('an invalid option is 51108, prefixed with the operator as mongod does', () => {
    assertCode(() => compileFilter({ a: { $regex: 'x', $options: 'ig' } }), 51108, ' invalid flag in regex options: g');
    for (const op of ['$regexMatch', '$regexFind', '$regexFindAll']) {
      assertCode(() => evaluateExpression({ [op]: { input: 'a', regex: 'a', options: 'ish' } }, {}), 51108, `${op} invalid flag in regex options: h`);
    }
  });
});

describe('PCRE syntax on RE2', () => {
  const cases: [pattern: string, input: string, match: string | null, note?: string][] = [
    ['a$', 'a\n', 'a', '$ before a final newline; the newline is not part of the match'],
    ['a$', 'a\nb', null],
    ['a\\Z', 'a\n', 'a'],
    ['a\\z', 'a\n', null],
    ['\\Aab', 'xab', null],
    ['\\s', '\v', '\v', 'PCRE2 counts the vertical tab as white space'],
    ['\\s', '\u00a0', null, 'ASCII only, as without UCP'],
    ['[\\S]+', 'ab c', 'ab'],
    ['\\h+', '\t \u00a0x', '\t \u00a0'],
    ['\\v', 'a\u2028', '\u2028', '\\v is vertical white space, not the vertical tab only'],
    ['\\R', 'a\r\nb', '\r\n'],
    ['\\N+', 'ab\ncd', 'ab'],
    ['\\e\\cA\\x41\\x{42}\\101\\o{103}\\0', '\u001b\u0001ABAC\u0000', '\u001b\u0001ABAC\u0000'],
    ['[\\b]', 'a\bb', '\b'],
    ['[\\1]', '\u0001', '\u0001', 'octal in a class'],
    ['\\Q.*\\E+', 'a.**', '.**'],
    ['[]a]+', 'x]a', ']a', 'a leading ] is literal'],
    ['[^]a]', ']ab', 'b'],
    ['a{,3}', 'a{,3}', 'a{,3}', 'not a quantifier: literal'],
    ['x{', 'x{', 'x{'],
    ['a{2,3}', 'aaaa', 'aaa'],
    ['(?#comment)a', 'a', 'a'],
    ['[[:alpha:]]+', '12ab3', 'ab'],
    ['[[:^digit:]]+', '12ab3', 'ab'],
    ['\\p{Greek}+', 'aαβ', 'αβ'],
    ['^.$', '\u{1F600}', '\u{1F600}', 'a code point, as PCRE in UTF mode'],
    ['\\-\\_\\@', '-_@', '-_@'],
    ['\\12', '\n', '\n', '\\12 with fewer than 12 groups is octal'],
    ['a*?b', 'aab', 'aab'],
    ['a|ab', 'ab', 'a', 'the first alternative that matches wins, as in a backtracking engine'],
  ];
  for (const [pattern, input, match, note] of cases) {
    test(`${JSON.stringify(pattern)} on ${JSON.stringify(input)} -> ${JSON.stringify(match)}${note ? ` (${note})` : ''}`, () => {
      assert.equal(firstMatch(pattern, '', input), match);
    });
  }

  test('named groups of every PCRE spelling capture', () => {
    assertBson(evaluateExpression({ $regexFind: { input: 'on 2024-05', regex: "(?<y>\\d{4})-(?P<m>\\d\\d)(?'d'-\\d\\d)?" } }, {}), {
      match: '2024-05',
      idx: new Int32(3),
      captures: ['2024', '05', null],
    });
  });

  test('nested quantifiers over a long input complete (no catastrophic backtracking)', () => {
    const input = `${'a'.repeat(20000)}b`;
    assert.equal(compileFilter({ s: { $regex: '^(a+)+$' } }).matches({ s: input }), false);
    assert.equal(compileFilter({ s: { $regex: '^(a|aa)*c' } }).matches({ s: input }), false);
    assert.equal(compileFilter({ s: { $regex: '(x+x+)+y' } }).matches({ s: 'x'.repeat(20000) }), false);
    assertBson(evaluateExpression({ $regexMatch: { input, regex: '^(a+)+$' } }, {}), false);
  });
});

describe('refused constructs', () => {
  const refused: [pattern: string, construct: RegExp][] = [
    ['(a)\\1', /^a backreference \(\\1\)/],
    ['(?<n>a)\\k<n>', /^a backreference \(\\k<name>\)/],
    ['(a)\\g1', /^a backreference or subroutine call/],
    ['(?P<n>a)(?P=n)', /^a backreference \(\?P=name\)/],
    ['a(?=b)', /^a lookahead assertion \(\?=\.\.\.\)/],
    ['a(?!b)', /^a lookahead assertion \(\?!\.\.\.\)/],
    ['(?<=a)b', /^a lookbehind assertion \(\?<=\.\.\.\)/],
    ['(?<!a)b', /^a lookbehind assertion \(\?<!\.\.\.\)/],
    ['a*+', /^a possessive quantifier/],
    ['a++b', /^a possessive quantifier/],
    ['a?+', /^a possessive quantifier/],
    ['a{1,2}+', /^a possessive quantifier/],
    ['(?>a+)b', /^an atomic group/],
    ['(?|(a)|(b))', /^a branch reset group/],
    ['a(?R)?', /^a recursion or subroutine call/],
    ['(a)(?1)', /^a recursion or subroutine call/],
    ['(?<n>a)(?&n)', /^a recursion or subroutine call/],
    ['(?(1)a|b)', /^a conditional group/],
    ['(*SKIP)a', /^a backtracking control verb/],
    ['a\\Kb', /^\\K/],
    ['\\Ga', /^the \\G anchor/],
    ['\\C', /^\\C/],
    ['\\X', /^\\X/],
    ['(?C1)a', /^a callout/],
    ['a{1001}', /^a repetition count above 1000/],
  ];
  const suffix = ' is not supported: eddydb matches regular expressions in linear time';
  for (const [pattern, construct] of refused) {
    test(`${JSON.stringify(pattern)}: 51091 in a filter, 51111 in the operators`, () => {
      assertCode(() => compileFilter({ a: { $regex: pattern } }), 51091, new RegExp(`^Regular expression is invalid: ${construct.source.slice(1)}.*${suffix}$`));
      for (const op of ['$regexMatch', '$regexFind', '$regexFindAll']) {
        assertCode(
          () => evaluateExpression({ [op]: { input: 'ab', regex: pattern } }, {}),
          51111,
          new RegExp(`^Invalid Regex in \\${op}: ${construct.source.slice(1)}.*${suffix}$`),
        );
      }
    });
  }

  test('refused in a change stream $match, $pull and $in as well: they compile through the same filter', () => {
    assertCode(() => compileFilter({ 'fullDocument.a': { $in: ['x', /(a)\1/] } }), 51091, /backreference/);
    assertCode(() => compileFilter({ a: { $not: /a(?=b)/ } }), 51091, /lookahead/);
  });
});

describe('invalid patterns', () => {
  const cases: [pattern: string, reason: RegExp][] = [
    ['[a', /^missing terminating \] for character class$/],
    ['(', /missing closing \)/],
    ['a)', /unexpected \)/],
    ['*a', /missing argument to repetition operator/],
    ['a**', /invalid nested repetition operator/],
    ['\\i', /^unrecognized character follows \\/],
    ['a\\', /^\\ at end of pattern$/],
    ['a{3,2}', /^numbers out of order in \{\} quantifier$/],
    ['a{70000}', /^number too big in \{\} quantifier$/],
    ['(?z)', /^unrecognized character after \(\? or \(\?-$/],
    ['(?<1a>x)', /^subpattern name must start with a non-digit$/],
    ['\\x{110000}', /^character code point value in \\x\{\} or \\o\{\} is too large$/],
    ['\\p{NoSuchScript}', /invalid character class range/],
  ];
  for (const [pattern, reason] of cases) {
    test(`${JSON.stringify(pattern)}: 51091 / 51111`, () => {
      assertCode(() => compileFilter({ a: { $regex: pattern } }), 51091, new RegExp(`^Regular expression is invalid: ${reason.source.replace(/^\^/, '')}`));
      assertCode(() => evaluateExpression({ $regexFind: { input: 'a', regex: pattern } }, {}), 51111, /^Invalid Regex in \$regexFind: /);
    });
  }

  test('embedded null bytes: BadValue in a filter, 51109 and 51110 in the operators', () => {
    assertCode(() => compileFilter({ a: { $regex: 'a\0b' } }), 2, 'Regular expression cannot contain an embedded null byte');
    assertCode(() => evaluateExpression({ $regexMatch: { input: 'a', regex: 'a\0' } }, {}), 51109, '$regexMatch: regular expression cannot contain an embedded null byte');
    assertCode(
      () => evaluateExpression({ $regexFind: { input: 'a', regex: 'a', options: 'i\0' } }, {}),
      51110,
      '$regexFind: regular expression options cannot contain an embedded null byte',
    );
  });
});

describe('$regexFind and $regexFindAll positions', () => {
  const all = (input: string, regex: string, options = '') => evaluateExpression({ $regexFindAll: { input, regex, options } }, {});
  const m = (match: string, idx: number, captures: (string | null)[] = []) => ({ match, idx: new Int32(idx), captures });

  test('idx counts code points', () => {
    assertBson(all('😀a😀a', 'a'), [m('a', 1), m('a', 3)]);
  });
  test('an empty match moves one code point on; none is reported at the end after a match that reaches it', () => {
    assertBson(all('baa', 'a*'), [m('', 0), m('aa', 1)]);
    assertBson(all('b😀', 'x*'), [m('', 0), m('', 1)]);
    assertBson(all('', 'x*'), [m('', 0)]);
  });
  test('matches do not overlap, and ^ holds only at the start of the input', () => {
    assertBson(all('aaaa', 'aa'), [m('aa', 0), m('aa', 2)]);
    assertBson(all('aaa', '^a'), [m('a', 0)]);
    assertBson(all('a\na', '^a', 'm'), [m('a', 0), m('a', 2)]);
  });
  test('unused groups capture null', () => {
    assertBson(all('ab', '(a)|(b)'), [m('a', 0, ['a', null]), m('b', 1, [null, 'b'])]);
  });
  test('a $ at a final newline leaves the newline out of the match and its captures', () => {
    assertBson(all('xa\n', '(a$)'), [m('a', 1, ['a'])]);
    assertBson(evaluateExpression({ $regexFind: { input: 'a\n', regex: 'a(\\s*?)$' } }, {}), m('a', 0, ['']));
  });
});

describe('literal patterns run on V8', () => {
  const literals = ['abc', '^abc', 'abc$', '^abc$', 'a\\.b', 'user@example\\.com', 'x y', '', 'é'];
  const inputs = ['abc', 'xabc', 'abcx', 'abc\n', 'abc\nx', 'ABC', 'a.b', 'axb', 'x y', 'user@example.com', 'É', '\n'];
  for (const pattern of literals) {
    for (const options of ['', 'i']) {
      test(`/${pattern}/${options} agrees with RE2`, () => {
        assert.notEqual(literalRegExp(pattern, options), null);
        const viaV8 = compileRegex(pattern, options, '', invalid);
        // The same pattern inside a group is not a literal, so it runs on RE2.
        const viaRe2 = compileRegex(`(?:${pattern})`, options, '', invalid);
        for (const input of inputs) assert.equal(viaV8.test(input), viaRe2.test(input), JSON.stringify(input));
      });
    }
  }
  test('anything else is not a literal', () => {
    for (const pattern of ['a+', 'a|b', '(a)', '[a]', 'a.b', '\\d', 'a{2}', 'a^', '$a', 'a#b']) assert.equal(literalRegExp(pattern, ''), null, pattern);
    assert.equal(literalRegExp('^a', 'm'), null);
    assert.equal(literalRegExp('a', 'x'), null);
  });
});

test('compiled patterns are cached by pattern and options', () => {
  assert.equal(compileRegex('ca(c)he', 'i', '', invalid), compileRegex('ca(c)he', 'i', '', invalid));
  assert.notEqual(compileRegex('ca(c)he', 'i', '', invalid), compileRegex('ca(c)he', '', '', invalid));
});
