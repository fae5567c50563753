import { parseAddFields } from './add_fields.js';
import { parseBucket } from './bucket.js';
import { parseBucketAuto } from './bucket_auto.js';
import { parseCount } from './count.js';
import { parseDensify } from './densify.js';
import { parseDocuments } from './documents.js';
import { parseFill } from './fill.js';
import { parseFacet } from './facet.js';
import { parseGeoNear } from './geoNear.js';
import { parseGraphLookup } from './graph_lookup.js';
import { parseGroup } from './group.js';
import { parseLimit } from './limit.js';
import { parseListLocalSessions } from './list_local_sessions.js';
import { parseListSearchIndexes } from './list_search_indexes.js';
import { parseListSessions } from './list_sessions.js';
import { parseLookup } from './lookup.js';
import { parseMatch } from './match.js';
import { parseMerge } from './merge.js';
import { parseOut } from './out.js';
import { parseProject } from './project.js';
import { parseRedact } from './redact.js';
import { parseReplaceRoot, parseReplaceWith } from './replace_root.js';
import { parseSample } from './sample.js';
import { parseSetWindowFields } from './set_window_fields.js';
import { parseSkip } from './skip.js';
import { parseSort } from './sort.js';
import { parseSortByCount } from './sort_by_count.js';
import type { StageParser } from './types.js';
import { parseUnsetStage } from './unset.js';
import { parseUnionWith } from './union_with.js';
import { parseUnwind } from './unwind.js';

/** The stages eddydb runs, by name (sorted). */
const stages: ReadonlyMap<string, StageParser> = new Map<string, StageParser>([
  ['$addFields', parseAddFields],
  ['$bucket', parseBucket],
  ['$bucketAuto', parseBucketAuto],
  ['$count', parseCount],
  ['$densify', parseDensify],
  ['$documents', parseDocuments],
  ['$fill', parseFill],
  ['$facet', parseFacet],
  ['$geoNear', parseGeoNear],
  ['$graphLookup', parseGraphLookup],
  ['$group', parseGroup],
  ['$limit', parseLimit],
  ['$listLocalSessions', parseListLocalSessions],
  ['$listSearchIndexes', parseListSearchIndexes],
  ['$listSessions', parseListSessions],
  ['$lookup', parseLookup],
  ['$match', parseMatch],
  ['$merge', parseMerge],
  ['$out', parseOut],
  ['$project', parseProject],
  ['$redact', parseRedact],
  ['$replaceRoot', parseReplaceRoot],
  ['$replaceWith', parseReplaceWith],
  ['$sample', parseSample],
  ['$set', parseAddFields],
  ['$setWindowFields', parseSetWindowFields],
  ['$skip', parseSkip],
  ['$sort', parseSort],
  ['$sortByCount', parseSortByCount],
  ['$unionWith', parseUnionWith],
  ['$unset', parseUnsetStage],
  ['$unwind', parseUnwind],
]);

/**
 * Stages mongod knows that eddydb does not run. They are not "unrecognized" (40324): a pipeline that may not use
 * them gets the caller's disallowed-stage error, and one that may gets NotImplemented.
 */
const knownElsewhere: ReadonlySet<string> = new Set([
  '$changeStream', '$changeStreamSplitLargeEvent', '$collStats', '$currentOp',
  '$indexStats', '$listSampledQueries', '$planCacheStats',
  '$querySettings', '$queryStats', '$search', '$searchMeta',
  '$shardedDataDistribution', '$vectorSearch',
]);

/** The parser of a stage eddydb implements. */
export function lookupStage(name: string): StageParser | undefined {
  return stages.get(name);
}

/** True for any stage name mongod recognizes, implemented here or not. */
export function isKnownStage(name: string): boolean {
  return stages.has(name) || knownElsewhere.has(name);
}

/** The implemented stage names, sorted. */
export function stageNames(): string[] {
  return [...stages.keys()];
}
