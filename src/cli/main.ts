#!/usr/bin/env node
/**
 * The `eddydb` executable: `eddydb [serve] [options]` runs the wire-protocol server (see serve_options.ts for
 * the flags); `eddydb --help` lists them.
 */
import { SERVER_VERSION } from '../commands/support/context.js';
import { HELP_TEXT, parseCommandLine, UsageError } from './serve_options.js';
import { eddydbVersion } from './version.js';

/** Writes `text` and resolves once it has been handed to the OS, so that process.exit loses nothing. */
function flush(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (!stream.write(text)) stream.once('drain', resolve);
    else resolve();
  });
}

async function main(args: string[]): Promise<number> {
  let command;
  try {
    command = parseCommandLine(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    await flush(process.stderr, `${err.message}\ntry 'eddydb --help' for more information\n`);
    return err.exitCode;
  }
  switch (command.kind) {
    case 'help':
      await flush(process.stdout, HELP_TEXT);
      return 0;
    case 'version':
      await flush(process.stdout, `eddydb ${eddydbVersion()} (speaks MongoDB server version v${SERVER_VERSION})\n`);
      return 0;
    case 'serve': {
      // Loaded only to serve, so that --help and a bad command line answer without loading the engine.
      const { runServe } = await import('./serve.js');
      return runServe(command.options);
    }
  }
}

main(process.argv.slice(2)).then(
  async (code) => {
    await flush(process.stdout, '');
    process.exit(code);
  },
  async (err: unknown) => {
    await flush(process.stderr, `eddydb: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
