import { Double, parseCollation, type Collation, type Document } from '../bson/index.js';
import { MongoServerError } from '../errors/index.js';
import type { Engine } from '../engine/engine.js';
import { ArrayCursor } from '../engine/array_cursor.js';
import { validateCollectionName, validateDbName } from '../engine/namespace.js';
import { deleteDocuments, insertDocuments, updateDocuments, type WriteError } from '../engine/write_ops.js';
import { resolveLetVariables, type LetVariables } from '../engine/let_variables.js';
import type { CommandDefinition } from './support/context.js';
import { parseBulkWrite, type BulkWriteDeleteOp, type BulkWriteInsertOp, type BulkWriteNamespace, type BulkWriteOp, type BulkWriteRequest, type BulkWriteUpdateOp } from './support/bulk_write_request.js';
import { cursorReply } from './support/reply.js';
import { retryableWriteOf } from './support/retryable_write.js';
import type { RetryableWrite } from '../engine/retryable_writes.js';

/**
 * The MongoDB 8.0 client-level `bulkWrite` command (admin only): inserts, updates and deletes across namespaces.
 * Each operation commits on its own (with its change events), as the single-collection write commands do; an
 * operation that fails becomes an `{ok: 0, idx, code, errmsg}` entry of the results cursor, and an ordered bulk
 * write stops there. https://www.mongodb.com/docs/manual/reference/command/bulkWrite/
 */

/** The results cursor's namespace (mongod's NamespaceString::makeBulkWriteNSS). */
export const BULK_WRITE_CURSOR_NS = 'admin.$cmd.bulkWrite';

interface Totals {
  nErrors: number;
  nInserted: number;
  nMatched: number;
  nModified: number;
  nUpserted: number;
  nDeleted: number;
}

/** Collects the reply items and totals; knows whether the bulk write must stop. */
class BulkWriteResults {
  readonly items: Document[] = [];
  readonly totals: Totals = { nErrors: 0, nInserted: 0, nMatched: 0, nModified: 0, nUpserted: 0, nDeleted: 0 };

  constructor(private readonly errorsOnly: boolean) {}

  succeeded(idx: number, n: number, extra: Document = {}): void {
    // ok is a double in mongod's BulkWriteReplyItem.
    if (!this.errorsOnly) this.items.push({ ok: new Double(1), idx, n, ...extra });
  }

  /** An error item; mongod gives a failed update `nModified: 0` as well as `n: 0`. */
  failed(idx: number, error: WriteError | MongoServerError, kind: BulkWriteOp['kind']): void {
    this.totals.nErrors++;
    const counts: Document = kind === 'update' ? { n: 0, nModified: 0 } : { n: 0 };
    if (error instanceof MongoServerError) {
      this.items.push({ ok: new Double(0), idx, code: error.code, errmsg: error.message, ...error.extra, ...counts });
    } else {
      const { index: _index, code, codeName: _codeName, errmsg, ...extra } = error;
      this.items.push({ ok: new Double(0), idx, code, errmsg, ...extra, ...counts });
    }
  }
}

/** The namespace's own naming rules, which mongod checks per operation (a write error, not a command error). */
function namespaceError(ns: BulkWriteNamespace): MongoServerError | null {
  try {
    validateDbName(ns.db);
    validateCollectionName(ns.db, ns.coll);
    return null;
  } catch (err) {
    if (err instanceof MongoServerError) return err;
    throw err;
  }
}

function collationOf(raw: Document | undefined): Collation | null {
  return raw === undefined ? null : parseCollation(raw);
}

/** What every operation of one bulk write shares. */
interface Run {
  engine: Engine;
  req: BulkWriteRequest;
  /** The evaluated top-level `let`. */
  variables?: LetVariables;
  results: BulkWriteResults;
  /** Set when the bulk write is a retryable write; each operation's statement id is its index. */
  retryable?: RetryableWrite;
}

/** The retryable write of the operations from index `first` on. */
function from(run: Run, first: number): RetryableWrite | undefined {
  return run.retryable && { ...run.retryable, firstStmtId: first };
}

/** Runs inserts `ops[start..end)` (consecutive, one namespace) as one insert batch; returns false to stop. */
async function runInserts(run: Run, ns: BulkWriteNamespace, ops: BulkWriteInsertOp[], start: number): Promise<boolean> {
  const { engine, req, results } = run;
  const { bypassDocumentValidation } = req;
  const { n, writeErrors } = await insertDocuments(engine, ns.db, ns.coll, ops.map((op) => op.document), req.ordered, { bypassDocumentValidation }, undefined, from(run, start));
  results.totals.nInserted += n;
  const errors = new Map(writeErrors.map((e) => [e.index, e]));
  for (let i = 0; i < ops.length; i++) {
    const error = errors.get(i);
    if (error) {
      results.failed(start + i, error, 'insert');
      if (req.ordered) return false;
    } else {
      results.succeeded(start + i, 1);
    }
  }
  return true;
}

