/**
 * Translation of a MongoDB regular expression (PCRE2 syntax, as mongod compiles it with UTF but not UCP) into the
 * syntax of RE2, the linear-time engine eddydb matches with. What PCRE and RE2 both have passes through; what RE2
 * spells differently is rewritten; what needs backtracking (backreferences, lookaround, atomic groups, possessive
 * quantifiers, recursion, conditionals, verbs) is refused with a RegexSyntaxError naming the construct.
 * docs/compatibility.md lists the refused constructs.
 */

/** A pattern eddydb cannot compile: invalid PCRE, or a construct linear-time matching rules out. */
export class RegexSyntaxError extends Error {}

/** The RE2 form of a pattern, with where its capture groups come from. */
export interface Re2Pattern {
  /** The pattern in RE2 syntax, including its inline flags. */
  readonly source: string;
  /**
   * The same pattern for a yes/no test of a subject that does not end with a newline, where `$` is just `\z`:
   * the extra group and optional newline would slow RE2 down.
   */
  readonly testSource: string;
  /** The same for a subject that ends with a newline: `$` is `\n?\z`, without a capture group. */
  readonly testSourceFinalNewline: string;
  /** For each capture group of the PCRE pattern, in order, its group number in `source`. */
  readonly userGroups: readonly number[];
  /**
   * Group numbers in `source` of the `\n` a non-multiline `$` (or `\Z`) may consume: PCRE's `$` also holds before
   * a final newline, which RE2 cannot look ahead for, so `$` becomes `(\n)?\z` and a match that used the group
   * really ended one character earlier.
   */
  readonly dollarGroups: readonly number[];
}

/** A non-multiline `$`: the end, or a final newline the match must then give back (see `dollarGroups`). */
const DOLLAR = '(?:(\\n)?\\z)';

const notLinear = 'is not supported: eddydb matches regular expressions in linear time';

function refuse(construct: string): never {
  throw new RegexSyntaxError(`${construct} ${notLinear}`);
}

function invalid(message: string): never {
  throw new RegexSyntaxError(message);
}

/** PCRE's pattern white space, ignored under the x option (PCRE2 in UTF mode). */
const EXTENDED_SPACE = new Set([' ', '\t', '\n', '\v', '\f', '\r', '\u0085', '\u200e', '\u200f', '\u2028', '\u2029']);

/** PCRE's character types RE2 lacks or defines otherwise, as class contents (without brackets). */
const SPACE = '\\t\\n\\x0B\\f\\r ';
const NOT_SPACE = '\\x00-\\x08\\x0E-\\x1F\\x21-\\x{10FFFF}';
const HSPACE = '\\t \\x{A0}\\x{1680}\\x{180E}\\x{2000}-\\x{200A}\\x{202F}\\x{205F}\\x{3000}';
const NOT_HSPACE = '\\x00-\\x08\\x0A-\\x1F\\x21-\\x{9F}\\x{A1}-\\x{167F}\\x{1681}-\\x{180D}\\x{180F}-\\x{1FFF}\\x{200B}-\\x{202E}\\x{2030}-\\x{205E}\\x{2060}-\\x{2FFF}\\x{3001}-\\x{10FFFF}';
const VSPACE = '\\n\\x0B\\f\\r\\x{85}\\x{2028}\\x{2029}';
const NOT_VSPACE = '\\x00-\\x09\\x0E-\\x{84}\\x{86}-\\x{2027}\\x{202A}-\\x{10FFFF}';

/** Escapes that mean the same in PCRE and RE2, outside and inside a class. */
const SAME_TYPES = new Set(['d', 'D', 'w', 'W', 'f', 'n', 'r', 't']);

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isWordStart(c: string | undefined): boolean {
  return c !== undefined && /^[A-Za-z_]$/.test(c);
}

function hexCodePoint(cp: number): string {
  if (cp > 0x10ffff) invalid('character code point value in \\x{} or \\o{} is too large');
  if (cp >= 0xd800 && cp <= 0xdfff) invalid('disallowed Unicode code point (>= 0xd800 && <= 0xdfff)');
  return `\\x{${cp.toString(16)}}`;
}

