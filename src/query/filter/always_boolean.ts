import { isNumeric, toNumber } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { parseIntegerToLong } from './integer.js';
import { ConstantNode } from './node.js';
import { ParseLevel, type MatchNode, type TopLevelOperatorParser } from './types.js';

/** `$alwaysTrue: 1` / `$alwaysFalse: 1` (mongod's parseAlwaysBoolean): the operand must be the integer 1. */
export const parseAlwaysBoolean: TopLevelOperatorParser = ({ name, value }) => {
  const n = parseIntegerToLong(name, value);
  if (!n.ok) throw mongoError('FailedToParse', n.reason);
  if (n.value !== 1n) throw mongoError('FailedToParse', `${name} must be an integer value of 1`);
  return new ConstantNode(name === '$alwaysTrue');
};

/** Matches each document with probability `rate`. */
class SampleNode implements MatchNode {
  constructor(readonly rate: number) {}

  matches(): boolean {
    return Math.random() < this.rate;
  }

  matchesSingleElement(): boolean {
    return false;
  }
}

/** `$sampleRate: x` (x in [0, 1]): a random sample of about that fraction of the documents. */
export const parseSampleRate: TopLevelOperatorParser = ({ value, level }) => {
  if (level === ParseLevel.userSubDocument) {
    throw mongoError('BadValue', '$sampleRate can only be applied to the top-level document');
  }
  if (!isNumeric(value)) throw mongoError('BadValue', 'argument to $sampleRate must be a numeric type');
  const x = toNumber(value);
  // Written so that NaN is refused too.
  if (!(x >= 0 && x <= 1)) throw mongoError('BadValue', 'numeric argument to $sampleRate must be in [0, 1]');
  if (x === 0 || x === 1) return new ConstantNode(x === 1);
  return new SampleNode(x);
};
