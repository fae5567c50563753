/**
 * The command line of `eddydb watch <uri>`: which change stream to open on a MongoDB deployment (an eddydb server
 * or mongod), with the driver's option names. A bad command line exits with 2, as `eddydb serve`'s does.
 */
import { resolve } from 'node:path';
import { BSON, MongoClient, Timestamp, type Document } from 'mongodb';
import { invalidArgument, readCommandLine, UsageError, type OptionKind } from './command_line.js';

const { EJSON } = BSON;

export const FULL_DOCUMENT_MODES = ['default', 'updateLookup', 'whenAvailable', 'required'] as const;
export const FULL_DOCUMENT_BEFORE_CHANGE_MODES = ['off', 'whenAvailable', 'required'] as const;

export interface WatchOptions {
  uri: string;
  /** Neither: the whole deployment (client.watch()); `db` alone: that database; both: that collection. */
  db?: string;
  coll?: string;
  pipeline: Document[];
  fullDocument?: (typeof FULL_DOCUMENT_MODES)[number];
  fullDocumentBeforeChange?: (typeof FULL_DOCUMENT_BEFORE_CHANGE_MODES)[number];
  /** Absolute path of the file that keeps the resume token of the last event printed. */
  resumeFile?: string;
  startAtOperationTime?: Timestamp;
  showExpandedEvents: boolean;
}

export type WatchCommand = { kind: 'help' } | { kind: 'watch'; options: WatchOptions };

export const WATCH_HELP_TEXT = `Usage: eddydb watch <uri> [options]

Prints the change events of a MongoDB deployment (an eddydb server, or MongoDB itself: a replica set or a
sharded cluster) as they happen, one line of relaxed Extended JSON per event on stdout, until SIGINT or
SIGTERM. <uri> is a MongoDB connection string (mongodb://127.0.0.1:27017/?replicaSet=rs0); its options go to
the driver (serverSelectionTimeoutMS, tls, authSource, ...).

What to watch (both: a collection; --db alone: a database; neither: the whole deployment):
  --db <name>                   the database to watch
  --coll <name>                 the collection to watch (needs --db)

Options (the driver's names for watch()):
  --pipeline <json>             stages after $changeStream, as an Extended JSON array:
                                '[{"$match": {"operationType": "insert"}}]'
  --full-document <mode>        updateLookup, whenAvailable or required: add fullDocument to update events
                                (default: only inserts and replaces carry it)
  --full-document-before-change <mode>
                                whenAvailable or required: add fullDocumentBeforeChange (the collection must
                                keep pre-images: changeStreamPreAndPostImages); off (default)
  --start-at-operation-time <time>
                                start with the events at or after this cluster time: <seconds>[:<increment>],
                                an ISO date such as 2026-01-31T12:00:00Z, or {"$timestamp":{"t":..,"i":..}}
  --show-expanded-events        also print create, createIndexes, dropIndexes, modify and shardCollection events
  --resume-file <path>          keep the resume token of the last printed event in this file, and resume after
                                it when the file exists (it wins over --start-at-operation-time)
  -h, --help                    print this help and exit

With --resume-file, a watcher that is stopped or killed (even with SIGKILL) and started again prints every event
in order and skips none. An event is printed, then its token saved: only a kill between the two (the token is
written beforehand and only renamed into place after the print) repeats that one event, as the first line of the
next run, with the same _id; drop a line whose _id equals the previous line's to see each event exactly once.
Each saved token is synced to disk before the event is printed, which bounds the rate to the disk's syncs per
second. One watcher at a time per resume file.

Progress (events, events/s, lag behind the cluster time) goes to stderr when it is a terminal; otherwise stderr
only carries errors. Exit codes: 0 after SIGINT/SIGTERM or the end of an invalidated stream, 1 on a server or
connection error (printed with its code and codeName), 2 on a bad command line.
`;

const OPTIONS: Readonly<Record<string, OptionKind>> = {
  db: 'string',
  coll: 'string',
  pipeline: 'string',
  'full-document': 'string',
  'full-document-before-change': 'string',
  'resume-file': 'string',
  'start-at-operation-time': 'string',
  'show-expanded-events': 'flag',
  help: 'flag',
};

