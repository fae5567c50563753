import { isDocument, type Document } from '../../bson/types.js';
import type { Privilege, Resource, UserName } from '../../auth/privilege.js';

/**
 * The privileges an aggregation needs, stage by stage, as mongod's lite-parsed pipelines report them: `find` on the
 * collection read unless the first stage produces its own documents, and each stage's own privileges, on the
 * namespaces it reads or writes (sub-pipelines of $lookup, $unionWith and $facet included).
 */

/** The stages that produce their own documents: an aggregation that starts with one reads no collection. */
const INITIAL_SOURCES: ReadonlySet<string> = new Set([
  '$changeStream', '$collStats', '$currentOp', '$documents', '$indexStats', '$listCatalog', '$listLocalSessions',
  '$listSampledQueries', '$listSearchIndexes', '$listSessions', '$planCacheStats', '$querySettings', '$queryStats',
  '$search', '$searchMeta', '$shardedDataDistribution',
]);

function exact(db: string, collection: string, actions: readonly string[]): Privilege {
  return { resource: { db, collection }, actions };
}

/** The resource a stage names: a collection, or the database when the aggregation names none (`aggregate: 1`). */
function namespaceResource(db: string, collection: string | null): Resource {
  return { db, collection: collection ?? '' };
}

/**
 * What a change stream needs: `changeStream` and `find` on the collection it watches, on its database for a
 * database stream (`aggregate: 1`), or on every normal resource for a whole-cluster stream (`aggregate: 1` on admin).
 * Held on the stream's cursor so a getMore can check that its user still has them.
 */
export function changeStreamPrivileges(db: string, collection: string | null): Privilege[] {
  const actions = ['changeStream', 'find'];
  if (collection !== null) return [exact(db, collection, actions)];
  if (db === 'admin') return [{ resource: { db: '', collection: '' }, actions }];
  return [{ resource: { db, collection: '' }, actions }];
}

/** A `from`, `coll` or `into` naming a collection: a string in the same database, or `{db, coll}`. */
function foreignNamespace(value: unknown, db: string): { db: string; collection: string } | null {
  if (typeof value === 'string') return { db, collection: value };
  if (isDocument(value) && typeof value.coll === 'string') {
    return { db: typeof value.db === 'string' ? value.db : db, collection: value.coll };
  }
  return null;
}

/** $merge's actions on its target for each pair of modes (mongod's merge strategy descriptors). */
function mergeActions(whenMatched: string, whenNotMatched: string): string[] {
  if (whenMatched === 'fail') return ['insert'];
  if (whenNotMatched === 'insert') return ['insert', 'update'];
  return ['update'];
}

/** True when a `users` list names someone other than the authenticated users (all of them when `self` is unknown). */
function namesOthers(users: unknown, self: readonly UserName[] | undefined): boolean {
  if (!Array.isArray(users) || users.length === 0) return false;
  if (!self) return true;
  return users.some((u) => !(isDocument(u) && self.some((me) => me.user === u.user && me.db === u.db)));
}

interface Walk {
  bypassDocumentValidation: boolean;
  self: readonly UserName[] | undefined;
  out: Privilege[];
}

