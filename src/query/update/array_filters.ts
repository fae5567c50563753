import { isDocument, type Collation, type Document } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { compileFilter } from '../filter/index.js';

/** Does an array element match the filter of its `$[<identifier>]`? */
export type ArrayFilterMatcher = (element: unknown) => boolean;

/** The top-level field names a filter constrains, through $and/$or/$nor (ExpressionWithPlaceholder's placeholder). */
function topLevelNames(filter: Document, out: string[]): void {
  for (const [key, value] of Object.entries(filter)) {
    if (key.startsWith('$')) {
      if ((key === '$and' || key === '$or' || key === '$nor') && Array.isArray(value)) {
        for (const sub of value) if (isDocument(sub)) topLevelNames(sub, out);
      }
      continue;
    }
    out.push(key.split('.')[0]!);
  }
}

/**
 * Parses the `arrayFilters` option (https://www.mongodb.com/docs/manual/reference/operator/update/positional-filtered/):
 * each filter constrains exactly one identifier, an alphanumeric name starting with a lowercase letter, and is
 * matched against an array element as if the element were the field named by the identifier.
 *
 * Errors as mongod: a non-document filter -> TypeMismatch (14); no top-level field -> FailedToParse (9); two
 * different identifiers in one filter -> FailedToParse; a bad identifier -> BadValue (2); the same identifier in
 * two filters -> FailedToParse.
 */
export function parseArrayFilters(filters: readonly unknown[] | null | undefined, collation: Collation | null): Map<string, ArrayFilterMatcher> {
  const out = new Map<string, ArrayFilterMatcher>();
  for (const filter of filters ?? []) {
    if (!isDocument(filter)) throw mongoError('TypeMismatch', 'Each array filter must be an object');
    const names: string[] = [];
    topLevelNames(filter, names);
    let identifier: string | undefined;
    for (const name of names) {
      if (identifier === undefined) identifier = name;
      else if (name !== identifier) {
        throw mongoError(
          'FailedToParse',
          `Error parsing array filter :: caused by :: Expected a single top-level field name, found '${identifier}' and '${name}'`,
        );
      }
    }
    if (identifier === undefined) {
      throw mongoError('FailedToParse', 'Cannot use an expression without a top-level field name in arrayFilters');
    }
    if (!/^[a-z][a-zA-Z0-9]*$/.test(identifier)) {
      throw mongoError(
        'BadValue',
        'Error parsing array filter :: caused by :: The top-level field name must be an alphanumeric string beginning ' +
          `with a lowercase letter, found '${identifier}'`,
      );
    }
    if (out.has(identifier)) {
      throw mongoError('FailedToParse', `Found multiple array filters with the same top-level field name ${identifier}`);
    }
    const matcher = compileFilter(filter, { collation, allowJsonSchema: false });
    const id = identifier;
    out.set(id, (element) => matcher.matches({ [id]: element }));
  }
  return out;
}