/** A literal character in RE2 syntax, inside or outside a class. */
function literal(c: string): string {
  return /^[\\.+*?()|[\]{}^$-]$/.test(c) ? `\\${c}` : c;
}

/** Scope of a group: the options in force inside it. */
interface Scope {
  extended: boolean;
  extendedMore: boolean;
  multiline: boolean;
  noAutoCapture: boolean;
}

/** Base options from the MongoDB options string (already validated). */
export interface TranslateOptions {
  readonly multiline: boolean;
  readonly extended: boolean;
}

class Translator {
  private i = 0;
  private out = '';
  private groups = 0;
  private readonly userGroups: number[] = [];
  private readonly dollarGroups: number[] = [];
  private readonly scopes: Scope[];
  /** Whether the last item emitted was a quantifier (so a following '+' makes it possessive). */
  private afterQuantifier = false;

  constructor(
    private readonly src: string,
    options: TranslateOptions,
  ) {
    this.scopes = [{ extended: options.extended, extendedMore: false, multiline: options.multiline, noAutoCapture: false }];
  }

  private get scope(): Scope {
    return this.scopes[this.scopes.length - 1]!;
  }

  run(): Re2Pattern {
    const src = this.src;
    while (this.i < src.length) {
      const c = src[this.i]!;
      if (this.scope.extended && EXTENDED_SPACE.has(c)) {
        this.i++;
        continue;
      }
      if (this.scope.extended && c === '#') {
        while (this.i < src.length && src[this.i] !== '\n') this.i++;
        continue;
      }
      const quantifier = this.quantifierAt();
      if (quantifier !== null) {
        this.emitQuantifier(quantifier);
        continue;
      }
      this.afterQuantifier = false;
      if (c === '\\') this.escape();
      else if (c === '[') this.characterClass();
      else if (c === '(') this.openGroup();
      else if (c === ')') this.closeGroup();
      else if (c === '$') {
        this.i++;
        if (this.scope.multiline) this.out += '$';
        else this.dollar();
      } else if (c === '{') {
        // Not a quantifier (quantifierAt said so): PCRE reads it as a literal brace.
        this.i++;
        this.out += '\\{';
      } else {
        this.i++;
        this.out += c;
      }
    }
    // Only `dollar()` writes this text as tokens; a user's own copy of it means the same in a yes/no test.
    const parts = this.out.split(DOLLAR);
    return {
      source: this.out,
      testSource: parts.join('\\z'),
      testSourceFinalNewline: parts.join('(?:\\n?\\z)'),
      userGroups: this.userGroups,
      dollarGroups: this.dollarGroups,
    };
  }

