import { readFileSync } from 'node:fs';

/**
 * eddydb's own version, from the package.json of the installed package. The compiled file sits at
 * dist/src/cli/version.js, three folders below the package root, in a checkout and in node_modules alike.
 */
export function eddydbVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}
