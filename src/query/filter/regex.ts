import { bsonTypeOf, regexParts } from '../../bson/index.js';
import { MongoServerError, mongoError } from '../../errors/index.js';
import { PathNode } from './node.js';
import type { FieldOperatorParser, MatchNode } from './types.js';

/** The options mongod accepts (pcre_util::flagsToOptions); 'u' is accepted and means nothing more. */
const VALID_FLAGS = 'imsux';

const posixClasses: Readonly<Record<string, string>> = {
  alpha: 'a-zA-Z', digit: '0-9', alnum: 'a-zA-Z0-9', upper: 'A-Z', lower: 'a-z', space: '\\s', blank: ' \\t',
  xdigit: '0-9A-Fa-f', word: '\\w', punct: '!-\\/:-@\\[-`{-~', cntrl: '\\x00-\\x1f\\x7f', print: ' -~',
  graph: '!-~',
};

/**
 * Rewrites the PCRE constructs JS regexes lack into JS equivalents: a leading `(?imsx)` option group, the `x`
 * (extended) option's ignored whitespace and `#` comments, `\A` `\z` `\Z`, POSIX classes like `[[:alpha:]]` and
 * Python-style named groups `(?P<n>...)`/`(?P=n)`. Everything else is passed through; what JS cannot parse is
 * reported as an invalid regular expression.
 */
function translatePcre(pattern: string, flags: string): { source: string; flags: string } {
  let src = pattern;
  let options = flags;
  const inline = /^\(\?([imsx]+)\)/.exec(src);
  if (inline) {
    options += inline[1];
    src = src.slice(inline[0].length);
  }
  const extended = options.includes('x');
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) {
        out += c;
        break;
      }
      i++;
      if (!inClass && n === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && n === 'z') out += '(?![\\s\\S])';
      else if (!inClass && n === 'Z') out += '(?=\\n?(?![\\s\\S]))';
      else out += c + n;
      continue;
    }
    if (inClass) {
      const posix = c === '[' ? /^\[:(\^?)([a-z]+):\]/.exec(src.slice(i)) : null;
      if (posix && posixClasses[posix[2]!] !== undefined && posix[1] === '') {
        out += posixClasses[posix[2]!];
        i += posix[0].length - 1;
        continue;
      }
      if (c === ']') inClass = false;
      out += c === '[' ? '\\[' : c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (src[i + 1] === '^') {
        out += '^';
        i++;
      }
      // PCRE reads a ']' right after the opening bracket as a literal.
      if (src[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (extended && /\s/.test(c)) continue;
    if (extended && c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '(' && src.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    const backref = c === '(' ? /^\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/.exec(src.slice(i)) : null;
    if (backref) {
      out += `\\k<${backref[1]}>`;
      i += backref[0].length - 1;
      continue;
    }
    out += c;
  }
  const js = (options.includes('i') ? 'i' : '') + (options.includes('m') ? 'm' : '') + (options.includes('s') ? 's' : '');
  return { source: out, flags: js };
}

/**
 * Compiles a MongoDB regex (PCRE pattern + options) to a JS RegExp, validating as mongod does.
 *
 * @throws MongoServerError Location51108 " invalid flag in regex options: <c>" for an option outside `imsux`;
 *   BadValue for an embedded null byte; Location51091 "Regular expression is invalid: ..." when it does not compile.
 */
export function compileRegex(pattern: string, flags: string): RegExp {
  for (const f of flags) {
    if (!VALID_FLAGS.includes(f)) throw new MongoServerError(51108, ` invalid flag in regex options: ${f}`);
  }
  if (pattern.includes('\0')) throw mongoError('BadValue', 'Regular expression cannot contain an embedded null byte');
  const { source, flags: jsFlags } = translatePcre(pattern, flags);
  // PCRE runs in UTF mode: prefer the 'u' flag (code points, Unicode case folding), but PCRE also accepts escapes
  // that 'u' rejects ("\-", "\_"), so fall back to a plain JS regex.
  try {
    return new RegExp(source, `${jsFlags}u`);
  } catch {
    try {
      return new RegExp(source, jsFlags);
    } catch (err) {
      const reason = (err as Error).message.replace(/^Invalid regular expression: /, '');
      throw new MongoServerError(51091, `Regular expression is invalid: ${reason}`);
    }
  }
}

/**
 * A regex match (mongod's RegexMatchExpression): matches strings and symbols the pattern finds a match in, and a
 * regex value with the same pattern and options (so a stored regex can be found with itself). Arrays are matched
 * element by element by the path walk.
 */
export class RegexNode extends PathNode {
  private readonly re: RegExp;
  readonly flags: string;

  constructor(
    path: string,
    readonly pattern: string,
    flags: string,
  ) {
    super(path);
    this.re = compileRegex(pattern, flags);
    this.flags = [...flags].sort().join('');
  }

  matchesSingleElement(value: unknown): boolean {
    switch (bsonTypeOf(value)) {
      case 'string':
        return this.re.test(value as string);
      case 'symbol':
        return this.re.test(String((value as { value?: unknown }).value ?? ''));
      case 'regex': {
        const r = regexParts(value);
        return r.pattern === this.pattern && [...r.flags].sort().join('') === this.flags;
      }
      default:
        return false;
    }
  }
}

/** A regex predicate from a regex value (`{a: /x/i}`, a regex in `$in`, `$all` or `$not`). */
export function regexNodeFromValue(path: string, value: unknown): RegexNode {
  const { pattern, flags } = regexParts(value);
  return new RegexNode(path, pattern, flags);
}

/**
 * `$regex` (with `$options` from the same operator document, in either order; mongod's parseRegexDocument). The
 * pattern is a string or a regex value; options may come from the regex value or `$options`, not both.
 */
export const parseRegex: FieldOperatorParser = ({ path, context }): MatchNode => {
  let pattern = '';
  let options = '';
  for (const [key, v] of Object.entries(context)) {
    if (key === '$regex') {
      if (typeof v === 'string') {
        pattern = v;
      } else if (bsonTypeOf(v) === 'regex') {
        const r = regexParts(v);
        pattern = r.pattern;
        if (r.flags !== '') {
          if (options !== '') throw new MongoServerError(51074, 'options set in both $regex and $options');
          options = r.flags;
        }
      } else {
        throw mongoError('BadValue', '$regex has to be a string');
      }
    } else if (key === '$options') {
      if (typeof v !== 'string') throw mongoError('BadValue', '$options has to be a string');
      if (options !== '') throw new MongoServerError(51075, 'options set in both $regex and $options');
      options = v;
    }
  }
  return new RegexNode(path, pattern, options);
};

/** `$options`: read by `$regex`; alone it is an error. */
export const parseOptions: FieldOperatorParser = ({ context }) => {
  if (Object.prototype.hasOwnProperty.call(context, '$regex')) return null;
  throw mongoError('BadValue', '$options needs a $regex');
};
