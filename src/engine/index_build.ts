import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { mongoError, type MongoServerError } from '../errors/index.js';
import { isDocument } from '../bson/types.js';
import type { StorageReader, StorageWriter } from '../storage/types.js';
import type { Engine, WriteContext } from './engine.js';
import { YIELD_EVERY_MS, type Operation } from './operation.js';
import {
  buildIdOf, formatUuid, getCollectionInfo, isBuilding, isView, listCollectionInfos, newCollectionUuid, publicSpec, toCollectionRecord,
  uuidBinary, BUILD_UUID_FIELD, type CollectionInfo, type IndexSpec,
} from './catalog.js';
import { buildIndexesNow, checkNewIndexes, collectionForWrite, dropIndexes, logIndexCreated, sameKey } from './ddl.js';
import { decodeStoredDocument } from './documents.js';
import { buildIndex } from './indexes.js';
import type { IndexBuildRegistry } from './index_builds.js';
import { toArray } from '../storage/scan.js';

/**
 * A collection with no more documents than this is indexed in the transaction that adds the index, as mongod builds
 * on an empty collection at once: that transaction holds the storage about as long as one chunk of a build.
 */
export const INDEX_AT_ONCE_DOCS = 256;

/**
 * How long one chunk of a build holds the storage (every other client's write waits for the chunk in progress): as
 * long as any other work holds the event loop between yields. The number of documents per chunk follows it (between
 * MIN_ and MAX_CHUNK_DOCS), since a document's cost depends on its size, its keys and the storage. The budget
 * covers the chunk's work, not its commit, which rewrites every index page the chunk touched: on 100,000 documents
 * a 4 ms budget answered pings in 11 ms (median) and built in twice the time of one transaction; 10 ms answers in
 * 25 ms and builds in 1.7 times that time.
 */
const CHUNK_TARGET_MS = YIELD_EVERY_MS;
const MIN_CHUNK_DOCS = 32;
const MAX_CHUNK_DOCS = 4096;

/** Where a build calls its test hook (mongod's fail points of the same names); the hook may wait there. */
export type IndexBuildPausePoint = 'hangAfterStartingIndexBuild' | 'hangIndexBuildBeforeCommit';

export interface CreateIndexesResult {
  before: number;
  after: number;
  createdCollectionAutomatically: boolean;
}

type BuildStart =
  | { kind: 'done'; before: number; after: number; created: boolean }
  | { kind: 'wait'; buildUUID: string; created: boolean }
  | { kind: 'building'; before: number; uuid: string; created: boolean };

/**
 * createIndexes as mongod runs it: the collection stays readable and writable while its documents are indexed, and
 * the command returns once the indexes are ready (or the build failed and left nothing behind).
 *
 * 1. One short transaction checks the request and adds the new indexes to the catalog marked with a build UUID.
 *    From its commit on, every write maintains their entries, as it maintains every index in the catalog.
 * 2. The documents are indexed in `_id` order, a chunk of about YIELD_EVERY_MS of work per transaction, letting
 *    other work run between chunks; re-adding an entry a concurrent write already added is a no-op.
 * 3. One transaction removes the marker and logs the `createIndexes` entries: change streams see the indexes once,
 *    complete. A failure (a duplicate key, killOp, maxTimeMS, dropIndexes, a dropped collection) removes the indexes
 *    and their entries instead; a crash leaves the marker, and `Engine.open` removes such indexes.
 *
 * While an index builds, a write that would violate it as a unique index is refused with DuplicateKey, as if it
 * were complete (mongod records such writes and fails the build at its end instead).
 */
