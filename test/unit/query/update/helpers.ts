import assert from 'node:assert/strict';
import { EJSON } from 'bson';
import type { Document } from '../../../../src/bson/index.js';
import type { MatchDetails } from '../../../../src/query/filter/index.js';
import { compileUpdate, type CompileUpdateOptions, type ApplyOptions } from '../../../../src/query/update/index.js';
import { MongoServerError } from '../../../../src/errors/index.js';

/** Canonical extended JSON: keeps field order and BSON types (int vs double vs long), so equality is exact. */
export function show(v: unknown): string {
  return EJSON.stringify(v as Document, { relaxed: false });
}

/** Asserts two values are the same BSON, field order and numeric types included. */
export function assertSameBson(actual: unknown, expected: unknown, message?: string): void {
  assert.equal(show(actual), show(expected), message);
}

export interface UpdateCase {
  name: string;
  doc: Document;
  update: Document | Document[];
  expected: Document;
  modified?: boolean;
  options?: CompileUpdateOptions;
  match?: MatchDetails;
  apply?: ApplyOptions;
}

/** Runs one table row: the result document (exact BSON) and the modified flag; the input must stay untouched. */
export function runCase(c: UpdateCase): void {
  const before = show(c.doc);
  const result = compileUpdate(c.update, c.options).apply(c.doc, c.match, c.apply);
  assertSameBson(result.doc, c.expected, c.name);
  assert.equal(result.modified, c.modified ?? true, `${c.name}: modified`);
  assert.equal(show(c.doc), before, `${c.name}: input was mutated`);
}

export interface ErrorCase {
  name: string;
  doc?: Document;
  update: Document | Document[];
  code: number;
  message?: string;
  options?: CompileUpdateOptions;
  match?: MatchDetails;
}

/** The update fails (at compile or apply time) with this code, and this errmsg when given. */
export function runErrorCase(c: ErrorCase): void {
  assert.throws(
    () => compileUpdate(c.update, c.options).apply(c.doc ?? { _id: 1 }, c.match),
    (err: unknown) => {
      assert.ok(err instanceof MongoServerError, `${c.name}: not a MongoServerError: ${String(err)}`);
      assert.equal(err.code, c.code, `${c.name}: code (${err.message})`);
      if (c.message !== undefined) assert.equal(err.message, c.message, c.name);
      return true;
    },
  );
}
