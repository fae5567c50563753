// `eddydb watch` as a child process against an eddydb server in this process: scopes, pipeline, fullDocument, the
// relaxed Extended JSON it prints, exit codes, and the resume file across SIGKILLs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { BSON, Decimal128, Long, MongoClient, ObjectId, Timestamp, type Document } from 'mongodb';
import { startServer, type RunningServer } from '../../../src/server/index.js';
import { run, type Child } from './cli_child.js';

const { EJSON } = BSON;

/** Waits (without a deadline of its own beyond a hang guard) until `done` holds for the child's output lines. */
async function waitFor(child: Child, what: string, done: (lines: string[]) => boolean): Promise<string[]> {
  const guard = Date.now() + 60_000;
  for (;;) {
    const lines = completeLines(child.stdout());
    if (done(lines)) return lines;
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) {
      assert.fail(`the watcher ended (${child.proc.exitCode ?? child.proc.signalCode}) before ${what}: ${child.stderr()}\n${child.stdout()}`);
    }
    if (Date.now() > guard) assert.fail(`no ${what} yet: ${child.stderr()}\n${child.stdout()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The lines that were written whole: a kill may cut the last one, which a consumer must drop. */
function completeLines(text: string): string[] {
  const lines = text.split('\n');
  lines.pop();
  return lines;
}

function key(line: string): unknown {
  return (EJSON.parse(line, { relaxed: true }) as { documentKey?: { _id: unknown } }).documentKey?._id;
}

async function waitForFile(child: Child, path: string): Promise<void> {
  while (!existsSync(path)) {
    if (child.proc.exitCode !== null) assert.fail(`the watcher exited (${child.proc.exitCode}) before saving ${path}: ${child.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('eddydb watch', () => {
  let server: RunningServer;
  let uri: string;
  let client: MongoClient;
  let dir: string;
  before(async () => {
    server = await startServer({ port: 0, bindIp: '127.0.0.1', dbpath: ':memory:', replSet: 'rs0', enableTestCommands: false, quiet: true });
    uri = `mongodb://${server.address}/?replicaSet=rs0&serverSelectionTimeoutMS=10000`;
    client = new MongoClient(uri);
    dir = mkdtempSync(join(tmpdir(), 'eddydb-watch-'));
  });
  after(async () => {
    await client.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The cluster time before the next write: watchers started at it see that write, whenever they connect. */
  async function now(): Promise<string> {
    const reply = await client.db('admin').command({ ping: 1 });
    const ts = reply.operationTime as Timestamp;
    return `${ts.t}:${ts.i + 1}`;
  }

  test('a collection, a database and the whole deployment, with a pipeline; each event one line of relaxed Extended JSON', async () => {
    const start = await now();
    const app = client.db('scopes');
    const document = {
      _id: new ObjectId('650000000000000000000001'),
      when: new Date('2024-05-06T07:08:09.010Z'),
      price: Decimal128.fromString('19.99'),
      big: Long.fromNumber(2 ** 40),
      ratio: 1.5,
      tags: ['a', { nested: true }],
    };
    await app.collection('orders').insertOne(document);
    await app.collection('orders').updateOne({ _id: document._id }, { $set: { ratio: 2.5 } });
    await app.collection('customers').insertOne({ _id: 'c1' } as Document);
    await client.db('scopes_other').collection('audit').insertOne({ _id: 'a1' } as Document);
    await app.collection('orders').insertOne({ _id: 'brief' } as Document);
    await app.collection('orders').deleteOne({ _id: 'brief' } as Document);
    await app.collection('orders').insertOne({ _id: 'end' } as Document);

    const watchers = {
      collection: run(['watch', uri, '--db', 'scopes', '--coll', 'orders', '--start-at-operation-time', start, '--full-document', 'updateLookup']),
      database: run(['watch', uri, '--db', 'scopes', '--start-at-operation-time', start]),
      cluster: run(['watch', uri, `--start-at-operation-time=${start}`]),
      inserts: run(['watch', uri, '--db', 'scopes', '--start-at-operation-time', start, '--pipeline', '[{"$match": {"operationType": "insert"}}, {"$project": {"fullDocument": 0}}]']),
    };
    const output: Record<string, string[]> = {};
    for (const [name, child] of Object.entries(watchers)) {
      output[name] = await waitFor(child, 'the end event', (lines) => lines.some((line) => key(line) === 'end'));
      child.proc.kill('SIGTERM');
      assert.equal(await child.exit, 0, `${name}: SIGTERM ends the watch with 0`);
      assert.equal(child.stderr(), '', `${name}: stderr is not a terminal, so it stays empty`);
      assert.equal(child.stdout(), output[name]!.map((line) => `${line}\n`).join(''), `${name}: nothing after the end event`);
    }
    const summary = (lines: string[]) => lines.map((line) => {
      const event = EJSON.parse(line, { relaxed: true }) as { operationType: string; ns: { db: string; coll: string }; documentKey: { _id: unknown } };
      return `${event.operationType} ${event.ns.db}.${event.ns.coll} ${String(event.documentKey._id)}`;
    });
    const id = document._id.toHexString();
    const brief = ['insert scopes.orders brief', 'delete scopes.orders brief', 'insert scopes.orders end'];
    assert.deepEqual(summary(output.collection!), [`insert scopes.orders ${id}`, `update scopes.orders ${id}`, ...brief]);
    assert.deepEqual(summary(output.database!), [`insert scopes.orders ${id}`, `update scopes.orders ${id}`, 'insert scopes.customers c1', ...brief]);
    assert.deepEqual(summary(output.cluster!), [
      `insert scopes.orders ${id}`, `update scopes.orders ${id}`, 'insert scopes.customers c1', 'insert scopes_other.audit a1', ...brief,
    ]);
    assert.deepEqual(summary(output.inserts!), [`insert scopes.orders ${id}`, 'insert scopes.customers c1', 'insert scopes.orders brief', 'insert scopes.orders end']);
    assert.ok(output.inserts!.every((line) => !('fullDocument' in (JSON.parse(line) as Document))), 'the pipeline\'s $project applies');

    // Relaxed Extended JSON: plain JSON numbers where they are exact, $date/$oid/$numberDecimal where JSON has none.
    const [insertLine, updateLine] = output.collection!;
    const raw = JSON.parse(insertLine!) as Document;
    assert.deepEqual(raw.fullDocument, {
      _id: { $oid: '650000000000000000000001' },
      when: { $date: '2024-05-06T07:08:09.010Z' },
      price: { $numberDecimal: '19.99' },
      big: 1099511627776,
      ratio: 1.5,
      tags: ['a', { nested: true }],
    });
    assert.ok('$timestamp' in (raw.clusterTime as Document));
    // Parsed back, the line gives the event the driver would have handed over.
    const insert = EJSON.parse(insertLine!, { relaxed: true }) as Document;
    assert.deepEqual(insert.fullDocument, { ...document, big: 2 ** 40 });
    assert.ok(insert.clusterTime instanceof Timestamp);
    assert.deepEqual(insert._id, EJSON.parse(JSON.stringify(raw._id)));
    const update = EJSON.parse(updateLine!, { relaxed: true }) as Document;
    assert.deepEqual(update.updateDescription, { updatedFields: { ratio: 2.5 }, removedFields: [], truncatedArrays: [] });
    assert.deepEqual(update.fullDocument, { ...document, big: 2 ** 40, ratio: 2.5 }, '--full-document updateLookup adds the document to updates');
    const plainUpdate = output.database!.map((line) => EJSON.parse(line, { relaxed: true }) as Document).find((e) => e.operationType === 'update')!;
    assert.equal('fullDocument' in plainUpdate, false, 'without --full-document an update carries no document');
  });

  test('pre-images and expanded events pass through', async () => {
    const start = await now();
    const db = client.db('images');
    await db.createCollection('kept', { changeStreamPreAndPostImages: { enabled: true } });
    await db.collection('kept').insertOne({ _id: 1, v: 'before' } as Document);
    await db.collection('kept').updateOne({ _id: 1 } as Document, { $set: { v: 'after' } });
    const child = run(['watch', uri, '--db', 'images', '--start-at-operation-time', start, '--show-expanded-events', '--full-document-before-change', 'required']);
    const lines = await waitFor(child, 'the update', (l) => l.length >= 3);
    child.proc.kill('SIGINT');
    assert.equal(await child.exit, 0, 'SIGINT ends the watch with 0');
    const events = lines.map((line) => EJSON.parse(line, { relaxed: true }) as Document);
    assert.deepEqual(events.map((e) => e.operationType), ['create', 'insert', 'update']);
    assert.deepEqual(events[2]!.fullDocumentBeforeChange, { _id: 1, v: 'before' });
  });

  test('an invalidated collection stream ends with 0, and its resume file starts the next stream after the invalidate', async () => {
    const tokenFile = join(dir, 'invalidate.token');
    const coll = client.db('inval').collection('c');
    await coll.insertOne({ _id: 'first' } as Document);
    const first = run(['watch', uri, '--db', 'inval', '--coll', 'c', '--resume-file', tokenFile]);
    await waitForFile(first, tokenFile); // the stream is open: its starting point is saved
    await coll.insertOne({ _id: 1 } as Document);
    await coll.drop();
    assert.equal(await first.exit, 0, 'the watcher stops by itself after the invalidate');
    assert.deepEqual(completeLines(first.stdout()).map((line) => (JSON.parse(line) as Document).operationType), ['insert', 'drop', 'invalidate']);
    const invalidate = JSON.parse(completeLines(first.stdout())[2]!) as Document;
    assert.deepEqual(EJSON.parse(readFileSync(tokenFile, 'utf8')), invalidate._id, 'the file holds the last event\'s token');

    await coll.insertOne({ _id: 2 } as Document);
    const second = run(['watch', uri, '--db', 'inval', '--coll', 'c', '--resume-file', tokenFile]);
    const lines = await waitFor(second, 'the insert after the drop', (l) => l.length >= 1);
    second.proc.kill('SIGTERM');
    assert.equal(await second.exit, 0);
    assert.deepEqual(lines.map(key), [2]);
  });

  test('killed with SIGKILL at any point and restarted, a watcher with --resume-file prints every event in order, none skipped', async (t) => {
    const tokenFile = join(dir, 'kill.token');
    const coll = client.db('killed').collection<{ _id: number | string }>('events');
    const args = ['watch', uri, '--db', 'killed', '--coll', 'events', '--resume-file', tokenFile];
    const runs: string[][] = [];

    // The first run saves where its stream starts before anything is written, so no later run can skip a write.
    let child = run(args);
    await waitForFile(child, tokenFile);
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await coll.insertOne({ _id: written });
        written++;
        // Paced so that the runs, each starting a process, both fall behind the writes and catch up with them.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await coll.insertOne({ _id: 'end' });
    })();

    // Kill points: as soon as a run has printed this many lines (0: right after it starts, perhaps before it
    // has connected); each run must get past its own earlier output.
    const killAfter = [5, 0, 1, 40, 0, 3, 120, 2];
    let printed = 0;
    for (const lines of killAfter) {
      if (runs.length > 0) child = run(args);
      if (lines > 0) await waitFor(child, `${lines} lines`, (l) => l.length >= lines);
      child.proc.kill('SIGKILL');
      await child.exit;
      const out = completeLines(child.stdout());
      runs.push(out);
      printed += out.length;
    }
    writing = false;
    await writer;
    child = run(args);
    const last = await waitFor(child, 'the end event', (l) => l.some((line) => key(line) === 'end'));
    child.proc.kill('SIGTERM');
    assert.equal(await child.exit, 0);
    runs.push(last);

    // The guarantee: in order, nothing skipped; a kill between printing an event and renaming its token into
    // place repeats that event (same _id) as the next run's first line, and nothing else is ever repeated.
    const seen: unknown[] = [];
    let repeats = 0;
    let previous: Document | undefined;
    for (const [i, out] of runs.entries()) {
      for (const [j, line] of out.entries()) {
        const event = JSON.parse(line) as Document;
        if (previous !== undefined && JSON.stringify(event._id) === JSON.stringify(previous._id)) {
          assert.equal(j, 0, `run ${i} repeats an event in the middle of its output`);
          assert.equal(line, JSON.stringify(previous), 'a repeated event is the same line');
          repeats++;
          continue;
        }
        seen.push(key(line));
        previous = event;
      }
    }
    const expected: unknown[] = Array.from({ length: written }, (_, n) => n);
    expected.push('end');
    assert.deepEqual(seen, expected);
    t.diagnostic(`${written} writes, ${runs.length} runs (${killAfter.length} killed, ${printed} lines before the last run), ${repeats} repeated at a kill`);
  });

  test('a quiet watcher\'s resume file follows the server past writes its stream does not show', async () => {
    const tokenFile = join(dir, 'quiet.token');
    const args = ['watch', uri, '--db', 'quiet', '--coll', 'watched', '--resume-file', tokenFile];
    const first = run(args);
    await waitForFile(first, tokenFile);
    const opened = readFileSync(tokenFile, 'utf8');
    await client.db('quiet').collection('elsewhere').insertOne({ _id: 'unseen' } as Document);
    // An empty batch brings the stream's high-water mark past the other collection's write, and the file follows.
    while (readFileSync(tokenFile, 'utf8') === opened) {
      if (first.proc.exitCode !== null) assert.fail(`the watcher exited: ${first.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    first.proc.kill('SIGKILL');
    await first.exit;
    assert.equal(first.stdout(), '');
    const saved = readFileSync(tokenFile, 'utf8');
    // Resume tokens' hex compares as their positions do.
    assert.ok(saved > opened && saved.length === opened.length, 'the saved high-water mark only moves forward');

    await client.db('quiet').collection('watched').insertOne({ _id: 'seen' } as Document);
    const second = run(args);
    const lines = await waitFor(second, 'the insert', (l) => l.length >= 1);
    second.proc.kill('SIGTERM');
    assert.equal(await second.exit, 0);
    assert.deepEqual(lines.map(key), ['seen']);
  });

  test('a bad command line exits with 2 and says so on stderr, printing nothing on stdout', async () => {
    const cases: [string[], RegExp][] = [
      [['watch'], /needs a connection string/],
      [['watch', 'localhost:27017'], /invalid connection string 'localhost:27017'/],
      [['watch', uri, '--pipeline', '[{"$match": {'], /--pipeline is not valid Extended JSON/],
      [['watch', uri, '--pipeline', '{"$match": {}}'], /--pipeline must be a JSON array/],
      [['watch', uri, '--full-document', 'always'], /'--full-document' is invalid/],
      [['watch', uri, '--colection', 'x'], /unrecognised option '--colection'/],
    ];
    const children = cases.map(([args]) => run(args));
    for (const [i, [args, message]] of cases.entries()) {
      const child = children[i]!;
      assert.equal(await child.exit, 2, args.join(' '));
      assert.match(child.stderr(), message);
      assert.match(child.stderr(), /try 'eddydb watch --help'/);
      assert.equal(child.stdout(), '');
    }
  });

  test('an unreachable server, a server error and a resume file without a token exit with 1: the driver\'s reason, or the code and codeName', async () => {
    const garbled = join(dir, 'garbled.token');
    writeFileSync(garbled, 'not a token');
    const unreachable = run(['watch', 'mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200']);
    const badStage = run(['watch', uri, '--pipeline', '[{"$frobnicate": {}}]']);
    const internal = run(['watch', uri, '--db', 'admin', '--coll', 'system.version']);
    const unreadable = run(['watch', uri, '--resume-file', garbled]);

    assert.equal(await unreachable.exit, 1);
    assert.match(unreachable.stderr(), /^eddydb watch: MongoServerSelectionError: .*ECONNREFUSED/);
    assert.equal(unreachable.stdout(), '');

    assert.equal(await badStage.exit, 1);
    assert.equal(badStage.stderr(), "eddydb watch: Unrecognized pipeline stage name: '$frobnicate' (code 40324, Location40324)\n");

    assert.equal(await internal.exit, 1);
    assert.match(internal.stderr(), /\(code 73, InvalidNamespace\)\n$/);

    assert.equal(await unreadable.exit, 1);
    assert.match(unreadable.stderr(), /does not hold a resume token/);
  });

  test('SIGTERM while the driver still waits for a server to answer stops at once with 0', async () => {
    // A listener that accepts and never answers: the driver's first connection to it shows the watcher is waiting.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const child = run(['watch', `mongodb://127.0.0.1:${port}/?serverSelectionTimeoutMS=60000&connectTimeoutMS=60000`]);
      while (sockets.length === 0) {
        if (child.proc.exitCode !== null) assert.fail(`the watcher exited: ${child.stderr()}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      child.proc.kill('SIGTERM');
      assert.equal(await child.exit, 0);
      assert.equal(child.stderr(), '');
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  test('eddydb --help names the watch command and eddydb watch --help describes it', async () => {
    const general = run(['--help']);
    assert.equal(await general.exit, 0);
    assert.match(general.stdout(), /eddydb watch <uri>/);
    const watchHelp = run(['watch', '--help']);
    assert.equal(await watchHelp.exit, 0);
    assert.match(watchHelp.stdout(), /^Usage: eddydb watch <uri> \[options\]/);
    assert.match(watchHelp.stdout(), /--resume-file/);
  });
});
