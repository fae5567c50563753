/**
 * `eddydb watch <uri>`: tails a deployment's change stream through the official driver and prints each event as
 * one line of relaxed Extended JSON. Only this command loads the driver (main imports this file for `watch`
 * alone). What a restart with --resume-file repeats and skips is explained at ResumeTokenFile and in the help.
 */
import { BSON, MongoClient, MongoError, MongoServerError, type ChangeStream, type ChangeStreamOptions, type Document } from 'mongodb';
import { parseWatchCommandLine, WATCH_HELP_TEXT, type WatchOptions } from './watch_options.js';
import { WatchProgress } from './watch_progress.js';
import { ResumeFileError, ResumeTokenFile } from './watch_resume_file.js';

const { EJSON } = BSON;

/** Where `runWatch` writes: event lines to `out`, errors and progress to `err`. */
export interface WatchIO {
  /**
   * Writes `text`. With `flush`, resolves once the OS has it; without, as soon as more may be written (at once
   * unless the reader is behind). Rejects when the reader has gone.
   */
  out: (text: string, flush: boolean) => Promise<void>;
  err: (text: string) => void;
  /** Draw the progress line on `err` (it is a terminal). */
  progress: boolean;
  /** `out` is a terminal too: the progress line is erased before each event line. */
  outIsTerminal: boolean;
}

const defaultIO: WatchIO = {
  out: (text, flush) => new Promise((resolve, reject) => {
    if (process.stdout.destroyed) {
      reject(new Error('stdout is closed'));
      return;
    }
    const more = process.stdout.write(text, (err) => (err ? reject(err) : resolve()));
    if (more && !flush) resolve();
  }),
  err: (text) => process.stderr.write(text),
  progress: process.stderr.isTTY === true,
  outIsTerminal: process.stdout.isTTY === true,
};

/** Runs `eddydb watch` with the arguments after `watch`; throws UsageError for a bad command line. */
export async function runWatchCommand(args: readonly string[]): Promise<number> {
  const command = parseWatchCommandLine(args);
  if (command.kind === 'help') {
    await defaultIO.out(WATCH_HELP_TEXT, true);
    return 0;
  }
  // A reader that went away (`eddydb watch ... | head`) ends the watch; the failed write says so to the loop.
  process.stdout.on('error', () => {});
  return runWatch(command.options);
}

/**
 * Prints the events until SIGINT or SIGTERM (exit 0), the end of an invalidated stream (0), or an error (1:
 * the server's code and codeName, or why the driver could not reach it). The driver resumes by itself after
 * a resumable error (a dropped connection, a server restart), as for any change stream.
 */
export async function runWatch(options: WatchOptions, io: WatchIO = defaultIO): Promise<number> {
  const resumeFile = options.resumeFile === undefined ? undefined : new ResumeTokenFile(options.resumeFile);
  let resumeToken: Document | undefined;
  try {
    resumeToken = resumeFile?.read();
  } catch (err) {
    if (!(err instanceof ResumeFileError)) throw err;
    io.err(`eddydb watch: ${err.message}\n`);
    return 1;
  }

  const client = new MongoClient(options.uri);
  const stream = openStream(client, options, resumeToken);
  const progress = io.progress ? new WatchProgress(io.err) : undefined;
  progress?.start();
  let stopping = false;
  const onSignal = (): void => {
    stopping = true;
    // Ends a getMore that is waiting for events, or the wait for a server to connect to; the loop then stops.
    stream.close().catch(() => {});
    client.close().catch(() => {});
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    while (!stopping) {
      const event = await stream.tryNext();
      if (event === null) {
        if (stream.closed) break; // an invalidate ended it
        progress?.caughtUp();
        // An empty batch moves the token past events that did not match: keeping it lets a restart of a quiet
        // watcher start where this one was instead of falling behind the server's history.
        if (resumeFile !== undefined && stream.resumeToken !== undefined && stream.resumeToken !== null && !stopping) {
          resumeFile.save(stream.resumeToken as Document);
        }
        continue;
      }
      progress?.event(event);
      if (io.outIsTerminal) progress?.clear();
      const line = `${EJSON.stringify(event, { relaxed: true })}\n`;
      resumeFile?.prepare(event._id as Document);
      try {
        // The token is committed only once the line is out of this process; without a resume file nothing
        // waits for that, so lines go out as fast as the reader takes them.
        await io.out(line, resumeFile !== undefined);
      } catch {
        // Whoever read the output is gone: the event was not delivered, so its token stays unsaved.
        return 0;
      }
      resumeFile?.commit();
    }
    return 0;
  } catch (err) {
    if (stopping) return 0;
    io.err(`eddydb watch: ${describeError(err)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress?.stop();
    await stream.close().catch(() => {});
    await client.close().catch(() => {});
  }
}

function openStream(client: MongoClient, options: WatchOptions, resumeToken: Document | undefined): ChangeStream {
  const streamOptions: ChangeStreamOptions = { maxAwaitTimeMS: 1000 };
  if (options.fullDocument !== undefined) streamOptions.fullDocument = options.fullDocument;
  if (options.fullDocumentBeforeChange !== undefined) streamOptions.fullDocumentBeforeChange = options.fullDocumentBeforeChange;
  if (options.showExpandedEvents) streamOptions.showExpandedEvents = true;
  // startAfter rather than resumeAfter: the saved token may be an invalidate's, after which a new stream starts.
  if (resumeToken !== undefined) streamOptions.startAfter = resumeToken;
  else if (options.startAtOperationTime !== undefined) streamOptions.startAtOperationTime = options.startAtOperationTime;
  if (options.db === undefined) return client.watch(options.pipeline, streamOptions);
  const db = client.db(options.db);
  if (options.coll === undefined) return db.watch(options.pipeline, streamOptions);
  return db.collection(options.coll).watch(options.pipeline, streamOptions);
}

/** The server's words with its code and codeName; for the driver's own errors, their name and message. */
function describeError(err: unknown): string {
  if (err instanceof MongoServerError) {
    return `${err.message} (code ${String(err.code)}${err.codeName !== undefined ? `, ${err.codeName}` : ''})`;
  }
  if (err instanceof MongoError) return `${err.name}: ${err.message}`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
