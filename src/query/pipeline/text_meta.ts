import { isDocument } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { hasTextPredicate } from '../text/index.js';

/** Stages whose output documents are new ones, without the text score their inputs had (mongod drops it too). */
const SCORE_DROPPING = new Set(['$group', '$bucket', '$bucketAuto', '$count', '$sortByCount', '$facet']);

/** True when a stage's specification asks for `{$meta: 'textScore'}` anywhere. */
function usesTextScore(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(usesTextScore);
  if (!isDocument(value)) return false;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === '$meta' && value.$meta === 'textScore') return true;
  return keys.some((k) => usesTextScore(value[k]));
}

/** Stages that check `{$meta: 'textScore'}` themselves, with their own error context. */
const SELF_CHECKING = new Set(['$project', '$addFields', '$set', '$sort']);

/**
 * mongod's pipeline rules for text search: `$text` only in a first `$match` (17313), and text scores asked for only
 * where the documents have them, after that `$match` and before a stage that makes new documents (40218). Returns,
 * for each stage, whether its input documents carry text scores.
 */
export function checkTextSearchStages(stages: readonly unknown[]): boolean[] {
  let scored = false;
  return stages.map((stage, i) => {
    const input = scored;
    if (!isDocument(stage)) return input;
    const name = Object.keys(stage)[0];
    if (name === undefined) return input;
    const spec = stage[name];
    if (name === '$match' && hasTextPredicate(spec)) {
      if (i > 0) throw new MongoServerError(17313, '$match with $text is only allowed as the first pipeline stage');
      scored = true;
      return input;
    }
    if (!scored && !SELF_CHECKING.has(name) && usesTextScore(spec)) {
      throw new MongoServerError(40218, 'query requires text score metadata, but it is not available');
    }
    if (SCORE_DROPPING.has(name)) scored = false;
    return input;
  });
}
