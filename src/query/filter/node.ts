import { visitPath } from './path.js';
import type { MatchDetails, MatchNode } from './types.js';

/**
 * A predicate on the values a dotted path yields (mongod's PathMatchExpression): the document matches when any
 * yielded value matches; the index of the outermost array traversed to reach it becomes `elemMatchKey`.
 */
export abstract class PathNode implements MatchNode {
  readonly parts: readonly string[];

  constructor(
    readonly path: string,
    /** False for $size and $elemMatch, which look at an array at the end of the path as a whole. */
    private readonly traverseLeafArrays = true,
  ) {
    this.parts = path.split('.');
  }

  matches(doc: unknown, details?: MatchDetails): boolean {
    return visitPath(doc, this.parts, 0, this.traverseLeafArrays, (value, offset) => {
      if (!this.matchesSingleElement(value, details)) return false;
      if (details && offset !== undefined) details.elemMatchKey = offset;
      return true;
    });
  }

  abstract matchesSingleElement(value: unknown, details?: MatchDetails): boolean;
}

/** All children match. The empty AND matches everything (the filter `{}`). */
export class AndNode implements MatchNode {
  constructor(readonly children: readonly MatchNode[]) {}

  matches(doc: unknown, details?: MatchDetails): boolean {
    for (const child of this.children) if (!child.matches(doc, details)) return false;
    return true;
  }

  matchesSingleElement(value: unknown, details?: MatchDetails): boolean {
    for (const child of this.children) if (!child.matchesSingleElement(value, details)) return false;
    return true;
  }
}

/** Some child matches. Like mongod, clauses of an $or do not report an elemMatchKey. */
export class OrNode implements MatchNode {
  constructor(readonly children: readonly MatchNode[]) {}

  matches(doc: unknown): boolean {
    for (const child of this.children) if (child.matches(doc)) return true;
    return false;
  }

  matchesSingleElement(value: unknown): boolean {
    for (const child of this.children) if (child.matchesSingleElement(value)) return true;
    return false;
  }
}

/**
 * The negation of a predicate over the whole path, not per element: `{a: {$ne: 1}}` is NOT(a has an element equal
 * to 1), so it fails on `{a: [1, 2]}`. $ne, $nin, $not, `$exists: false` and $nor (NOT of an $or) are built from it.
 */
export class NotNode implements MatchNode {
  constructor(readonly child: MatchNode) {}

  matches(doc: unknown): boolean {
    return !this.child.matches(doc);
  }

  matchesSingleElement(value: unknown): boolean {
    return !this.child.matchesSingleElement(value);
  }
}

/** A constant ($alwaysTrue, $alwaysFalse, `$all: []`). */
export class ConstantNode implements MatchNode {
  constructor(readonly value: boolean) {}

  matches(): boolean {
    return this.value;
  }

  matchesSingleElement(): boolean {
    return this.value;
  }
}