  /** The quantifier text at the cursor (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`), or null. */
  private quantifierAt(): string | null {
    const c = this.src[this.i];
    if (c === '*' || c === '+' || c === '?') return c;
    if (c !== '{') return null;
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i, this.i + 32));
    if (!m) return null;
    for (const n of [m[1], m[3]]) {
      if (n === undefined || n === '') continue;
      if (Number(n) > 65535) invalid('number too big in {} quantifier');
      if (Number(n) > 1000) refuse(`a repetition count above 1000 (${m[0]})`);
    }
    if (m[3] !== undefined && m[3] !== '' && Number(m[3]) < Number(m[1])) invalid('numbers out of order in {} quantifier');
    return m[0];
  }

  private emitQuantifier(q: string): void {
    this.i += q.length;
    if (this.afterQuantifier) {
      if (q === '+') refuse('a possessive quantifier (such as a*+ or a++)');
      if (q === '?') {
        // A lazy quantifier; a further quantifier after it is an error either way.
        this.out += '?';
        this.afterQuantifier = false;
        return;
      }
    }
    this.out += q;
    this.afterQuantifier = true;
  }

  /** A non-multiline `$` or `\Z`: the end of the subject, or before a newline that ends it. */
  private dollar(): void {
    this.groups++;
    this.dollarGroups.push(this.groups);
    this.out += DOLLAR;
  }

  private openGroup(): void {
    const src = this.src;
    const rest = src.slice(this.i, this.i + 4);
    if (rest.startsWith('(*')) {
      if (/^\(\*[A-Za-z:]/.test(rest)) refuse('a backtracking control verb or start-of-pattern option (*...)');
      this.i++;
      this.out += '(';
      this.pushScope();
      return;
    }
    if (!rest.startsWith('(?')) {
      this.i++;
      if (this.scope.noAutoCapture) {
        this.out += '(?:';
      } else {
        this.groups++;
        this.userGroups.push(this.groups);
        this.out += '(';
      }
      this.pushScope();
      return;
    }
    const kind = src[this.i + 2];
    if (kind === '#') {
      const end = src.indexOf(')', this.i);
      if (end < 0) invalid('missing ) after (?# comment');
      this.i = end + 1;
      return;
    }
    if (kind === ':') {
      this.i += 3;
      this.out += '(?:';
      this.pushScope();
      return;
    }
    if (kind === '=' || kind === '!') refuse(`a lookahead assertion (?${kind}...)`);
    if (kind === '<' && (src[this.i + 3] === '=' || src[this.i + 3] === '!')) {
      refuse(`a lookbehind assertion (?<${src[this.i + 3]}...)`);
    }
    if (kind === '>') refuse('an atomic group (?>...)');
    if (kind === '|') refuse('a branch reset group (?|...)');
    if (kind === '(') refuse('a conditional group (?(...)...)');
    if (kind === 'C') refuse('a callout (?C...)');
    if (kind === 'R' || kind === '&' || isDigit(kind) || ((kind === '+' || kind === '-') && isDigit(src[this.i + 3]))) {
      refuse('a recursion or subroutine call (such as (?R) or (?1))');
    }
    if (kind === 'P') {
      const next = src[this.i + 3];
      if (next === '=') refuse('a backreference (?P=name)');
      if (next === '>') refuse('a subroutine call (?P>name)');
      if (next === '<') return this.namedGroup(4, '>');
      invalid('unrecognized character after (?P');
    }
    if (kind === '<') return this.namedGroup(3, '>');
    if (kind === "'") return this.namedGroup(3, "'");
    this.optionSetting();
  }

  /** `(?<name>`, `(?'name'` or `(?P<name>`: a named capture, which RE2 spells `(?P<name>`. */
  private namedGroup(prefix: number, close: string): void {
    const start = this.i + prefix;
    const end = this.src.indexOf(close, start);
    const name = end < 0 ? '' : this.src.slice(start, end);
    if (!isWordStart(name[0])) {
      invalid(isDigit(name[0]) ? 'subpattern name must start with a non-digit' : 'subpattern name expected');
    }
    if (!/^[A-Za-z0-9_]+$/.test(name)) invalid('syntax error in subpattern name (missing terminator?)');
    if (name.length > 32) invalid('subpattern name is too long (maximum 32 code units)');
    this.i = end + 1;
    this.groups++;
    this.userGroups.push(this.groups);
    this.out += `(?P<${name}>`;
    this.pushScope();
  }

  /** `(?imnsxJU-imnsxJU)` or `(?imnsx-imnsx:...)`, and `(?^...)`. */
  private optionSetting(): void {
    const m = /^\(\?(\^)?([imnsxJU]*)(?:-([imnsxJU]*))?([:)])/.exec(this.src.slice(this.i, this.i + 40));
    if (!m) invalid('unrecognized character after (? or (?-');
    const [text, reset, on = '', off = '', end] = m;
    const current = this.scope;
    const next: Scope = reset
      ? { extended: false, extendedMore: false, multiline: false, noAutoCapture: false }
      : { ...current };
    const re2On = new Set<string>();
    const re2Off = new Set<string>(reset ? ['i', 'm', 's'] : []);
    const apply = (flags: string, value: boolean): void => {
      for (let k = 0; k < flags.length; k++) {
        const f = flags[k]!;
        if (f === 'x') {
          // `xx` also ignores spaces and tabs in classes; unsetting x unsets both.
          if (!value || flags[k + 1] === 'x') next.extendedMore = value;
          if (flags[k + 1] === 'x') k++;
          next.extended = value;
        } else if (f === 'n') {
          next.noAutoCapture = value;
        } else if (f === 'm') {
          next.multiline = value;
        }
        if (f === 'i' || f === 'm' || f === 's' || f === 'U') {
          (value ? re2On : re2Off).add(f);
          (value ? re2Off : re2On).delete(f);
        }
      }
    };
    apply(on, true);
    apply(off, false);
    if (reset && off !== '') invalid('an option setting with ^ cannot also unset options');
    this.i += text.length;
    const flags = [...re2On].join('') + (re2Off.size > 0 ? `-${[...re2Off].join('')}` : '');
    if (end === ':') {
      this.out += flags === '' ? '(?:' : `(?${flags}:`;
      this.scopes.push(next);
    } else {
      if (flags !== '') this.out += `(?${flags})`;
      this.scopes[this.scopes.length - 1] = next;
    }
  }

  private pushScope(): void {
    this.scopes.push({ ...this.scope });
  }

  private closeGroup(): void {
    this.i++;
    this.out += ')';
    // An unmatched ')' is left for RE2 to report.
    if (this.scopes.length > 1) this.scopes.pop();
  }

  /** An escape outside a character class. */
  private escape(): void {
    const src = this.src;
    const c = src[this.i + 1];
    if (c === undefined) invalid('\\ at end of pattern');
    if (c >= '1' && c <= '9') {
      const digits = /^\d+/.exec(src.slice(this.i + 1))![0];
      // PCRE reads \10 and above as octal when fewer groups have been opened so far, as in Perl.
      if (digits.length < 2 || c === '8' || c === '9' || Number(digits) <= this.groups) refuse(`a backreference (\\${digits})`);
      this.out += this.octal(this.i + 1);
      return;
    }
    this.i += 2;
    switch (c) {
      case 'A': case 'z': case 'b': case 'B':
        this.out += `\\${c}`;
        return;
      case 'Z':
        this.dollar();
        return;
      case 'G': refuse('the \\G anchor');
      case 'K': refuse('\\K (reset match start)');
      case 'C': refuse('\\C (a single code unit)');
      case 'X': refuse('\\X (an extended grapheme cluster)');
      case 'g': refuse('a backreference or subroutine call (\\g)');
      case 'k': refuse('a backreference (\\k<name>)');
      case 'R':
        this.out += `(?:\\r\\n|[${VSPACE}])`;
        return;
      case 'N':
        if (src[this.i] === '{') refuse('\\N{...}');
        this.out += '[^\\n]';
        return;
      case 'E':
        return;
      case 'Q':
        this.quoted((ch) => literal(ch));
        return;
      default:
        this.out += this.commonEscape(c, false);
    }
  }

  /** `\Q...\E`: everything up to `\E` (or the end) is literal. */
  private quoted(emit: (c: string) => string): void {
    const end = this.src.indexOf('\\E', this.i);
    const text = this.src.slice(this.i, end < 0 ? this.src.length : end);
    for (const ch of text) this.out += emit(ch);
    this.i = end < 0 ? this.src.length : end + 2;
  }

  /** Octal digits at `at` (up to three): a code point; moves the cursor past them. */
  private octal(at: number): string {
    const m = /^[0-7]{1,3}/.exec(this.src.slice(at))!;
    this.i = at + m[0].length;
    return hexCodePoint(parseInt(m[0], 8));
  }

  /**
   * Escapes that mean the same inside and outside a class: character types and character codes. The cursor is
   * past the escaped letter; returns the RE2 text (class contents when `inClass`).
   */
  private commonEscape(c: string, inClass: boolean): string {
    const src = this.src;
    const set = (contents: string): string => (inClass ? contents : `[${contents}]`);
    if (SAME_TYPES.has(c)) return `\\${c}`;
    switch (c) {
      case 's': return set(SPACE);
      case 'S': return inClass ? NOT_SPACE : `[^${SPACE}]`;
      case 'h': return set(HSPACE);
      case 'H': return inClass ? NOT_HSPACE : `[^${HSPACE}]`;
      case 'v': return set(VSPACE);
      case 'V': return inClass ? NOT_VSPACE : `[^${VSPACE}]`;
      case 'a': return '\\x07';
      case 'e': return '\\x1B';
      case '0':
        return this.octal(this.i - 1);
      case 'o': {
        const m = /^\{([0-7]+)\}/.exec(src.slice(this.i));
        if (!m) invalid('missing opening brace after \\o');
        this.i += m[0].length;
        return hexCodePoint(parseInt(m[1]!, 8));
      }
      case 'x': {
        if (src[this.i] === '{') {
          const m = /^\{([0-9A-Fa-f]+)\}/.exec(src.slice(this.i));
          if (!m) invalid('\\x{ is not followed by hexadecimal digits and }');
          this.i += m[0].length;
          return hexCodePoint(parseInt(m[1]!, 16));
        }
        const m = /^[0-9A-Fa-f]{0,2}/.exec(src.slice(this.i))!;
        this.i += m[0].length;
        return hexCodePoint(m[0] === '' ? 0 : parseInt(m[0], 16));
      }
      case 'c': {
        const x = src[this.i];
        if (x === undefined) invalid('\\c at end of pattern');
        const code = x.toUpperCase().charCodeAt(0);
        if (code < 0x20 || code > 0x7e) invalid('\\c must be followed by a printable ASCII character');
        this.i++;
        return hexCodePoint(code ^ 0x40);
      }
      case 'p':
      case 'P': {
        const m = /^(\{[^}]*\}|[A-Za-z])/.exec(src.slice(this.i));
        if (!m) invalid('malformed \\P or \\p sequence');
        this.i += m[0].length;
        return `\\${c}${m[0]}`;
      }
    }
    if (/^[A-Za-z0-9]$/.test(c)) invalid(`unrecognized character follows \\ (\\${c})`);
    return literal(c);
  }

  /** A character class `[...]`, with POSIX classes, PCRE's leading `]` and PCRE-only escapes rewritten. */
  private characterClass(): void {
    const src = this.src;
    const start = this.i;
    this.i++;
    this.out += '[';
    if (src[this.i] === '^') {
      this.out += '^';
      this.i++;
    }
    if (src[this.i] === ']') {
      this.out += '\\]';
      this.i++;
    }
    for (;;) {
      const c = src[this.i];
      if (c === undefined) {
        this.i = start;
        invalid('missing terminating ] for character class');
      }
      if (c === ']') {
        this.i++;
        this.out += ']';
        return;
      }
      if (this.scope.extendedMore && (c === ' ' || c === '\t')) {
        this.i++;
        continue;
      }
      if (c === '[') {
        const posix = /^\[:\^?[a-z]+:\]/.exec(src.slice(this.i, this.i + 16));
        if (posix) {
          this.out += posix[0];
          this.i += posix[0].length;
          continue;
        }
        if (/^\[[.=]/.test(src.slice(this.i, this.i + 2))) invalid('POSIX collating elements are not supported');
        this.i++;
        this.out += '\\[';
        continue;
      }
      if (c !== '\\') {
        this.i++;
        this.out += c;
        continue;
      }
      const e = src[this.i + 1];
      if (e === undefined) invalid('\\ at end of pattern');
      if (e >= '1' && e <= '7') {
        this.out += this.octal(this.i + 1);
        continue;
      }
      this.i += 2;
      if (e === '8' || e === '9') this.out += e;
      else if (e === 'b') this.out += '\\x08';
      else if (e === 'E') continue;
      else if (e === 'Q') this.quoted((ch) => (ch === ']' || ch === '\\' || ch === '[' || ch === '^' || ch === '-' ? `\\${ch}` : ch));
      else if ('ABGKNRXZzgk'.includes(e)) invalid(`escape sequence is invalid in character class (\\${e})`);
      else this.out += this.commonEscape(e, true);
    }
  }
}

/** Translates a PCRE pattern under the given options into RE2 syntax. @throws RegexSyntaxError */
export function translatePcre(pattern: string, options: TranslateOptions): Re2Pattern {
  return new Translator(pattern, options).run();
}
