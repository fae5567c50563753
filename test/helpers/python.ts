/**
 * The Python that runs the pymongo scripts: Debian's /usr/bin/python3 with python3-pymongo (pymongo 3.11), which is
 * what the pymongo tests were written against. $EDDYDB_PYTHON points elsewhere, e.g. at a python without pymongo to
 * check that the suites then skip (or fail under EDDYDB_REQUIRE_ALL=1).
 */
import { spawnSync } from 'node:child_process';

export const PYTHON = process.env.EDDYDB_PYTHON || '/usr/bin/python3';

export const PYMONGO_HOW_TO_GET = 'apt-get install -y python3-pymongo';

/** One line saying why PYTHON cannot import pymongo, or undefined when it can. */
export function pymongoMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import pymongo'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.status === 0) return undefined;
  const cause = probe.error ? probe.error.message : (probe.stderr.trim().split('\n').at(-1) || `exit status ${probe.status ?? probe.signal}`);
  return `${PYTHON} cannot import pymongo (${cause})`;
}
