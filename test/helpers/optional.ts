/**
 * Suites that need something the repository cannot carry (MongoDB's spec files, pymongo, openssl, PostgreSQL's
 * server programs) ask requireOptional first. When it is missing, the suite is replaced by one test whose name says
 * which suite it is: skipped, with one line saying what is missing and how to get it; or, under EDDYDB_REQUIRE_ALL=1
 * (CI), failing with that line, so a run that was meant to be complete cannot go green by skipping.
 *
 * scripts/run-tests.mjs sets $EDDYDB_SKIP_LOG to a file; each decision is appended there as one JSON line, because
 * node's reporters bury skip reasons among the other results and the run should end with the list.
 */
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';
import { it } from 'node:test';

export type OptionalDecision = { kind: 'run' } | { kind: 'skip' | 'fail'; message: string };

/** Whether a suite runs, skips or fails, given what is missing (undefined: nothing) and the environment. */
export function decideOptional(missing: string | undefined, howToGet: string, env: NodeJS.ProcessEnv = process.env): OptionalDecision {
  if (missing === undefined) return { kind: 'run' };
  const line = `${missing}; ${howToGet}`;
  if (env.EDDYDB_REQUIRE_ALL === '1') return { kind: 'fail', message: `required (EDDYDB_REQUIRE_ALL=1): ${line}` };
  return { kind: 'skip', message: `skipped: ${line}` };
}

/** One line of $EDDYDB_SKIP_LOG. */
export interface OptionalLogEntry {
  file: string;
  suite: string;
  kind: 'skip' | 'fail';
  message: string;
}

/**
 * True when `missing` is undefined: the caller then defines its tests. Otherwise defines the one skipped or failing
 * test named `suite` in the current scope (top level or inside a describe) and returns false.
 */
export function requireOptional(suite: string, missing: string | undefined, howToGet: string): boolean {
  const decision = decideOptional(missing, howToGet);
  if (decision.kind === 'run') return true;
  logDecision({ file: testFile(), suite, kind: decision.kind, message: decision.message });
  if (decision.kind === 'skip') it(suite, { skip: decision.message }, () => undefined);
  else {
    it(suite, () => {
      throw new Error(decision.message);
    });
  }
  return false;
}

/** The test file this process runs (node --test starts one process per file), relative to the repository root. */
function testFile(): string {
  const path = process.argv[1];
  return path ? relative(process.cwd(), path) : '(unknown file)';
}

function logDecision(entry: OptionalLogEntry): void {
  const path = process.env.EDDYDB_SKIP_LOG;
  if (!path) return;
  try {
    appendFileSync(path, `${JSON.stringify(entry)}\n`);
  } catch {
    // The summary is a convenience; the skipped or failing test itself is already in the report.
  }
}
