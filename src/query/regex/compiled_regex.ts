import { RE2JS } from 're2js';
import type { Re2Pattern } from './translate.js';

/** One match: where it starts and ends (UTF-16 indexes), its text, and each capture group (null if unused). */
export interface RegexMatch {
  readonly index: number;
  readonly end: number;
  readonly match: string;
  readonly captures: readonly (string | null)[];
}

/**
 * A compiled MongoDB regular expression. Matching runs on RE2 (re2js), in time linear in the input, except for a
 * pattern `literalRegExp` accepts, which V8's engine runs just as safely and faster.
 */
export class CompiledRegex {
  /** The programs for a subject ending with a newline and for exec(), compiled on first use when they differ. */
  private finalNewline: RE2JS | null;
  private withGroups: RE2JS | null;

  /** `tester` is `pattern.testSource` compiled with `flags`. */
  constructor(
    private readonly tester: RE2JS,
    private readonly pattern: Re2Pattern,
    private readonly flags: number,
    private readonly literal: RegExp | null,
  ) {
    const plain = pattern.dollarGroups.length === 0;
    this.finalNewline = plain ? tester : null;
    this.withGroups = plain ? tester : null;
  }

  /** Whether the pattern matches somewhere in `input`. */
  test(input: string): boolean {
    if (this.literal !== null) return this.literal.test(input);
    if (input.charCodeAt(input.length - 1) !== 0x0a) return this.tester.test(input);
    this.finalNewline ??= RE2JS.compile(this.pattern.testSourceFinalNewline, this.flags);
    return this.finalNewline.test(input);
  }

  /**
   * The first match starting at or after `from` (a UTF-16 index, at most `input.length`); the text before `from`
   * still counts for `^`, `\b` and the like, as PCRE's start offset does.
   */
  exec(input: string, from: number): RegexMatch | null {
    this.withGroups ??= RE2JS.compile(this.pattern.source, this.flags);
    const m = this.withGroups.matcher(input);
    if (!m.find(from)) return null;
    let end = m.end();
    // The match used a `$` at a final newline: PCRE's match stops before that newline.
    if (this.pattern.dollarGroups.some((g) => m.start(g) >= 0)) end -= 1;
    const index = Math.min(m.start(), end);
    const captures = this.pattern.userGroups.map((g) => {
      const start = m.start(g);
      return start < 0 ? null : input.slice(Math.min(start, end), Math.min(m.end(g), end));
    });
    return { index, end, match: input.slice(index, end), captures };
  }
}
