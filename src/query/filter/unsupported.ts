import { mongoError } from '../../errors/index.js';
import type { FieldOperatorParser, TopLevelOperatorParser } from './types.js';

/**
 * Operators mongod has and eddydb does not implement: they are recognised (so they are not reported as unknown)
 * and refused when the filter is compiled. BadValue (2) is what mongod answers for such an operator where it is
 * not allowed; the message says plainly that eddydb is the reason.
 */
function refuse(name: string, what: string): never {
  throw mongoError('BadValue', `${name} is not supported by eddydb (${what})`);
}

/** `$where` and mongod's internal `$_internal...` top-level operators. */
export const parseUnsupportedTopLevel: TopLevelOperatorParser = ({ name }) => {
  switch (name) {
    case '$where':
      return refuse(name, 'server-side JavaScript is not available; use $expr');
    default:
      return refuse(name, 'an internal mongod operator');
  }
};

/** mongod's internal `$_internal...` field operators. */
export const parseUnsupportedField: FieldOperatorParser = ({ name }) => refuse(name, 'an internal mongod operator');
