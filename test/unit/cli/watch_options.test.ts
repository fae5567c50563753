import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Int32, Long, Timestamp } from 'mongodb';
import { UsageError } from '../../../src/cli/command_line.js';
import { parseWatchCommandLine, WATCH_HELP_TEXT, type WatchCommand, type WatchOptions } from '../../../src/cli/watch_options.js';
import { HELP_TEXT } from '../../../src/cli/serve_options.js';

const URI = 'mongodb://127.0.0.1:27017/?replicaSet=rs0';

function watch(args: string[]): WatchOptions {
  const command: WatchCommand = parseWatchCommandLine(args, '/work/here');
  assert.equal(command.kind, 'watch');
  return (command as Extract<WatchCommand, { kind: 'watch' }>).options;
}

function usageError(args: string[], message: RegExp): void {
  assert.throws(() => parseWatchCommandLine(args, '/work/here'), (err: unknown) => {
    assert.ok(err instanceof UsageError, `expected a UsageError, got ${String(err)}`);
    assert.equal(err.exitCode, 2);
    assert.match(err.message, message);
    return true;
  });
}

describe('eddydb watch command line', () => {
  test('a bare URI watches the whole deployment with the driver defaults', () => {
    assert.deepEqual(watch([URI]), { uri: URI, pipeline: [], showExpandedEvents: false });
  });

  test('--db alone is a database stream, --db with --coll a collection stream; --coll needs --db', () => {
    assert.equal(watch([URI, '--db', 'shop']).db, 'shop');
    assert.equal(watch([URI, '--db', 'shop']).coll, undefined);
    const o = watch(['--db=shop', URI, '--coll', 'orders']);
    assert.deepEqual([o.uri, o.db, o.coll], [URI, 'shop', 'orders']);
    usageError([URI, '--coll', 'orders'], /--coll needs --db/);
    usageError([URI, '--db', ''], /argument \(''\) for option '--db' is invalid/);
    usageError([URI, '--db', 'a', '--coll='], /argument \(''\) for option '--coll' is invalid/);
  });

  test('every stream option, in both --name value and --name=value form', () => {
    const o = watch([
      URI, '--db', 'shop', '--coll', 'orders',
      '--pipeline', '[{"$match": {"operationType": "insert", "fullDocument.n": {"$numberLong": "5"}}}]',
      '--full-document=whenAvailable', '--full-document-before-change', 'required',
      '--resume-file', 'state/token.json', '--start-at-operation-time', '1700000000:7', '--show-expanded-events',
    ]);
    assert.equal(o.fullDocument, 'whenAvailable');
    assert.equal(o.fullDocumentBeforeChange, 'required');
    assert.equal(o.resumeFile, '/work/here/state/token.json', 'the resume file is resolved against the working folder');
    assert.ok(o.startAtOperationTime instanceof Timestamp);
    assert.deepEqual([o.startAtOperationTime.t, o.startAtOperationTime.i], [1700000000, 7]);
    assert.equal(o.showExpandedEvents, true);
    const match = (o.pipeline[0] as { $match: Record<string, unknown> }).$match;
    assert.equal(match.operationType, 'insert');
    // The pipeline keeps the types that were typed: a $numberLong stays a long, a plain integer an int.
    assert.ok(match['fullDocument.n'] instanceof Long);
    assert.ok(watch([URI, '--pipeline', '[{"$limit": 3}]']).pipeline[0]!.$limit instanceof Int32);
  });

  test('the modes are the driver\'s names, anything else is refused', () => {
    for (const mode of ['default', 'updateLookup', 'whenAvailable', 'required']) assert.equal(watch([URI, '--full-document', mode]).fullDocument, mode);
    for (const mode of ['off', 'whenAvailable', 'required']) {
      assert.equal(watch([URI, '--full-document-before-change', mode]).fullDocumentBeforeChange, mode);
    }
    usageError([URI, '--full-document', 'updatelookup'], /argument \('updatelookup'\) for option '--full-document' is invalid \(default, updateLookup, whenAvailable, required\)/);
    usageError([URI, '--full-document-before-change', 'updateLookup'], /'--full-document-before-change' is invalid \(off, whenAvailable, required\)/);
  });

  test('a start time as <seconds>[:<increment>], an ISO date, or the $timestamp the events print', () => {
    const time = (text: string): [number, number] => {
      const ts = watch([URI, '--start-at-operation-time', text]).startAtOperationTime!;
      return [ts.t, ts.i];
    };
    assert.deepEqual(time('1700000000'), [1700000000, 0]);
    assert.deepEqual(time('1700000000:3'), [1700000000, 3]);
    assert.deepEqual(time('2023-11-14T22:13:20Z'), [1700000000, 0]);
    assert.deepEqual(time('2023-11-14T22:13:20.999Z'), [1700000000, 0]);
    assert.deepEqual(time('{"$timestamp": {"t": 1700000000, "i": 9}}'), [1700000000, 9]);
    for (const bad of ['yesterday', '-5', '1.5', '4294967296', '1:4294967296', '{"t": 1}', '2023-13-45T00:00:00Z', '']) {
      usageError([URI, `--start-at-operation-time=${bad}`], /for option '--start-at-operation-time' is invalid/);
    }
  });

  test('a pipeline must be an Extended JSON array of documents', () => {
    usageError([URI, '--pipeline', '[{"$match": '], /--pipeline is not valid Extended JSON/);
    usageError([URI, '--pipeline', '{"$match": {}}'], /--pipeline must be a JSON array of stage documents/);
    usageError([URI, '--pipeline', '[1]'], /--pipeline must be a JSON array of stage documents/);
    usageError([URI, '--pipeline', '[[]]'], /--pipeline must be a JSON array of stage documents/);
    assert.deepEqual(watch([URI, '--pipeline', '[]']).pipeline, []);
  });

  test('the URI is required, must parse as a connection string, and comes once', () => {
    usageError([], /eddydb watch needs a connection string/);
    usageError(['--db', 'shop'], /eddydb watch needs a connection string/);
    usageError(['http://example.com'], /invalid connection string 'http:\/\/example.com': .*mongodb:\/\//);
    usageError(['mongodb://127.0.0.1:99999/'], /invalid connection string/);
    usageError(['mongodb://127.0.0.1/?serverSelectionTimeoutMS=soon'], /invalid connection string/);
    usageError([URI, URI], /too many positional options/);
  });

  test('unknown, repeated or valueless options are usage errors, with serve\'s wording', () => {
    usageError([URI, '--collection', 'x'], /unrecognised option '--collection'/);
    usageError([URI, '--db', 'a', '--db', 'b'], /option '--db' cannot be specified more than once/);
    usageError([URI, '--db'], /the required argument for option '--db' is missing/);
    usageError([URI, '--db', '--coll', 'x'], /the required argument for option '--db' is missing/);
    usageError([URI, '--show-expanded-events=true'], /option '--show-expanded-events' does not take any arguments/);
    usageError([URI, '--constructor', 'x'], /unrecognised option '--constructor'/);
  });

  test('-h and --help answer with the watch help, which names every option', () => {
    assert.deepEqual(parseWatchCommandLine(['--help']), { kind: 'help' });
    assert.deepEqual(parseWatchCommandLine([URI, '-h', '--bogus']), { kind: 'help' });
    for (const option of ['--db', '--coll', '--pipeline', '--full-document', '--full-document-before-change', '--resume-file', '--start-at-operation-time', '--show-expanded-events']) {
      assert.ok(WATCH_HELP_TEXT.includes(option), `the help names ${option}`);
    }
    assert.match(HELP_TEXT, /eddydb watch <uri>/, "eddydb --help points at the watch command");
  });
});