function stagePrivileges(stage: Document, db: string, collection: string | null, walk: Walk): void {
  const { bypassDocumentValidation, self, out } = walk;
  const name = Object.keys(stage)[0];
  if (name === undefined) return;
  const spec = stage[name];
  const onTarget = (actions: readonly string[]): Privilege => ({ resource: namespaceResource(db, collection), actions });
  switch (name) {
    case '$changeStream':
      out.push(...changeStreamPrivileges(db, collection));
      return;
    case '$collStats':
      out.push(onTarget(['collStats']));
      return;
    case '$indexStats':
      out.push(onTarget(['indexStats']));
      return;
    case '$planCacheStats':
      out.push(onTarget(['planCacheRead']));
      return;
    case '$listSearchIndexes':
      out.push(onTarget(['listSearchIndexes']));
      return;
    case '$currentOp':
      // Without `allUsers: true` (the default is false) it lists only the user's own operations.
      if (isDocument(spec) && spec.allUsers === true) out.push({ resource: { cluster: true }, actions: ['inprog'] });
      return;
    case '$listSessions':
    case '$listLocalSessions':
      // Other users' sessions need listSessions; a user's own sessions (the default) need nothing.
      if (isDocument(spec) && (spec.allUsers === true || namesOthers(spec.users, self))) {
        out.push({ resource: { cluster: true }, actions: ['listSessions'] });
      }
      return;
    case '$queryStats':
      out.push({ resource: { cluster: true }, actions: ['queryStatsRead'] });
      return;
    case '$querySettings':
      out.push({ resource: { cluster: true }, actions: ['querySettings'] });
      return;
    case '$listSampledQueries':
      out.push({ resource: { cluster: true }, actions: ['listSampledQueries'] });
      return;
    case '$shardedDataDistribution':
      out.push({ resource: { cluster: true }, actions: ['shardedDataDistribution'] });
      return;
    case '$graphLookup': {
      const from = isDocument(spec) ? foreignNamespace(spec.from, db) : null;
      if (from) out.push(exact(from.db, from.collection, ['find']));
      return;
    }
    case '$lookup':
    case '$unionWith': {
      // The foreign collection is read unless the sub-pipeline produces its own documents ($documents).
      const target =
        name === '$lookup' ? (isDocument(spec) ? foreignNamespace(spec.from, db) : null)
        : typeof spec === 'string' ? { db, collection: spec }
        : isDocument(spec) ? foreignNamespace({ coll: spec.coll }, db)
        : null;
      const pipeline = isDocument(spec) ? spec.pipeline : undefined;
      if (target && !startsWithInitialSource(pipeline)) out.push(exact(target.db, target.collection, ['find']));
      subPipelinePrivileges(pipeline, target?.db ?? db, target?.collection ?? null, walk);
      return;
    }
    case '$facet':
      if (!isDocument(spec)) return;
      for (const sub of Object.values(spec)) subPipelinePrivileges(sub, db, collection, walk);
      return;
    case '$out': {
      const target = foreignNamespace(spec, db);
      if (!target) return;
      const actions = ['insert', 'remove'];
      if (bypassDocumentValidation) actions.push('bypassDocumentValidation');
      out.push(exact(target.db, target.collection, actions));
      return;
    }
    case '$merge': {
      const into = isDocument(spec) ? foreignNamespace(spec.into, db) : foreignNamespace(spec, db);
      if (!into) return;
      const whenMatched = isDocument(spec) ? (Array.isArray(spec.whenMatched) ? 'pipeline' : spec.whenMatched ?? 'merge') : 'merge';
      const whenNotMatched = isDocument(spec) ? spec.whenNotMatched ?? 'insert' : 'insert';
      const actions = mergeActions(String(whenMatched), String(whenNotMatched));
      if (bypassDocumentValidation) actions.push('bypassDocumentValidation');
      out.push(exact(into.db, into.collection, actions));
      return;
    }
    default:
      return;
  }
}

/** The stages' own privileges of a sub-pipeline ($lookup, $unionWith, $facet): it reads no collection itself. */
function subPipelinePrivileges(pipeline: unknown, db: string, collection: string | null, walk: Walk): void {
  if (!Array.isArray(pipeline)) return;
  for (const stage of pipeline) if (isDocument(stage)) stagePrivileges(stage, db, collection, walk);
}

function startsWithInitialSource(pipeline: unknown): boolean {
  if (!Array.isArray(pipeline) || !isDocument(pipeline[0])) return false;
  const first = Object.keys(pipeline[0])[0];
  return first !== undefined && INITIAL_SOURCES.has(first);
}

/**
 * Everything an aggregation on `db.collection` (`collection` null for `aggregate: 1`) needs to run `pipeline`.
 * `self`, the authenticated users, lets $listSessions of their own sessions need nothing; without it, naming any
 * user counts as naming another.
 */
export function pipelinePrivileges(
  db: string,
  collection: string | null,
  pipeline: unknown,
  bypassDocumentValidation = false,
  self?: readonly UserName[],
): Privilege[] {
  const walk: Walk = { bypassDocumentValidation, self, out: [] };
  if (!startsWithInitialSource(pipeline)) walk.out.push({ resource: namespaceResource(db, collection), actions: ['find'] });
  subPipelinePrivileges(pipeline, db, collection, walk);
  return walk.out;
}