/** Parses the arguments after `watch`. Throws UsageError for anything that cannot be watched as asked. */
export function parseWatchCommandLine(args: readonly string[], cwd = process.cwd()): WatchCommand {
  const read = readCommandLine(args, OPTIONS, 1);
  if (read.help) return { kind: 'help' };
  const given = new Map<string, string | true>();
  for (const { name, value } of read.options) {
    if (given.has(name)) throw new UsageError(`Error parsing command line: option '--${name}' cannot be specified more than once`);
    given.set(name, value);
  }
  if (given.has('help')) return { kind: 'help' };
  const str = (name: string): string | undefined => {
    const v = given.get(name);
    return typeof v === 'string' ? v : undefined;
  };

  const uri = read.positionals[0];
  if (uri === undefined) throw new UsageError('Error parsing command line: eddydb watch needs a connection string (eddydb watch mongodb://host:port/)');
  checkUri(uri);

  const options: WatchOptions = { uri, pipeline: [], showExpandedEvents: given.has('show-expanded-events') };
  const db = str('db');
  const coll = str('coll');
  if (db !== undefined) {
    if (db === '') throw invalidArgument('db', db);
    options.db = db;
  }
  if (coll !== undefined) {
    if (db === undefined) throw new UsageError('Error parsing command line: --coll needs --db (the database of the collection)');
    if (coll === '') throw invalidArgument('coll', coll);
    options.coll = coll;
  }
  const pipeline = str('pipeline');
  if (pipeline !== undefined) options.pipeline = parsePipeline(pipeline);
  const fullDocument = str('full-document');
  if (fullDocument !== undefined) options.fullDocument = oneOf('full-document', fullDocument, FULL_DOCUMENT_MODES);
  const before = str('full-document-before-change');
  if (before !== undefined) options.fullDocumentBeforeChange = oneOf('full-document-before-change', before, FULL_DOCUMENT_BEFORE_CHANGE_MODES);
  const resumeFile = str('resume-file');
  if (resumeFile !== undefined) {
    if (resumeFile === '') throw invalidArgument('resume-file', resumeFile);
    options.resumeFile = resolve(cwd, resumeFile);
  }
  const start = str('start-at-operation-time');
  if (start !== undefined) options.startAtOperationTime = parseOperationTime(start);
  return { kind: 'watch', options };
}

/** The driver parses the connection string when a client is made (it connects only later). */
function checkUri(uri: string): void {
  try {
    new MongoClient(uri);
  } catch (err) {
    throw new UsageError(`Error parsing command line: invalid connection string '${uri}': ${err instanceof Error ? err.message : String(err)}`);
  }
}

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`Error parsing command line: the argument ('${value}') for option '--${option}' is invalid (${allowed.join(', ')})`);
  }
  return value as T;
}

/** The stages as Extended JSON, canonical types kept ($numberLong stays a long), so the server sees what was typed. */
function parsePipeline(text: string): Document[] {
  let parsed: unknown;
  try {
    parsed = EJSON.parse(text, { relaxed: false });
  } catch (err) {
    throw new UsageError(`Error parsing command line: --pipeline is not valid Extended JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  // A number parses as an Int32 or a Double object: only a plain object is a document.
  if (!Array.isArray(parsed) || parsed.some((stage) => typeof stage !== 'object' || stage === null || Object.getPrototypeOf(stage) !== Object.prototype)) {
    throw new UsageError('Error parsing command line: --pipeline must be a JSON array of stage documents, such as \'[{"$match": {"operationType": "insert"}}]\'');
  }
  return parsed as Document[];
}

/** mongorestore's `<seconds>[:<increment>]`, an ISO date (to the second), or the `$timestamp` the events print. */
function parseOperationTime(text: string): Timestamp {
  const pair = /^(\d+)(?::(\d+))?$/.exec(text);
  if (pair) {
    const t = Number(pair[1]);
    const i = Number(pair[2] ?? '0');
    if (t <= 0xffffffff && i <= 0xffffffff) return new Timestamp({ t, i });
  } else if (text.trimStart().startsWith('{')) {
    try {
      const value: unknown = EJSON.parse(text, { relaxed: false });
      if (value instanceof Timestamp) return value;
    } catch {
      // reported below with the other forms
    }
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(Date.parse(text))) {
    const seconds = Math.floor(Date.parse(text) / 1000);
    if (seconds >= 0 && seconds <= 0xffffffff) return new Timestamp({ t: seconds, i: 0 });
  }
  throw new UsageError(`Error parsing command line: the argument ('${text}') for option '--start-at-operation-time' is invalid (<seconds>[:<increment>], an ISO date, or {"$timestamp":{"t":<seconds>,"i":<increment>}})`);
}
