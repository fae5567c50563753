import { bsonTypeOf } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { namedArgs } from './args.js';
import type { Evaluator, OperatorTable, ParseContext, Scope } from './types.js';
import { int32, isNullish, typeName } from './values.js';

/**
 * Regular-expression operators (https://www.mongodb.com/docs/manual/reference/operator/aggregation/regexMatch/):
 * $regexMatch, $regexFind and $regexFindAll on JS regular expressions. Options i, m, s map to JS flags; x is
 * emulated by stripping whitespace and # comments; u is implied. Match positions are code-point indexes.
 */

/** Regex options mongod accepts ($regexMatch and friends); x is emulated by stripping whitespace and comments. */
function toJsRegExp(pattern: string, options: string, opName: string): RegExp {
  let flags = '';
  let extended = false;
  for (const f of options) {
    if (f === 'i' || f === 'm' || f === 's') {
      if (!flags.includes(f)) flags += f;
    } else if (f === 'x') {
      extended = true;
    } else if (f !== 'u') {
      throw new MongoServerError(51108, `${opName} invalid flag in regex options: ${f}`);
    }
  }
  const source = extended ? stripExtended(pattern) : pattern;
  try {
    return new RegExp(source, `${flags}gu`);
  } catch {
    try {
      return new RegExp(source, `${flags}g`);
    } catch (err) {
      throw new MongoServerError(51111, `Invalid Regex in ${opName}: ${(err as Error).message}`);
    }
  }
}

function stripExtended(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      out += c + (pattern[i + 1] ?? '');
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      out += c;
    } else if (c === '#') {
      while (i < pattern.length && pattern[i] !== '\n') i++;
    } else if (!/\s/.test(c)) {
      out += c;
    }
  }
  return out;
}

type RegexState = { input: string; re: RegExp } | null;

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
      const re = pattern === null ? null : toJsRegExp(pattern, flags, name);
      if (re === null || typeof input !== 'string') return finish(null);
      return finish({ input, re });
    };
  };
}

function matchDocument(m: RegExpExecArray, input: string): Record<string, unknown> {
  return {
    match: m[0],
    idx: int32(Array.from(input.slice(0, m.index)).length),
    captures: m.slice(1).map((c) => (c === undefined ? null : c)),
  };
}

const regexMatch = regexOperator((state) => {
  if (!state) return false;
  state.re.lastIndex = 0;
  return state.re.test(state.input);
});

const regexFind = regexOperator((state) => {
  if (!state) return null;
  state.re.lastIndex = 0;
  const m = state.re.exec(state.input);
  return m ? matchDocument(m, state.input) : null;
});

const regexFindAll = regexOperator((state) => {
  if (!state) return [];
  const out: Record<string, unknown>[] = [];
  state.re.lastIndex = 0;
  for (;;) {
    const m = state.re.exec(state.input);
    if (!m) break;
    out.push(matchDocument(m, state.input));
    if (m[0].length === 0) {
      // An empty match advances one code point, so the scan terminates.
      const cp = state.input.codePointAt(state.re.lastIndex);
      state.re.lastIndex += cp !== undefined && cp > 0xffff ? 2 : 1;
    }
    if (state.re.lastIndex > state.input.length) break;
  }
  return out;
});

export const regexOperators: OperatorTable = {
  $regexFind: regexFind,
  $regexFindAll: regexFindAll,
  $regexMatch: regexMatch,
};
