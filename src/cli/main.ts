#!/usr/bin/env node
/**
 * The `eddydb` executable: `eddydb [serve] [options]` runs the wire-protocol server (see serve_options.ts for
 * the flags); `eddydb watch <uri> [options]` prints a deployment's change events (watch_options.ts);
 * `eddydb --help` and `eddydb watch --help` list the options.
 */
import { SERVER_VERSION } from '../commands/support/context.js';
import { UsageError } from './command_line.js';
import { HELP_TEXT, parseCommandLine } from './serve_options.js';
import { eddydbVersion } from './version.js';

/** Writes `text` and resolves once it has been handed to the OS, so that process.exit loses nothing. */
function flush(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (!stream.write(text)) stream.once('drain', resolve);
    else resolve();
  });
}

async function usageError(err: unknown, help: string): Promise<number> {
  if (!(err instanceof UsageError)) throw err;
  await flush(process.stderr, `${err.message}\ntry '${help}' for more information\n`);
  return err.exitCode;
}

async function main(args: string[]): Promise<number> {
  if (args[0] === 'watch') {
    // The driver is loaded only to watch, so that serving never loads it.
    const { runWatchCommand } = await import('./watch.js');
    return runWatchCommand(args.slice(1)).catch((err: unknown) => usageError(err, 'eddydb watch --help'));
  }
  let command;
  try {
    command = parseCommandLine(args);
  } catch (err) {
    return usageError(err, 'eddydb --help');
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