async function runUpdate(run: Run, ns: BulkWriteNamespace, op: BulkWriteUpdateOp, idx: number): Promise<boolean> {
  const { engine, req, variables, results } = run;
  const { bypassDocumentValidation } = req;
  const result = await updateDocuments(engine, ns.db, ns.coll, [{
    q: op.filter, u: op.updateMods, upsert: op.upsert, multi: op.multi, arrayFilters: op.arrayFilters,
    collation: collationOf(op.collation), sort: op.sort,
    // An op's `constants` are literal values next to the command's `let`, as the update command's `c`.
    variables: op.constants ? { ...variables, ...op.constants } : variables,
  }], true, { bypassDocumentValidation }, from(run, idx));
  if (result.writeErrors.length > 0) {
    results.failed(idx, result.writeErrors[0]!, 'update');
    return !req.ordered;
  }
  const upserted = result.upserted[0];
  if (upserted) {
    results.totals.nUpserted++;
    results.succeeded(idx, 1, { nModified: 0, upserted: { _id: upserted._id } });
  } else {
    results.totals.nMatched += result.n;
    results.totals.nModified += result.nModified;
    results.succeeded(idx, result.n, { nModified: result.nModified });
  }
  return true;
}

async function runDelete(run: Run, ns: BulkWriteNamespace, op: BulkWriteDeleteOp, idx: number): Promise<boolean> {
  const { engine, req, variables, results } = run;
  const statement = { q: op.filter, limit: op.multi ? 0 : 1, collation: collationOf(op.collation), variables };
  const result = await deleteDocuments(engine, ns.db, ns.coll, [statement], true, from(run, idx));
  if (result.writeErrors.length > 0) {
    results.failed(idx, result.writeErrors[0]!, 'delete');
    return !req.ordered;
  }
  results.totals.nDeleted += result.n;
  results.succeeded(idx, result.n);
  return true;
}

/** Executes every operation in order (stopping at the first error when ordered) and collects the results. */
async function execute(engine: Engine, req: BulkWriteRequest, variables: LetVariables | undefined, retryable: RetryableWrite | undefined): Promise<BulkWriteResults> {
  const results = new BulkWriteResults(req.errorsOnly);
  const run: Run = { engine, req, variables, results, retryable };
  const nsErrors = new Map<number, MongoServerError | null>();
  let i = 0;
  while (i < req.ops.length) {
    const op = req.ops[i]!;
    const ns = req.nsInfo[op.nsIndex]!;
    if (!nsErrors.has(op.nsIndex)) nsErrors.set(op.nsIndex, namespaceError(ns));
    const nsError = nsErrors.get(op.nsIndex);
    let proceed: boolean;
    if (nsError) {
      results.failed(i, nsError, op.kind);
      proceed = !req.ordered;
      i++;
    } else if (op.kind === 'insert') {
      // Consecutive inserts into one namespace share one storage transaction, as mongod batches inserts.
      let end = i + 1;
      while (end < req.ops.length && req.ops[end]!.kind === 'insert' && req.ops[end]!.nsIndex === op.nsIndex) end++;
      proceed = await runInserts(run, ns, req.ops.slice(i, end) as BulkWriteInsertOp[], i);
      i = end;
    } else {
      try {
        proceed = op.kind === 'update' ? await runUpdate(run, ns, op, i) : await runDelete(run, ns, op, i);
      } catch (err) {
        // Errors raised before the engine runs the statement (a bad collation) fail only this operation.
        if (!(err instanceof MongoServerError)) throw err;
        results.failed(i, err, op.kind);
        proceed = !req.ordered;
      }
      i++;
    }
    if (!proceed) break;
  }
  return results;
}

export const bulkWrite: CommandDefinition = {
  name: 'bulkWrite',
  adminOnly: true,
  async run(cmd, ctx) {
    const req = parseBulkWrite(cmd);
    // `let` is evaluated once, before any write; a bad one fails the command.
    const variables = resolveLetVariables(req.let, 'bulkWrite');
    const results = await execute(ctx.engine, req, variables, retryableWriteOf('bulkWrite', cmd, ctx));
    // All results in the first batch unless they pass 16 MiB (or cursor.batchSize); the rest wait for getMore.
    const cursor = new ArrayCursor(BULK_WRITE_CURSOR_NS, results.items, 'bulkWrite', ctx.lsid);
    // An explicit batchSize of 0 asks for an empty first batch, as for find.
    const first = req.batchSize === 0 ? { docs: [], exhausted: results.items.length === 0 } : cursor.first(req.batchSize ?? 0);
    const id = first.exhausted ? 0n : ctx.engine.cursors.register(cursor);
    return { ...cursorReply(BULK_WRITE_CURSOR_NS, id, first.docs, 'firstBatch'), ...results.totals };
  },
};
