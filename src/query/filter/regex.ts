import { bsonTypeOf, regexParts } from '../../bson/index.js';
import { MongoServerError, mongoError } from '../../errors/index.js';
import { compileRegex, type CompiledRegex } from '../regex/index.js';
import { PathNode } from './node.js';
import type { FieldOperatorParser, MatchNode } from './types.js';

/**
 * Compiles a MongoDB regex (PCRE pattern + options) for a query, validating as mongod does.
 *
 * @throws MongoServerError Location51108 " invalid flag in regex options: <c>" for an option outside `imsux`;
 *   BadValue for an embedded null byte; Location51091 "Regular expression is invalid: ..." when it does not compile
 *   or uses a construct linear-time matching cannot run (docs/compatibility.md).
 */
export function compileQueryRegex(pattern: string, flags: string): CompiledRegex {
  if (pattern.includes('\0') && [...flags].every((f) => 'imsux'.includes(f))) {
    throw mongoError('BadValue', 'Regular expression cannot contain an embedded null byte');
  }
  return compileRegex(pattern, flags, '', (reason) => new MongoServerError(51091, `Regular expression is invalid: ${reason}`));
}

/**
 * A regex match (mongod's RegexMatchExpression): matches strings and symbols the pattern finds a match in, and a
 * regex value with the same pattern and options (so a stored regex can be found with itself). Arrays are matched
 * element by element by the path walk.
 */
export class RegexNode extends PathNode {
  private readonly re: CompiledRegex;
  readonly flags: string;

  constructor(
    path: string,
    readonly pattern: string,
    flags: string,
  ) {
    super(path);
    this.re = compileQueryRegex(pattern, flags);
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
