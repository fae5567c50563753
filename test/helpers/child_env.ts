/**
 * The environment for a child process that runs test files or project scripts on its own: without the variables
 * that would tie it to this run (node's test-runner context, the skip log, EDDYDB_REQUIRE_ALL, the spec, python and
 * PostgreSQL overrides), so each test states the ones it means.
 */
const INHERITED_BY_ACCIDENT = [
  'NODE_TEST_CONTEXT',
  'EDDYDB_SKIP_LOG',
  'EDDYDB_REQUIRE_ALL',
  'EDDYDB_SPEC_DIR',
  'EDDYDB_PYTHON',
  'EDDYDB_PG_BIN',
  'EDDYDB_SPEC_REPO',
  'EDDYDB_SPEC_COMMIT',
  'EDDYDB_SPEC_FETCH_DIR',
];

export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of INHERITED_BY_ACCIDENT) delete env[name];
  return { ...env, ...extra };
}