export async function createIndexesInBackground(
  engine: Engine,
  op: Operation,
  db: string,
  coll: string,
  specs: IndexSpec[],
  pause?: (point: IndexBuildPausePoint) => Promise<void>,
): Promise<CreateIndexesResult> {
  let createdCollectionAutomatically = false;
  for (;;) {
    // Registered before its first write, so the build is known as soon as its specs are visible.
    const build = engine.indexBuilds.start(newCollectionUuid(), op);
    let start: BuildStart;
    try {
      start = await engine.write((ctx) => startIndexBuild(ctx, engine.indexBuilds, db, coll, specs, build.buildUUID));
    } catch (err) {
      build.finish();
      throw err;
    }
    createdCollectionAutomatically ||= start.created;
    if (start.kind === 'done') {
      build.finish();
      return { before: start.before, after: start.after, createdCollectionAutomatically };
    }
    if (start.kind === 'wait') {
      build.finish();
      // The same index is being built by another createIndexes: wait for it and look again, as mongod does.
      const other = engine.indexBuilds.get(start.buildUUID);
      if (other) await untilDoneOrKilled(other.done, op);
      op.check();
      continue;
    }
    try {
      const after = await runIndexBuild(engine, op, db, coll, start.uuid, build.buildUUID, pause);
      return { before: start.before, after, createdCollectionAutomatically };
    } finally {
      build.finish();
    }
  }
}

async function untilDoneOrKilled(done: Promise<void>, op: Operation): Promise<void> {
  if (op.killed) return;
  let onAbort!: () => void;
  const killed = new Promise<void>((resolve) => (onAbort = resolve));
  op.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([done, killed]);
  } finally {
    op.signal.removeEventListener('abort', onAbort);
  }
}

async function startIndexBuild(ctx: WriteContext, builds: IndexBuildRegistry, db: string, coll: string, specs: IndexSpec[], buildUUID: string): Promise<BuildStart> {
  const existing = await getCollectionInfo(ctx.writer, db, coll);
  if (existing && isView(existing)) throw mongoError('CommandNotSupportedOnView', `Namespace ${db}.${coll} is a view, not a collection`);
  const info = existing ?? (await collectionForWrite(ctx, db, coll));
  const created = existing === null;
  await removeAbandonedBuilds(ctx.writer, info, builds);
  const before = info.indexes.length;
  const { fresh, inProgress } = checkNewIndexes(info, specs);
  if (inProgress) return { kind: 'wait', buildUUID: inProgress, created };
  if (fresh.length === 0) return { kind: 'done', before, after: before, created };
  const first = await toArray(ctx.writer.scanDocuments({ coll: info.uuid, limit: INDEX_AT_ONCE_DOCS + 1, chunkRows: INDEX_AT_ONCE_DOCS + 1 }));
  if (first.length <= INDEX_AT_ONCE_DOCS) {
    await buildIndexesNow(ctx, info, fresh);
    return { kind: 'done', before, after: info.indexes.length, created };
  }
  const marker = uuidBinary(buildUUID);
  for (const spec of fresh) info.indexes.push({ ...spec, [BUILD_UUID_FIELD]: marker });
  await ctx.writer.updateCollection({ record: toCollectionRecord(info) });
  return { kind: 'building', before, uuid: info.uuid, created };
}

/** How often a running build logs its progress. */
const PROGRESS_EVERY_MS = 5_000;

