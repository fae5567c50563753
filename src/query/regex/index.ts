import { RE2JS, RE2JSException } from 're2js';
import { MongoServerError } from '../../errors/index.js';
import { CompiledRegex } from './compiled_regex.js';
import { literalRegExp } from './literal.js';
import { RegexCache } from './regex_cache.js';
import { RegexSyntaxError, translatePcre } from './translate.js';

export { CompiledRegex, type RegexMatch } from './compiled_regex.js';

/** The options mongod accepts (pcre_util::flagsToOptions); `u` is accepted and changes nothing (UTF is always on). */
const VALID_OPTIONS = 'imsux';

/**
 * Patterns compiled recently, by options and pattern: at most 128, and 1 MiB of pattern text. Kept small because
 * each re2js pattern grows a lazily built DFA (up to 8 MB for a pattern matched against very varied input); a
 * query or change stream holds its own compiled patterns for as long as it runs, whatever the cache drops.
 */
const cache = new RegexCache<CompiledRegex>(128, 1024 * 1024);

/**
 * Compiles a MongoDB regular expression (a PCRE pattern and its options string) for linear-time matching. `opName`
 * prefixes the invalid-option message as mongod does ('' for a query's $regex, '$regexMatch' for the operator);
 * `invalid` builds the caller's error for a pattern that does not compile, from its reason.
 *
 * @throws MongoServerError Location51108 "<opName> invalid flag in regex options: <c>"; whatever `invalid` builds
 *   for an invalid pattern or a construct linear-time matching cannot run (backreferences, lookaround, ...).
 */
export function compileRegex(
  pattern: string,
  options: string,
  opName: string,
  invalid: (reason: string) => MongoServerError,
): CompiledRegex {
  const key = `${options}/${pattern}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  for (const f of options) {
    if (!VALID_OPTIONS.includes(f)) throw new MongoServerError(51108, `${opName} invalid flag in regex options: ${f}`);
  }
  let compiled: CompiledRegex;
  try {
    const translated = translatePcre(pattern, { multiline: options.includes('m'), extended: options.includes('x') });
    const flags =
      (options.includes('i') ? RE2JS.CASE_INSENSITIVE : 0) |
      (options.includes('m') ? RE2JS.MULTILINE : 0) |
      (options.includes('s') ? RE2JS.DOTALL : 0);
    compiled = new CompiledRegex(RE2JS.compile(translated.testSource, flags), translated, flags, literalRegExp(pattern, options));
  } catch (err) {
    if (err instanceof RegexSyntaxError) throw invalid(err.message);
    if (err instanceof RE2JSException) throw invalid(err.message.replace(/^error parsing regexp: /, ''));
    throw err;
  }
  cache.set(key, compiled, key.length);
  return compiled;
}
