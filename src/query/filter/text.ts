import { mongoError } from '../../errors/index.js';
import { parseTextParams, textScoreOf } from '../text/index.js';
import { ParseLevel, type MatchNode, type TopLevelOperatorParser } from './types.js';

/**
 * `$text` (https://www.mongodb.com/docs/manual/reference/operator/query/text/): the text index reads the candidates
 * and its matcher scores the ones that satisfy the search; a document passes this predicate when it was scored.
 */
class TextNode implements MatchNode {
  matches(doc: unknown): boolean {
    return textScoreOf(doc) !== undefined;
  }

  matchesSingleElement(): boolean {
    return false;
  }
}

export const parseText: TopLevelOperatorParser = ({ value, level, ctx }) => {
  if (level === ParseLevel.userSubDocument) throw mongoError('BadValue', '$text can only be applied to the top-level document');
  if (!ctx.allowText) throw mongoError('BadValue', '$text is not allowed in this context');
  parseTextParams(value);
  return new TextNode();
};
