import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type ClientOptions } from '../../src/index.js';
import { requireOptional } from './optional.js';
import { createTestDatabase, POSTGRES_HOW_TO_GET, postgresMissing } from './postgres.js';

/** Every storage mode a user-level test can run against. */
export const ALL_MODES = ['memory', 'sqlite-memory', 'sqlite-file', 'postgres'] as const;
export type Mode = (typeof ALL_MODES)[number];

let decided: readonly Mode[] | undefined;

/**
 * The storage modes every user-level test runs against: the PostgreSQL engine too where its server programs are
 * installed. Where they are not, a test file that asks gets one skipped test saying so (a failing one under
 * EDDYDB_REQUIRE_ALL=1), and its suites run on the other engines. Call it at the top level of a test file.
 */
export function modes(): readonly Mode[] {
  decided ??= requireOptional('the embedded suites on the PostgreSQL engine', postgresMissing(), POSTGRES_HOW_TO_GET)
    ? ALL_MODES
    : ALL_MODES.filter((mode) => mode !== 'postgres');
  return decided;
}

export function tempDir(prefix = 'eddydb-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Opens a client in `mode`; `cleanup()` closes it and removes its folder. */
export async function openClient(mode: Mode, options: ClientOptions = {}): Promise<{ client: Client; dir?: string; cleanup: () => Promise<void> }> {
  if (mode === 'memory') {
    const client = await Client.open(undefined, { ...options, engine: 'memory' });
    return { client, cleanup: () => client.close() };
  }
  if (mode === 'sqlite-memory') {
    const client = await Client.open(':memory:', options);
    return { client, cleanup: () => client.close() };
  }
  if (mode === 'postgres') {
    const database = await createTestDatabase();
    const client = await Client.open(database.uri, options);
    return {
      client,
      cleanup: async () => {
        await client.close();
        await database.drop();
      },
    };
  }
  const dir = tempDir();
  const client = await Client.open(dir, options);
  return {
    client,
    dir,
    cleanup: async () => {
      await client.close();
      removeDir(dir);
    },
  };
}
