import { isDocument, type Document } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { parseTextParams, type TextParams } from './text_query.js';

/** Where a filter's `$text` stands, for the planner. */
export interface TextPredicate {
  readonly params: TextParams;
  /** Under an `$or`: the other branches must be readable by index too. */
  readonly underOr: boolean;
}

/**
 * The filter's `$text`, or null: at most one, at the top, in `$and` or `$or` clauses, never under `$nor` (mongod's
 * canonical query checks; BadValue otherwise).
 */
export function findTextPredicate(filter: Document): TextPredicate | null {
  const found: TextPredicate[] = [];
  walk(filter, false, false, found);
  if (found.length > 1) throw mongoError('BadValue', 'Too many text expressions');
  return found[0] ?? null;
}

function walk(filter: Document, underOr: boolean, underNor: boolean, found: TextPredicate[]): void {
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$text') {
      if (underNor) throw mongoError('BadValue', 'text expression not allowed in nor');
      found.push({ params: parseTextParams(value), underOr });
    } else if ((key === '$and' || key === '$or' || key === '$nor') && Array.isArray(value)) {
      for (const clause of value) {
        if (isDocument(clause)) walk(clause, underOr || key === '$or', underNor || key === '$nor', found);
      }
    }
  }
}

/** True when a filter has a `$text` anywhere it may stand (a quick test before {@link findTextPredicate}). */
export function hasTextPredicate(filter: unknown): boolean {
  if (!isDocument(filter)) return false;
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$text') return true;
    if ((key === '$and' || key === '$or' || key === '$nor') && Array.isArray(value) && value.some(hasTextPredicate)) return true;
  }
  return false;
}
