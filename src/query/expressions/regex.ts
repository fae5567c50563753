import { bsonTypeOf } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { compileRegex, type CompiledRegex, type RegexMatch } from '../regex/index.js';
import { namedArgs } from './args.js';
import { approximateSize, MAX_EXPRESSION_VALUE_BYTES, valueTooLarge } from './memory_limits.js';
import type { Evaluator, OperatorTable, ParseContext, Scope } from './types.js';
import { int32, isNullish, typeName } from './values.js';

/**
 * Regular-expression operators (https://www.mongodb.com/docs/manual/reference/operator/aggregation/regexMatch/):
 * $regexMatch, $regexFind and $regexFindAll, matched in linear time by query/regex (PCRE syntax and options as
 * mongod reads them). Match positions are code-point indexes.
 */

function compileOperatorRegex(pattern: string, options: string, opName: string): CompiledRegex {
  return compileRegex(pattern, options, opName, (reason) => new MongoServerError(51111, `Invalid Regex in ${opName}: ${reason}`));
}

type RegexState = { input: string; re: CompiledRegex } | null;

function regexOperator(finish: (state: RegexState) => unknown) {
  return (arg: unknown, ctx: ParseContext, name: string): Evaluator => {
    const args = namedArgs(arg, ['input', 'regex', 'options'], {
      notObject: [51103, `${name} expects an object of named arguments but found: ${typeName(arg)}`],
      unknown: [31024, `${name} found an unknown argument: `],
      required: {
        input: [31022, `${name} requires 'input' parameter`],
        regex: [31023, `${name} requires 'regex' parameter`],
      },
    });
    const inputEv = ctx.parse(args.input);
    const regexEv = ctx.parse(args.regex);
    const optionsEv = 'options' in args ? ctx.parse(args.options) : undefined;
    return (scope: Scope) => {
      const input = inputEv(scope);
      const regex = regexEv(scope);
      const options = optionsEv ? optionsEv(scope) : null;
      if (!isNullish(input) && typeof input !== 'string') {
        throw new MongoServerError(51104, `${name} needs 'input' to be of type string`);
      }
      const rt = isNullish(regex) ? 'null' : bsonTypeOf(regex);
      if (rt !== 'null' && rt !== 'string' && rt !== 'regex') {
        throw new MongoServerError(51105, `${name} needs 'regex' to be of type string or regex`);
      }
      if (!isNullish(options) && typeof options !== 'string') {
        throw new MongoServerError(51106, `${name} needs 'options' to be of type string`);
      }
      let pattern: string | null = null;
      let flags = '';
      if (rt === 'regex') {
        const r = regex as { source?: string; flags?: string; pattern?: string; options?: string };
        pattern = r.source ?? r.pattern ?? '';
        const own = r instanceof RegExp ? r.flags.replace(/[gyd]/g, '') : (r.options ?? '');
        if (own.length > 0 && !isNullish(options)) {
          throw new MongoServerError(51107, `${name}: found regex option(s) specified in both 'regex' and 'option' fields`);
        }
        flags = own;
      } else if (rt === 'string') {
        pattern = regex as string;
      }
      if (typeof options === 'string') flags = options;
      if (pattern !== null && pattern.includes('\0')) {
        throw new MongoServerError(51109, `${name}: regular expression cannot contain an embedded null byte`);
      }
      if (flags.includes('\0')) {
        throw new MongoServerError(51110, `${name}: regular expression options cannot contain an embedded null byte`);
      }
      const re = pattern === null ? null : compileOperatorRegex(pattern, flags, name);
      if (re === null || typeof input !== 'string') return finish(null);
      return finish({ input, re });
    };
  };
}

/** A match as the operators return it; `idx` is its offset in code points, as mongod counts it. */
function matchDocument(m: RegexMatch, idx: number): Record<string, unknown> {
  return {
    match: m.match,
    idx: int32(idx),
    captures: [...m.captures],
  };
}

function codePoints(s: string, from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k);
    if (c < 0xd800 || c > 0xdbff || k + 1 >= to) n++;
  }
  return n;
}

const regexMatch = regexOperator((state) => (state ? state.re.test(state.input) : false));

const regexFind = regexOperator((state) => {
  if (!state) return null;
  const m = state.re.exec(state.input, 0);
  return m ? matchDocument(m, codePoints(state.input, 0, m.index)) : null;
});

/**
 * All matches, as mongod's loop finds them: each search starts where the last match ended (one code point further
 * after an empty match), and the loop stops once that start reaches the end of the input, so an input whose last
 * match ends at its end gets no trailing empty match.
 */
const regexFindAll = regexOperator((state) => {
  if (!state) return [];
  const { input, re } = state;
  const out: Record<string, unknown>[] = [];
  // An empty match at every character turns a long string into that many match documents.
  let size = 0;
  // Code points are counted from the previous match on, so a string with many matches is read once.
  let counted = 0;
  let idx = 0;
  let from = 0;
  do {
    const m = re.exec(input, from);
    if (!m) break;
    idx += codePoints(input, counted, m.index);
    counted = m.index;
    const match = matchDocument(m, idx);
    size += approximateSize(match);
    if (size > MAX_EXPRESSION_VALUE_BYTES) throw valueTooLarge('$regexFindAll', size, MAX_EXPRESSION_VALUE_BYTES);
    out.push(match);
    if (m.end > m.index) {
      from = m.end;
    } else {
      if (m.index >= input.length) break;
      const cp = input.codePointAt(m.index)!;
      from = m.index + (cp > 0xffff ? 2 : 1);
    }
  } while (from < input.length);
  return out;
});

export const regexOperators: OperatorTable = {
  $regexFind: regexFind,
  $regexFindAll: regexFindAll,
  $regexMatch: regexMatch,
};
