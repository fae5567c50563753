import type { Collation } from '../../bson/index.js';
import { parseAddToSet } from './addToSet.js';
import { parseBit } from './bit.js';
import { parseCurrentDate } from './currentDate.js';
import { parseInc } from './inc.js';
import { parseMax } from './max.js';
import { parseMin } from './min.js';
import { parseMul } from './mul.js';
import { parsePop } from './pop.js';
import { parsePull } from './pull.js';
import { parsePullAll } from './pullAll.js';
import { parsePush } from './push.js';
import { parseSet } from './set.js';
import { parseSetOnInsert } from './setOnInsert.js';
import { parseUnset } from './unset.js';
import type { UpdateNode } from './update_node.js';

/** What an operator's parser may depend on besides its own `{path: value}`. */
export interface ModifierParseContext {
  readonly collation: Collation | null;
}

/** Builds the leaf for one `path: value` of an operator, validating the value (mongod's UpdateLeafNode::init). */
export type ModifierParser = (field: string, value: unknown, ctx: ModifierParseContext) => UpdateNode;

/**
 * The update operators, sorted by name (mongod's modifier table). `$rename` is listed for recognition only: it
 * places two nodes in the tree, so compileUpdate builds it itself.
 */
export const MODIFIERS: ReadonlyMap<string, ModifierParser | 'rename'> = new Map<string, ModifierParser | 'rename'>([
  ['$addToSet', parseAddToSet],
  ['$bit', parseBit],
  ['$currentDate', parseCurrentDate],
  ['$inc', parseInc],
  ['$max', parseMax],
  ['$min', parseMin],
  ['$mul', parseMul],
  ['$pop', parsePop],
  ['$pull', (field, value, ctx) => parsePull(field, value, ctx.collation)],
  ['$pullAll', parsePullAll],
  ['$push', parsePush],
  ['$rename', 'rename'],
  ['$set', parseSet],
  ['$setOnInsert', parseSetOnInsert],
  ['$unset', parseUnset],
]);
