/**
 * Where MongoDB's unified-format spec files are read from. They are not part of this repository (another licence,
 * see README), so they are looked for, in this order:
 *   1. $EDDYDB_SPEC_DIR, when set;
 *   2. ../shared/spec from the repository root: a sibling checkout that already holds them;
 *   3. spec/ in the repository root: what `npm run spec:fetch` fills (git-ignored).
 * The first that is a directory wins. The repository root is the working directory: npm and the test scripts run
 * from there. The layout is one folder per suite (change-streams/, crud/), each holding the *.json files.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';

/** What a suite says when none of the candidates exists; kept to one line for the skip summary. */
export const SPEC_FILES_MISSING = 'MongoDB spec files not found (EDDYDB_SPEC_DIR, ../shared/spec, spec/)';
export const SPEC_FILES_HOW_TO_GET = 'run `npm run spec:fetch`';

/** The candidate directories, in lookup order. */
export function specDirCandidates(root: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): string[] {
  const candidates = [resolve(root, '../shared/spec'), resolve(root, 'spec')];
  // An empty value counts as unset: `EDDYDB_SPEC_DIR= npm test` should not make the working directory the spec dir.
  if (env.EDDYDB_SPEC_DIR) candidates.unshift(resolve(root, env.EDDYDB_SPEC_DIR));
  return candidates;
}

/** The first candidate that is a directory, or undefined when there is none. */
export function findSpecDir(root: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): string | undefined {
  return specDirCandidates(root, env).find((dir) => statSync(dir, { throwIfNoEntry: false })?.isDirectory() === true);
}

/** SPEC_FILES_MISSING when no candidate exists, else undefined: the shape requireOptional takes. */
export function specFilesMissing(root: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findSpecDir(root, env) === undefined ? SPEC_FILES_MISSING : undefined;
}
