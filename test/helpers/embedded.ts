import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type ClientOptions } from '../../src/index.js';

/** The storage modes every user-level test runs against. */
export const MODES = ['memory', 'sqlite-memory', 'sqlite-file'] as const;
export type Mode = (typeof MODES)[number];

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
