import type { Document } from '../../bson/index.js';
import type { Scope } from '../expressions/index.js';
import type { Runtime } from './types.js';

/** The expression scope for evaluating against `doc` during a run: $$ROOT and $$CURRENT are the document. */
export function scopeFor(doc: Document, runtime: Runtime): Scope {
  return { root: doc, current: doc, vars: runtime.vars, clock: runtime.clock };
}