/** Indexes the collection's documents chunk by chunk, then makes the indexes ready; on any failure removes them. */
async function runIndexBuild(
  engine: Engine,
  op: Operation,
  db: string,
  coll: string,
  uuid: string,
  buildUUID: string,
  pause?: (point: IndexBuildPausePoint) => Promise<void>,
): Promise<number> {
  const log = engine.options.log;
  const started = performance.now();
  const attr = { buildUUID: { uuid: { $uuid: formatUuid(buildUUID) } }, collectionUUID: { uuid: { $uuid: formatUuid(uuid) } }, namespace: `${db}.${coll}` };
  try {
    await pause?.('hangAfterStartingIndexBuild');
    const total = await engine.read((r) => r.countDocuments({ coll: uuid }));
    log?.({ msg: 'Index build: starting', component: 'INDEX', attr: { ...attr, totalRecords: total } });
    let scanned = 0;
    let reported = started;
    let after: Uint8Array | undefined;
    let chunk = MIN_CHUNK_DOCS;
    for (let more = true; more;) {
      // Progress every few seconds, as mongod's progress meter: a long build is visibly moving.
      if (log && performance.now() - reported >= PROGRESS_EVERY_MS) {
        reported = performance.now();
        log({ msg: 'Index build: collection scan progress', component: 'INDEX', attr: { ...attr, scanned, totalRecords: total, percent: total > 0 ? Math.min(100, Math.floor((scanned / total) * 100)) : 100 } });
      }
      // Other connections get in after every chunk, not every YIELD_EVERY_MS: a chunk already held the storage.
      await nextMacrotask();
      op.numYields++;
      op.check();
      after = await engine.write(async (ctx) => {
        const started = performance.now();
        const { info, specs } = await buildingIndexes(ctx, db, coll, uuid, buildUUID);
        const rows = await toArray(ctx.writer.scanDocuments({ coll: uuid, after, limit: chunk, chunkRows: chunk }));
        const docs = rows.map((row) => ({ key: row.key, doc: decodeStoredDocument(row.doc) }));
        for (const spec of specs) await buildIndex(ctx.writer, info, spec, docs);
        more = rows.length === chunk;
        scanned += rows.length;
        const took = performance.now() - started;
        if (took < CHUNK_TARGET_MS * 0.7) chunk = Math.min(MAX_CHUNK_DOCS, chunk * 2);
        else if (took > CHUNK_TARGET_MS * 1.4) chunk = Math.max(MIN_CHUNK_DOCS, chunk >> 1);
        return rows.length > 0 ? rows[rows.length - 1]!.key : after;
      });
    }
    log?.({ msg: 'Index build: collection scan done', component: 'INDEX', attr: { ...attr, totalRecords: scanned, durationMillis: Math.round(performance.now() - started) } });
    await pause?.('hangIndexBuildBeforeCommit');
    op.check();
    return await engine.write(async (ctx) => {
      const { info } = await buildingIndexes(ctx, db, coll, uuid, buildUUID);
      const ready: IndexSpec[] = [];
      info.indexes = info.indexes.map((spec) => {
        if (buildIdOf(spec) !== buildUUID) return spec;
        const done = publicSpec(spec);
        ready.push(done);
        return done;
      });
      await ctx.writer.updateCollection({ record: toCollectionRecord(info) });
      for (const spec of ready) logIndexCreated(ctx, info, spec);
      log?.({ msg: 'Index build: done building', component: 'INDEX', attr: { ...attr, indexes: ready.map((s) => s.name), durationMillis: Math.round(performance.now() - started) } });
      return info.indexes.length;
    });
  } catch (err) {
    try {
      await engine.write((ctx) => abandonIndexBuild(ctx.writer, db, coll, uuid, buildUUID));
    } catch {
      // The storage is closing: the indexes keep their marker and the next Engine.open removes them.
    }
    throw err;
  }
}

/** The IndexBuildAborted error a build fails with when something else ends it, as mongod words it. */
export function indexBuildAborted(buildUUID: string, reason: string): MongoServerError {
  return mongoError('IndexBuildAborted', `Index build aborted: ${formatUuid(buildUUID)}: ${reason}`);
}

/** The collection and this build's indexes, as this transaction sees them; aborts when either is gone. */
async function buildingIndexes(ctx: WriteContext, db: string, coll: string, uuid: string, buildUUID: string): Promise<{ info: CollectionInfo; specs: IndexSpec[] }> {
  const info = await getCollectionInfo(ctx.writer, db, coll);
  if (!info || info.uuid !== uuid) throw indexBuildAborted(buildUUID, `collection ${db}.${coll} was dropped`);
  const specs = info.indexes.filter((spec) => buildIdOf(spec) === buildUUID);
  if (specs.length === 0) throw indexBuildAborted(buildUUID, 'its indexes were dropped');
  return { info, specs };
}

/** Removes a build's indexes and their entries, if the collection still has them. */
async function abandonIndexBuild(w: StorageWriter, db: string, coll: string, uuid: string, buildUUID: string): Promise<void> {
  const info = await getCollectionInfo(w, db, coll);
  if (!info || info.uuid !== uuid) return;
  await removeIndexes(w, info, (spec) => buildIdOf(spec) === buildUUID);
}

/** Removes the indexes `which` selects with their entries; true when there were any. */
async function removeIndexes(w: StorageWriter, info: CollectionInfo, which: (spec: IndexSpec) => boolean): Promise<IndexSpec[]> {
  const removed = info.indexes.filter(which);
  if (removed.length === 0) return removed;
  for (const spec of removed) await w.dropIndexEntries({ coll: info.uuid, index: spec.name });
  info.indexes = info.indexes.filter((spec) => !which(spec));
  await w.updateCollection({ record: toCollectionRecord(info) });
  return removed;
}

