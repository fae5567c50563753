import { logEntry, type LogEntry } from '../server/log.js';
import { ServerStartupError, startServer, type RunningServer, type StartServerOptions } from '../server/server.js';

/** Where `runServe` writes: log lines go to `out`, one-line human messages to `err`. */
export interface ServeIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIO: ServeIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/**
 * Runs the server until SIGINT or SIGTERM, then shuts it down cleanly (stop accepting, end cursors, checkpoint)
 * and resolves to the exit code: 0 after a clean shutdown, the ServerStartupError's code (100 DBPathInUse,
 * 48 address in use) when it cannot start, 1 when shutting down fails. A second signal during shutdown exits at once.
 */
export async function runServe(options: StartServerOptions, io: ServeIO = defaultIO): Promise<number> {
  const log = (entry: LogEntry): void => io.out(`${JSON.stringify(entry)}\n`);
  let server: RunningServer;
  try {
    server = await startServer({ ...options, log });
  } catch (err) {
    const startup = err instanceof ServerStartupError ? err : undefined;
    const message = err instanceof Error ? err.message : String(err);
    const exitCode = startup?.exitCode ?? 1;
    log(logEntry('F', 'CONTROL', 20557, 'initandlisten', 'DBException in initAndListen, terminating', { error: message }));
    log(logEntry('I', 'CONTROL', 20565, 'initandlisten', 'Now exiting', {}));
    log(logEntry('I', 'CONTROL', 23138, 'initandlisten', 'Shutting down', { exitCode }));
    io.err(`eddydb: ${message}\n`);
    return exitCode;
  }

  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        log(logEntry('W', 'CONTROL', 23377, 'signalProcessingThread', 'Received signal during shutdown; exiting now', { signal }));
        process.exit(1);
      }
      stopping = true;
      log(logEntry('I', 'CONTROL', 23377, 'signalProcessingThread', 'Received signal', { signal }));
      server.close().then(
        () => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          log(logEntry('I', 'CONTROL', 20565, 'signalProcessingThread', 'Now exiting', {}));
          log(logEntry('I', 'CONTROL', 23138, 'signalProcessingThread', 'Shutting down', { exitCode: 0 }));
          resolveExit(0);
        },
        (err: unknown) => {
          log(logEntry('E', 'CONTROL', 0, 'signalProcessingThread', 'Shutdown failed', { error: err instanceof Error ? err.message : String(err) }));
          resolveExit(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
