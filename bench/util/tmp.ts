/** Temporary folders for on-disk subjects; each child removes its own before it exits. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

/** A new empty folder under the OS temp dir, removed by `removeTempDirs`. */
export function makeTempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `eddydb-bench-${label}-`));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