/** Building indexes no build of this process runs (their build could not clean up): removed like a crash's. */
async function removeAbandonedBuilds(w: StorageWriter, info: CollectionInfo, builds: IndexBuildRegistry): Promise<void> {
  await removeIndexes(w, info, (spec) => {
    const id = buildIdOf(spec);
    return id !== null && builds.get(id) === undefined;
  });
}

/** True when some index is still marked as building (checked at startup, so a clean start writes nothing). */
export async function hasUnfinishedIndexes(r: StorageReader): Promise<boolean> {
  return (await listCollectionInfos(r)).some((info) => info.indexes.some(isBuilding));
}

/**
 * At startup, before anything else runs: removes every index whose build a crash or shutdown interrupted, with its
 * entries, so an index is either complete or absent (mongod drops unfinished indexes of a standalone the same way).
 * Returns what it removed, for the log.
 */
export async function removeUnfinishedIndexes(w: StorageWriter): Promise<{ namespace: string; index: string; buildUUID: string }[]> {
  const removed: { namespace: string; index: string; buildUUID: string }[] = [];
  for (const info of await listCollectionInfos(w)) {
    for (const spec of await removeIndexes(w, info, isBuilding)) {
      removed.push({ namespace: `${info.db}.${info.name}`, index: spec.name, buildUUID: formatUuid(buildIdOf(spec)!) });
    }
  }
  return removed;
}

/**
 * dropIndexes as mongod runs it with builds in progress: `'*'` aborts every build on the collection, then drops the
 * ready indexes; naming exactly the indexes of one build (by names or key pattern) aborts that build, whose
 * createIndexes then fails with IndexBuildAborted. Naming only some of a build's indexes is IndexNotFound. An
 * aborted build removes its own indexes: no `dropIndexes` entry is logged for them, as mongod logs none.
 */
export async function dropIndexesAbortingBuilds(engine: Engine, db: string, coll: string, which: unknown): Promise<number> {
  const info = await engine.read((r) => getCollectionInfo(r, db, coll));
  const named = info ? buildsNamed(info, which) : null;
  if (!info || !named) return engine.write((ctx) => dropIndexes(ctx, db, coll, which));
  const nIndexesWas = info.indexes.length;
  for (const buildUUID of named.builds) {
    const build = engine.indexBuilds.get(buildUUID);
    if (build) {
      build.op.kill(indexBuildAborted(buildUUID, 'dropIndexes command'));
      await build.done;
    } else {
      await engine.write((ctx) => abandonIndexBuild(ctx.writer, db, coll, info.uuid, buildUUID));
    }
  }
  if (which === '*') {
    await engine.write((ctx) => dropIndexes(ctx, db, coll, which));
  } else {
    // A build that committed before the abort reached it left its indexes ready: they are dropped as asked.
    await engine.write(async (ctx) => {
      const now = await getCollectionInfo(ctx.writer, db, coll);
      const ready = named.names.filter((name) => now?.indexes.some((spec) => spec.name === name && !isBuilding(spec)));
      if (ready.length > 0) await dropIndexes(ctx, db, coll, ready);
    });
  }
  return nIndexesWas;
}

/**
 * The builds a dropIndexes argument aborts: all of them for '*', else the one build whose indexes it names exactly
 * (with those names); null when it aborts none.
 */
function buildsNamed(info: CollectionInfo, which: unknown): { builds: string[]; names: string[] } | null {
  const building = info.indexes.filter(isBuilding);
  if (building.length === 0) return null;
  const ids = [...new Set(building.map((spec) => buildIdOf(spec)!))];
  if (which === '*') return { builds: ids, names: [] };
  let names: string[];
  if (typeof which === 'string') names = [which];
  else if (Array.isArray(which) && which.every((n) => typeof n === 'string')) names = which as string[];
  else if (isDocument(which)) names = info.indexes.filter((spec) => sameKey(spec.key, which)).slice(0, 1).map((spec) => spec.name);
  else return null;
  const wanted = new Set(names);
  for (const id of ids) {
    const own = building.filter((spec) => buildIdOf(spec) === id).map((spec) => spec.name);
    if (own.length === wanted.size && own.every((name) => wanted.has(name))) return { builds: [id], names };
  }
  return null;
}
