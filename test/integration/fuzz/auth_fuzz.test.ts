/**
 * SCRAM and PLAIN conversations over raw OP_MSG against a server with users and --auth: wrong proofs, malformed,
 * truncated, non-UTF-8 and oversized payloads at each step, conversations out of order, replayed final messages,
 * interleaved conversations, and seeded random sequences of all of these.
 *
 * After every case: each step got an error reply or a closed connection (every wait is bounded), a connection
 * that failed is not authenticated (connectionStatus lists no user), a fresh connection still pings and
 * authenticates, and no reply or log line holds a password. A fresh successful authentication after each case
 * also resets the server's throttle on failed attempts, so the cases do not slow each other down.
 *
 * The seed is printed; `EDDYDB_FUZZ_SEED=<n>` replays the random sequences, `EDDYDB_FUZZ_CASE=<i>` runs only one.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Binary, Int32, Long, MongoClient, type Document } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { scramCredential } from '../../../src/auth/scram.js';
import { startInProcess } from '../driver/harness.js';
import type { Outcome } from '../driver/raw_wire.js';
import { removeDir, tempDir } from '../../helpers/embedded.js';
import { prng } from '../../helpers/random.js';
import {
  bsonSize, payloadText, RawConnection, saslContinueCommand, saslStartCommand, scramAttributes, ScramClient, type ScramMechanism,
} from './scram_client.js';

const USER = 'fuzz';
const PASSWORD = 'pw-Fuzz-Sëcret-91';
/** A user with SCRAM-SHA-1 credentials only. */
const OLD_USER = 'old';
const OLD_PASSWORD = 'pw-Old-Sëcret-42';
/** The wrong password the cases try; it must not reach a log either. */
const WRONG = 'wrong-Pässword-77';
const SECRETS = [PASSWORD, OLD_PASSWORD, WRONG];
const MECHANISMS: readonly ScramMechanism[] = ['SCRAM-SHA-256', 'SCRAM-SHA-1'];
const MAX_BSON = 16 * 1024 * 1024;

const SEED = process.env.EDDYDB_FUZZ_SEED !== undefined ? Number(process.env.EDDYDB_FUZZ_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const ONLY_CASE = process.env.EDDYDB_FUZZ_CASE !== undefined ? Number(process.env.EDDYDB_FUZZ_CASE) : undefined;
const RANDOM_CASES = 400;
const RANDOM_BUDGET_MS = 20_000;

function userDoc(user: string, password: string, mechanisms: readonly ScramMechanism[]): Document {
  const credentials: Document = {};
  for (const m of mechanisms) credentials[m] = scramCredential(m, user, password);
  return { _id: `admin.${user}`, user, db: 'admin', credentials, roles: [{ role: 'root', db: 'admin' }] };
}

/** Base64 runs in a log line, decoded, so a payload logged as binData is searched as well as plain text. */
function decodedBase64Runs(text: string): string[] {
  // A scan rather than a regular expression: a logged 16 MiB payload is one run, too long for a backtracking match.
  const runs: string[] = [];
  let from = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0;
    const inRun = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 47;
    if (inRun && from < 0) from = i;
    else if (!inRun && from >= 0) {
      if (i - from >= 8) runs.push(Buffer.from(text.slice(from, i), 'base64').toString('utf8'));
      from = -1;
    }
  }
  return runs;
}

function secretIn(text: string): string | undefined {
  const decoded = decodedBase64Runs(text);
  return SECRETS.find((s) => text.includes(s) || decoded.some((d) => d.includes(s)));
}

describe(`SCRAM and PLAIN conversations over raw OP_MSG (seed ${SEED}; replay with EDDYDB_FUZZ_SEED=${SEED})`, () => {
  let dir: string;
  let server: RunningServer;
  const logLines: string[] = [];
  let logChecked = 0;
  const codes = new Map<number | string, number>();

  before(async () => {
    console.log(`auth fuzz seed: ${SEED} (replay with EDDYDB_FUZZ_SEED=${SEED})`);
    // Users are written before access control is on, then the server restarts on the same files with --auth.
    dir = tempDir('eddydb-authfuzz-');
    const setup = await startInProcess({ dbpath: dir });
    const client = new MongoClient(`mongodb://${setup.address}/`, { directConnection: true, serverSelectionTimeoutMS: 5000 });
    await client.db('admin').collection('system.users').insertMany([
      userDoc(USER, PASSWORD, MECHANISMS),
      userDoc(OLD_USER, OLD_PASSWORD, ['SCRAM-SHA-1']),
    ] as never[]);
    await client.close();
    await setup.close();
    server = await startInProcess({
      dbpath: dir,
      auth: true,
      authenticationMechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-1'],
      log: (entry) => logLines.push(JSON.stringify(entry)),
    });
  });

  after(async () => {
    await server?.close();
    if (dir) removeDir(dir);
    console.log('auth fuzz: error codes seen', Object.fromEntries(codes));
  });

  async function open(): Promise<RawConnection> {
    return RawConnection.open(server.port);
  }

  /** A reply that refuses: ok 0 with a numeric code other than InternalError, and no secret in it; or a close. */
  function assertRefused(outcome: Outcome, where: string): void {
    if ('closed' in outcome) {
      codes.set('closed', (codes.get('closed') ?? 0) + 1);
      return;
    }
    const r = outcome.reply;
    assert.equal(r.ok, 0, `${where}: expected an error reply, got ${JSON.stringify(r)}`);
    assert.equal(typeof r.code, 'number', `${where}: an error reply has a numeric code`);
    assert.equal(typeof r.errmsg, 'string', `${where}: an error reply has an errmsg`);
    assert.notEqual(r.code, 1, `${where}: InternalError: ${r.errmsg}`);
    assert.equal(secretIn(JSON.stringify(r)), undefined, `${where}: the reply holds a password`);
    codes.set(r.code as number, (codes.get(r.code as number) ?? 0) + 1);
  }

  /** The reply document of a step that must succeed. */
  function assertOk(outcome: Outcome, where: string): Document {
    assert.ok('reply' in outcome, `${where}: the server closed the connection`);
    assert.equal(outcome.reply.ok, 1, `${where}: ${JSON.stringify(outcome.reply)}`);
    return outcome.reply;
  }

  async function authenticatedUsers(conn: RawConnection, where: string): Promise<Document[] | 'closed'> {
    const outcome = await conn.command({ connectionStatus: 1, $db: 'admin' });
    if ('closed' in outcome) return 'closed';
    return assertOk(outcome, `${where}: connectionStatus`).authInfo.authenticatedUsers as Document[];
  }

  /** The connection is closed, or lists no authenticated user and may not read a collection (--auth). */
  async function assertNotAuthenticated(conn: RawConnection, where: string): Promise<void> {
    const users = await authenticatedUsers(conn, where);
    if (users === 'closed') return;
    assert.deepEqual(users, [], `${where}: the connection that failed is authenticated`);
    const find = await conn.command({ find: 'data', filter: {}, $db: 'fuzz' });
    if ('reply' in find) assert.equal(find.reply.code, 13, `${where}: a find without a user: ${JSON.stringify(find.reply)}`);
  }

  async function assertAuthenticatedAs(conn: RawConnection, user: string, where: string): Promise<void> {
    const users = await authenticatedUsers(conn, where);
    assert.deepEqual(users, [{ user, db: 'admin' }], `${where}: connectionStatus`);
  }

  /** saslStart with the client's first message; returns the server-first message. */
  async function start(conn: RawConnection, client: ScramClient, where: string): Promise<string> {
    const reply = assertOk(await conn.command(saslStartCommand(client.mechanism, client.first)), `${where}: saslStart`);
    assert.equal(reply.done, false, `${where}: saslStart is not done`);
    assert.equal(reply.conversationId, 1);
    const text = payloadText(reply);
    assert.ok(text !== undefined && text.startsWith(`r=${client.nonce}`), `${where}: the server nonce extends the client's: ${text}`);
    return text;
  }

  /** A whole successful conversation on `conn`; returns the final message it sent. */
  async function authenticate(conn: RawConnection, mechanism: ScramMechanism, where: string, user = USER, password = PASSWORD): Promise<string> {
    const client = new ScramClient(mechanism, user, password);
    const serverFirst = await start(conn, client, where);
    const final = client.final(serverFirst);
    const reply = assertOk(await conn.command(saslContinueCommand(Buffer.from(final.message))), `${where}: saslContinue`);
    assert.equal(reply.done, true, `${where}: done after the proof`);
    assert.equal(payloadText(reply), `v=${final.serverSignature}`, `${where}: the server's signature`);
    return final.message;
  }

  /**
   * What must hold after every case: the server answers ping on a fresh connection and still authenticates there
   * (which also resets the failure throttle), the failed connections are not authenticated, and no log line
   * written since the last check holds a password.
   */
  async function afterCase(where: string, failed: RawConnection[]): Promise<void> {
    for (const conn of failed) await assertNotAuthenticated(conn, where);
    const fresh = await open();
    try {
      assertOk(await fresh.command({ ping: 1, $db: 'admin' }), `${where}: ping on a fresh connection`);
      await assertNotAuthenticated(fresh, `${where}: fresh connection`);
      await authenticate(fresh, 'SCRAM-SHA-256', `${where}: a fresh authentication`);
      await assertAuthenticatedAs(fresh, USER, `${where}: fresh connection`);
    } finally {
      fresh.destroy();
    }
    for (; logChecked < logLines.length; logChecked++) {
      const line = logLines[logChecked]!;
      const secret = secretIn(line);
      assert.equal(secret, undefined, `${where}: a log line holds the password ${secret}: ${line.slice(0, 2000)}`);
    }
  }

  /** One case: `body` gets a fresh connection; afterwards the common checks run, the connection counted as failed. */
  async function runCase(where: string, body: (conn: RawConnection) => Promise<void>): Promise<void> {
    const conn = await open();
    try {
      await body(conn);
      await afterCase(where, [conn]);
    } finally {
      conn.destroy();
    }
  }

  test('the valid conversations authenticate (SCRAM-SHA-256, SCRAM-SHA-1, PLAIN, speculative in hello)', async () => {
    for (const mechanism of MECHANISMS) {
      const conn = await open();
      await authenticate(conn, mechanism, mechanism);
      await assertAuthenticatedAs(conn, USER, mechanism);
      conn.destroy();
    }
    const old = await open();
    await authenticate(old, 'SCRAM-SHA-1', 'SHA-1 only user', OLD_USER, OLD_PASSWORD);
    await assertAuthenticatedAs(old, OLD_USER, 'SHA-1 only user');
    old.destroy();

    const plain = await open();
    const reply = assertOk(await plain.command(saslStartCommand('PLAIN', Buffer.from(`\0${USER}\0${PASSWORD}`))), 'PLAIN');
    assert.equal(reply.done, true);
    await assertAuthenticatedAs(plain, USER, 'PLAIN');
    plain.destroy();

    const spec = await open();
    const client = new ScramClient('SCRAM-SHA-256', USER, PASSWORD);
    const hello = assertOk(await spec.command({
      hello: 1, speculativeAuthenticate: { saslStart: 1, mechanism: 'SCRAM-SHA-256', payload: new Binary(client.first), options: { skipEmptyExchange: true }, db: 'admin' }, $db: 'admin',
    }), 'speculative hello');
    const serverFirst = payloadText(hello.speculativeAuthenticate as Document)!;
    const final = client.final(serverFirst);
    const done = assertOk(await spec.command(saslContinueCommand(Buffer.from(final.message))), 'speculative saslContinue');
    assert.equal(payloadText(done), `v=${final.serverSignature}`);
    await assertAuthenticatedAs(spec, USER, 'speculative');
    spec.destroy();
    await afterCase('valid conversations', []);
  });

  for (const mechanism of MECHANISMS) {
    /** Client-first messages the server must refuse, and why. */
    const badFirsts: Array<[string, Buffer | unknown]> = [
      ['an empty payload', Buffer.alloc(0)],
      ["no GS2 header ('n,,' missing)", Buffer.from(`n=${USER},r=abcdef`)],
      ['a GS2 header with one comma', Buffer.from(`n,n=${USER},r=abcdef`)],
      ['channel binding asked for (p=)', Buffer.from(`p=tls-unique,,n=${USER},r=abcdef`)],
      ['an unknown GS2 flag', Buffer.from(`x,,n=${USER},r=abcdef`)],
      ['a truncated message (n=user only)', Buffer.from(`n,,n=${USER}`)],
      ['no r= attribute', Buffer.from(`n,,n=${USER},x=abcdef`)],
      ['r= before n=', Buffer.from(`n,,r=abcdef,n=${USER}`)],
      ['an empty nonce', Buffer.from(`n,,n=${USER},r=`)],
      ['an empty user', Buffer.from('n,,n=,r=abcdef')],
      ["a bare '=' in the user name", Buffer.from('n,,n=fu=zz,r=abcdef')],
      ["'=2c' (lower case) in the user name", Buffer.from('n,,n=fu=2czz,r=abcdef')],
      ["a trailing '=' in the user name", Buffer.from(`n,,n=${USER}=,r=abcdef`)],
      ['an authzid that is not a=', Buffer.from(`n,${USER},n=${USER},r=abcdef`)],
      ['an authzid naming another user', Buffer.from(`n,a=${OLD_USER},n=${USER},r=abcdef`)],
      ['an attribute without a value separator', Buffer.from(`n,,n${USER},r=abcdef`)],
      ['non-UTF-8 bytes in the user name', Buffer.concat([Buffer.from('n,,n=fu'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(',r=abcdef')])],
      ['NUL bytes', Buffer.from(`n,,n=${USER}\0,r=ab\0cd`)],
      ['an unknown user', Buffer.from('n,,n=nobody,r=abcdef')],
      ['random bytes', Buffer.from([0x9c, 0x00, 0x13, 0xfa, 0x2c, 0x2c, 0x6e, 0x3d])],
      ['a payload that is a number', new Int32(5)],
      ['a payload that is a document', { n: USER }],
      ['no payload', undefined],
    ];
    for (const [what, payload] of badFirsts) {
      test(`${mechanism} saslStart with ${what} is refused`, async () => {
        await runCase(`${mechanism} client-first with ${what}`, async (conn) => {
          assertRefused(await conn.command(saslStartCommand(mechanism, payload)), what);
          // No conversation was left behind: a saslContinue now has nothing to continue.
          assertRefused(await conn.command(saslContinueCommand(Buffer.from('c=biws,r=abcdef,p=AAAA'))), `${what}: saslContinue after`);
        });
      });
    }

    test(`${mechanism} saslStart with non-UTF-8 bytes in the nonce never leads to authentication`, async () => {
      await runCase(`${mechanism} client-first with a non-UTF-8 nonce`, async (conn) => {
        const nonce = Buffer.concat([Buffer.from('ab'), Buffer.from([0xed, 0xa0, 0x80, 0xc0, 0xaf])]);
        const outcome = await conn.command(saslStartCommand(mechanism, Buffer.concat([Buffer.from(`n,,n=${USER},r=`), nonce])));
        // The nonce is only ever compared, so a server may accept it; the conversation still cannot be finished
        // with a final message that repeats the bytes the client sent.
        if ('reply' in outcome && outcome.reply.ok === 1) {
          const serverNonce = (payloadText(outcome.reply) ?? '').split(',')[0]!.slice(2);
          const final = Buffer.concat([Buffer.from(`c=biws,r=`), nonce, Buffer.from(`${serverNonce.slice(nonce.toString('utf8').length)},p=${Buffer.alloc(32).toString('base64')}`)]);
          assertRefused(await conn.command(saslContinueCommand(final)), 'final after a non-UTF-8 nonce');
        } else {
          assertRefused(outcome, 'non-UTF-8 nonce');
        }
      });
    });

    test(`${mechanism} saslStart with a user that has no ${mechanism} credentials, or a bad mechanism name, is refused`, async () => {
      await runCase(`${mechanism} missing credentials`, async (conn) => {
        if (mechanism === 'SCRAM-SHA-256') {
          assertRefused(await conn.command(saslStartCommand(mechanism, new ScramClient(mechanism, OLD_USER, OLD_PASSWORD).first)), 'no credentials');
        }
        for (const name of [mechanism.toLowerCase(), `${mechanism}\0`, '', 'SCRAM-SHA-512', 'MONGODB-CR']) {
          assertRefused(await conn.command(saslStartCommand(name, new ScramClient(mechanism, USER, PASSWORD).first)), `mechanism ${JSON.stringify(name)}`);
        }
        assertRefused(await conn.command({ saslStart: 1, mechanism: 5, payload: new Binary(Buffer.from('x')), $db: 'admin' }), 'numeric mechanism');
      });
    });

    /** Client-final messages built from the right one; each must fail and leave the connection unauthenticated. */
    const badFinals: Array<[string, (client: ScramClient, serverFirst: string) => Buffer | unknown]> = [
      ['an empty payload', () => Buffer.alloc(0)],
      ['a proof from the wrong password', (c, sf) => Buffer.from(c.final(sf, WRONG).message)],
      ['a wrong channel binding (y,,)', (c, sf) => {
        const f = c.final(sf);
        return Buffer.from(`c=${Buffer.from('y,,').toString('base64')},r=${f.nonce},p=${f.proof.toString('base64')}`);
      }],
      ['a channel binding that is not base64', (c, sf) => {
        const f = c.final(sf);
        return Buffer.from(`c=n,,,r=${f.nonce},p=${f.proof.toString('base64')}`);
      }],
      ['the client nonce alone', (c, sf) => Buffer.from(c.final(sf).message.replace(/,r=[^,]*/, `,r=${c.nonce}`))],
      ['a nonce one character longer', (c, sf) => Buffer.from(c.final(sf).message.replace(/,r=([^,]*)/, ',r=$1x'))],
      ['a nonce one character shorter', (c, sf) => Buffer.from(c.final(sf).message.replace(/,r=([^,]*)[^,],/, ',r=$1,'))],
      ['a proof that is not base64', (c, sf) => Buffer.from(c.final(sf).message.replace(/,p=.*$/, ',p=!!not*base64!!'))],
      ['the right proof with a character that is not base64 inside', (c, sf) => {
        const f = c.final(sf);
        const p = f.proof.toString('base64');
        return Buffer.from(f.message.replace(/,p=.*$/, `,p=${p.slice(0, 8)}*${p.slice(8)}`));
      }],
      ['the right proof with a comma inside', (c, sf) => {
        const f = c.final(sf);
        const p = f.proof.toString('base64');
        return Buffer.from(f.message.replace(/,p=.*$/, `,p=${p.slice(0, 8)},${p.slice(8)}`));
      }],
      ['the right proof with a space inside', (c, sf) => {
        const f = c.final(sf);
        const p = f.proof.toString('base64');
        return Buffer.from(f.message.replace(/,p=.*$/, `,p=${p.slice(0, 8)} ${p.slice(8)}`));
      }],
      ['the right proof without its padding', (c, sf) => Buffer.from(c.final(sf).message.replace(/=+$/, ''))],
      ['the right proof in base64url', (c, sf) => {
        const f = c.final(sf);
        return Buffer.from(f.message.replace(/,p=.*$/, `,p=${f.proof.toString('base64url')}`));
      }],
      ['an empty proof', (c, sf) => Buffer.from(c.final(sf).message.replace(/,p=.*$/, ',p='))],
      ['a proof of the wrong length (one byte short)', (c, sf) => {
        const f = c.final(sf);
        return Buffer.from(f.message.replace(/,p=.*$/, `,p=${f.proof.subarray(1).toString('base64')}`));
      }],
      ['a proof of the wrong length (one byte more)', (c, sf) => {
        const f = c.final(sf);
        return Buffer.from(f.message.replace(/,p=.*$/, `,p=${Buffer.concat([f.proof, Buffer.from([0])]).toString('base64')}`));
      }],
      ['a proof with one bit flipped', (c, sf) => {
        const f = c.final(sf);
        const proof = Buffer.from(f.proof);
        proof[0] = proof[0]! ^ 1;
        return Buffer.from(f.message.replace(/,p=.*$/, `,p=${proof.toString('base64')}`));
      }],
      ['no proof', (c, sf) => Buffer.from(c.final(sf).message.replace(/,p=.*$/, ''))],
      ['attributes out of order', (c, sf) => {
        const f = c.final(sf);
        return Buffer.from(`r=${f.nonce},c=${f.channelBinding},p=${f.proof.toString('base64')}`);
      }],
      ['the message truncated in the nonce', (c, sf) => Buffer.from(c.final(sf).message.slice(0, 20))],
      ['the message truncated in the proof', (c, sf) => {
        const m = c.final(sf).message;
        return Buffer.from(m.slice(0, m.length - 10));
      }],
      ['non-UTF-8 bytes in the proof', (c, sf) => Buffer.concat([Buffer.from(c.final(sf).message.replace(/,p=.*$/, ',p=')), Buffer.from([0xff, 0xfe, 0xfd, 0xfc])])],
      ['non-UTF-8 bytes in the nonce', (c, sf) => {
        const f = c.final(sf);
        return Buffer.concat([Buffer.from(`c=${f.channelBinding},r=${f.nonce}`), Buffer.from([0xc3, 0x28]), Buffer.from(`,p=${f.proof.toString('base64')}`)]);
      }],
      ['the other mechanism\'s proof', (c, sf) => {
        const other = new ScramClient(c.mechanism === 'SCRAM-SHA-1' ? 'SCRAM-SHA-256' : 'SCRAM-SHA-1', USER, PASSWORD, c.nonce);
        return Buffer.from(other.final(sf).message);
      }],
      ['the server-first message echoed back', (_c, sf) => Buffer.from(sf)],
      ['a payload that is a number', () => new Int32(7)],
      ['no payload', () => undefined],
    ];
    for (const [what, build] of badFinals) {
      test(`${mechanism} saslContinue with ${what} fails and does not authenticate`, async () => {
        await runCase(`${mechanism} client-final with ${what}`, async (conn) => {
          const client = new ScramClient(mechanism, USER, PASSWORD);
          const serverFirst = await start(conn, client, what);
          assertRefused(await conn.command(saslContinueCommand(build(client, serverFirst))), what);
          await assertNotAuthenticated(conn, what);
          // The failed conversation is over: its right final message no longer authenticates.
          assertRefused(await conn.command(saslContinueCommand(Buffer.from(client.final(serverFirst).message))), `${what}: the right proof after`);
        });
      });
    }

    test(`${mechanism} saslContinue with no conversation, or a wrong conversationId, is refused`, async () => {
      await runCase(`${mechanism} saslContinue without a conversation`, async (conn) => {
        assertRefused(await conn.command(saslContinueCommand(Buffer.from('c=biws,r=abc,p=AAAA'))), 'no conversation');
        const client = new ScramClient(mechanism, USER, PASSWORD);
        const serverFirst = await start(conn, client, 'wrong ids');
        const final = Buffer.from(client.final(serverFirst).message);
        for (const id of [2, 0, -1, 'x', null, Long.fromNumber(2), 1.5]) {
          assertRefused(await conn.command(saslContinueCommand(final, id)), `conversationId ${String(id)}`);
          await assertNotAuthenticated(conn, `conversationId ${String(id)}`);
        }
        // A missing conversationId as well.
        assertRefused(await conn.command({ saslContinue: 1, payload: new Binary(final), $db: 'admin' }), 'no conversationId');
        await assertNotAuthenticated(conn, 'no conversationId');
      });
    });

    test(`${mechanism} saslContinue twice after success is refused and the user stays authenticated alone`, async () => {
      const conn = await open();
      try {
        const final = await authenticate(conn, mechanism, 'first');
        for (let i = 0; i < 2; i++) {
          assertRefused(await conn.command(saslContinueCommand(Buffer.from(final))), `saslContinue ${i + 2}`);
          await assertAuthenticatedAs(conn, USER, `after saslContinue ${i + 2}`);
        }
        assertRefused(await conn.command(saslContinueCommand(Buffer.alloc(0))), 'an empty saslContinue after success');
        await assertAuthenticatedAs(conn, USER, 'after an empty saslContinue');
        await afterCase(`${mechanism} saslContinue after success`, []);
      } finally {
        conn.destroy();
      }
    });

    test(`${mechanism} a final message recorded from a successful conversation fails when replayed (fresh server nonce)`, async () => {
      const recorder = await open();
      const client = new ScramClient(mechanism, USER, PASSWORD);
      const serverFirst = await start(recorder, client, 'recorded');
      const recorded = client.final(serverFirst).message;
      assertOk(await recorder.command(saslContinueCommand(Buffer.from(recorded))), 'recorded conversation');
      recorder.destroy();
      // The same client-first message (same client nonce) on a new connection and on the same server.
      await runCase(`${mechanism} replay on a new connection`, async (conn) => {
        const again = await start(conn, client, 'replay');
        assert.notEqual(again, serverFirst, 'the server nonce is fresh');
        assertRefused(await conn.command(saslContinueCommand(Buffer.from(recorded))), 'replayed final message');
      });
      // Replayed with no saslStart at all, and after a saslStart on the same connection as a success.
      await runCase(`${mechanism} replay without a conversation`, async (conn) => {
        assertRefused(await conn.command(saslContinueCommand(Buffer.from(recorded))), 'replay without saslStart');
      });
      await runCase(`${mechanism} replay on a second conversation`, async (conn) => {
        const c2 = new ScramClient(mechanism, USER, PASSWORD);
        const sf = await start(conn, c2, 'second');
        const first = c2.final(sf).message;
        await start(conn, c2, 'third');
        assertRefused(await conn.command(saslContinueCommand(Buffer.from(first))), 'a final message of the replaced conversation');
      });
    });

    test(`${mechanism} interleaved conversations on one connection: the latest saslStart replaces the earlier`, async () => {
      const conn = await open();
      try {
        const a = new ScramClient(mechanism, USER, PASSWORD);
        const b = new ScramClient(mechanism, USER, PASSWORD);
        const firstA = await start(conn, a, 'A');
        const firstB = await start(conn, b, 'B');
        // A's proof against B's conversation fails and ends it.
        assertRefused(await conn.command(saslContinueCommand(Buffer.from(a.final(firstA).message))), "A's final during B");
        await assertNotAuthenticated(conn, "A's final during B");
        assertRefused(await conn.command(saslContinueCommand(Buffer.from(b.final(firstB).message))), "B's final after the failure");
        await assertNotAuthenticated(conn, "B's final after the failure");
        // A new conversation interrupted by another succeeds with the later one's proof.
        const c = new ScramClient(mechanism, USER, PASSWORD);
        const d = new ScramClient(mechanism, USER, PASSWORD);
        await start(conn, c, 'C');
        const firstD = await start(conn, d, 'D');
        const final = d.final(firstD);
        const done = assertOk(await conn.command(saslContinueCommand(Buffer.from(final.message))), "D's final");
        assert.equal(payloadText(done), `v=${final.serverSignature}`);
        await assertAuthenticatedAs(conn, USER, 'D');
        await afterCase(`${mechanism} interleaved on one connection`, []);
      } finally {
        conn.destroy();
      }
    });

    test(`${mechanism} interleaved conversations across connections do not cross`, async () => {
      const one = await open();
      const two = await open();
      try {
        const a = new ScramClient(mechanism, USER, PASSWORD);
        const b = new ScramClient(mechanism, USER, PASSWORD, a.nonce);
        const firstA = await start(one, a, 'A');
        const firstB = await start(two, b, 'B');
        // A's final on connection two: a different server nonce, so it fails there...
        assertRefused(await two.command(saslContinueCommand(Buffer.from(a.final(firstA).message))), "A's final on connection two");
        await assertNotAuthenticated(two, "A's final on connection two");
        // ...and connection one's conversation is untouched by it.
        const final = a.final(firstA);
        const done = assertOk(await one.command(saslContinueCommand(Buffer.from(final.message))), "A's final on connection one");
        assert.equal(payloadText(done), `v=${final.serverSignature}`);
        await assertAuthenticatedAs(one, USER, 'connection one');
        // Connection two's own conversation ended with its failure.
        assertRefused(await two.command(saslContinueCommand(Buffer.from(b.final(firstB).message))), "B's final after its failure");
        await afterCase(`${mechanism} interleaved across connections`, [two]);
      } finally {
        one.destroy();
        two.destroy();
      }
    });

    test(`${mechanism} oversized payloads up to the 16 MiB limit are refused without a hang`, async () => {
      // A client-first message whose command is exactly 16 MiB: the nonce fills it.
      const base = saslStartCommand(mechanism, Buffer.from(`n,,n=${USER},r=`));
      const room = MAX_BSON - bsonSize(base);
      await runCase(`${mechanism} a 16 MiB client-first message`, async (conn) => {
        const outcome = await conn.command(saslStartCommand(mechanism, Buffer.concat([Buffer.from(`n,,n=${USER},r=`), Buffer.alloc(room, 'A')])), 60_000);
        // The server-first message would repeat the nonce past the reply limit: refused or answered, never a hang.
        if ('reply' in outcome && outcome.reply.ok === 1) {
          assertRefused(await conn.command(saslContinueCommand(Buffer.from('c=biws,r=x,p=AAAA'))), 'a final after the huge nonce');
        } else {
          assertRefused(outcome, '16 MiB client-first');
        }
      });
      await runCase(`${mechanism} a 16 MiB user name`, async (conn) => {
        const head = Buffer.from('n,,n=');
        const tail = Buffer.from(',r=abcdef');
        assertRefused(await conn.command(saslStartCommand(mechanism, Buffer.concat([head, Buffer.alloc(room - tail.length, 'u'), tail])), 60_000), '16 MiB user name');
      });
      await runCase(`${mechanism} a client-first message over 16 MiB`, async (conn) => {
        assertRefused(await conn.command(saslStartCommand(mechanism, Buffer.concat([Buffer.from(`n,,n=${USER},r=`), Buffer.alloc(room + 64 * 1024, 'A')])), 60_000), 'over 16 MiB');
      });
      await runCase(`${mechanism} a 16 MiB client-final message`, async (conn) => {
        const client = new ScramClient(mechanism, USER, PASSWORD);
        const serverFirst = await start(conn, client, 'huge final');
        const f = client.final(serverFirst);
        const head = Buffer.from(`c=${f.channelBinding},r=${f.nonce},p=`);
        const cmd = saslContinueCommand(head);
        assertRefused(await conn.command(saslContinueCommand(Buffer.concat([head, Buffer.alloc(MAX_BSON - bsonSize(cmd), 'A')])), 60_000), '16 MiB proof');
      });
    });
  }

  test('PLAIN with bad payloads is refused and does not authenticate', async () => {
    const cases: Array<[string, Buffer | unknown]> = [
      ['an empty payload', Buffer.alloc(0)],
      ['the wrong password', Buffer.from(`\0${USER}\0${WRONG}`)],
      ['the right password of another user', Buffer.from(`\0${USER}\0${OLD_PASSWORD}`)],
      ['an unknown user', Buffer.from(`\0nobody\0${PASSWORD}`)],
      ['user and password without the authzid NUL', Buffer.from(`${USER}\0${PASSWORD}`)],
      ['no NUL at all', Buffer.from(`${USER}${PASSWORD}`)],
      ['four parts', Buffer.from(`\0${USER}\0${PASSWORD}\0x`)],
      ['an authzid naming another user', Buffer.from(`${OLD_USER}\0${USER}\0${PASSWORD}`)],
      ['an empty user', Buffer.from(`\0\0${PASSWORD}`)],
      ['an empty password', Buffer.from(`\0${USER}\0`)],
      ['the password with a trailing NUL', Buffer.from(`\0${USER}\0${PASSWORD}\0`)],
      ['non-UTF-8 bytes in the password', Buffer.concat([Buffer.from(`\0${USER}\0pw`), Buffer.from([0xff, 0xc3, 0x28])])],
      ['non-UTF-8 bytes in the user', Buffer.concat([Buffer.from('\0fu'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(`\0${PASSWORD}`)])],
      ['the password in another Unicode form', Buffer.from(`\0${USER}\0${PASSWORD.normalize('NFD')}x`)],
      ['a password truncated by one character', Buffer.from(`\0${USER}\0${PASSWORD.slice(0, -1)}`)],
      ['a payload that is a number', new Int32(3)],
      ['a string payload with the wrong password', `\0${USER}\0${WRONG}`],
      ['a 16 MiB password', Buffer.concat([Buffer.from(`\0${USER}\0`), Buffer.alloc(MAX_BSON - bsonSize(saslStartCommand('PLAIN', Buffer.from(`\0${USER}\0`))), 'p')])],
    ];
    for (const [what, payload] of cases) {
      await runCase(`PLAIN with ${what}`, async (conn) => {
        assertRefused(await conn.command(saslStartCommand('PLAIN', payload), 60_000), what);
        assertRefused(await conn.command(saslContinueCommand(Buffer.from(`\0${USER}\0${PASSWORD}`))), `${what}: saslContinue after PLAIN`);
      });
    }
  });

  test('speculativeAuthenticate in hello with bad payloads does not authenticate', async () => {
    const payloads: Array<[string, unknown]> = [
      ['an empty payload', new Binary(Buffer.alloc(0))],
      ['no GS2 header', new Binary(Buffer.from(`n=${USER},r=abc`))],
      ['an unknown user', new Binary(Buffer.from('n,,n=nobody,r=abc'))],
      ['a number', 4],
    ];
    for (const [what, payload] of payloads) {
      await runCase(`speculative hello with ${what}`, async (conn) => {
        const outcome = await conn.command({ hello: 1, speculativeAuthenticate: { saslStart: 1, mechanism: 'SCRAM-SHA-256', payload, db: 'admin' }, $db: 'admin' });
        // mongod answers the handshake and leaves speculativeAuthenticate out when it fails.
        if ('reply' in outcome && outcome.reply.ok === 1) {
          assert.equal(outcome.reply.speculativeAuthenticate, undefined, `${what}: no speculative reply`);
        } else {
          assertRefused(outcome, what);
        }
        await assertNotAuthenticated(conn, what);
        assertRefused(await conn.command(saslContinueCommand(Buffer.from('c=biws,r=abc,p=AAAA'))), `${what}: saslContinue after`);
      });
    }
  });

  test('a failed attempt as another user after success leaves the first user authenticated alone', async () => {
    for (const mechanism of MECHANISMS) {
      const conn = await open();
      try {
        await authenticate(conn, mechanism, 'first user');
        const other = new ScramClient('SCRAM-SHA-1', OLD_USER, OLD_PASSWORD);
        const outcome = await conn.command(saslStartCommand('SCRAM-SHA-1', other.first));
        if ('reply' in outcome && outcome.reply.ok === 1) {
          assertRefused(await conn.command(saslContinueCommand(Buffer.from(other.final(payloadText(outcome.reply)!, WRONG).message))), 'wrong password as another user');
        } else {
          assertRefused(outcome, 'another user');
        }
        await assertAuthenticatedAs(conn, USER, `${mechanism}: after a failed attempt as another user`);
        await afterCase(`${mechanism} another user after success`, []);
      } finally {
        conn.destroy();
      }
    }
  });

  test('with every command logged and profiled, no log line or profile entry holds a password', async () => {
    const admin = await open();
    try {
      await authenticate(admin, 'SCRAM-SHA-256', 'profiling');
      assertOk(await admin.command({ profile: 2, slowms: -1, $db: 'admin' }), 'profile every command, log every command');
      for (const payload of [`\0${USER}\0${WRONG}`, `\0${USER}\0${PASSWORD}`]) {
        const conn = await open();
        await conn.command(saslStartCommand('PLAIN', Buffer.from(payload)));
        conn.destroy();
      }
      const scram = await open();
      await authenticate(scram, 'SCRAM-SHA-1', 'profiled SCRAM');
      scram.destroy();
      const profiled = assertOk(await admin.command({ find: 'system.profile', filter: {}, $db: 'admin' }), 'read system.profile');
      const entries = profiled.cursor.firstBatch as Document[];
      assert.ok(entries.some((e) => e.command?.saslStart !== undefined), 'saslStart is profiled');
      for (const e of entries) assert.equal(secretIn(JSON.stringify(e)), undefined, `a profile entry holds a password: ${JSON.stringify(e.command)}`);
      assertOk(await admin.command({ profile: 0, slowms: 100, $db: 'admin' }), 'profiling off');
      await afterCase('every command logged', []);
    } finally {
      await admin.command({ profile: 0, slowms: 100, $db: 'admin' }).catch(() => undefined);
      admin.destroy();
    }
  });

  test('$currentOp does not show the payload of a saslStart in progress', async () => {
    const admin = await open();
    const guesser = await open();
    try {
      await authenticate(admin, 'SCRAM-SHA-256', 'currentOp');
      // Failures past the free few are answered after a wait: long enough to see the attempt in $currentOp.
      for (let i = 0; i < 6; i++) assertRefused(await guesser.command(saslStartCommand('PLAIN', Buffer.from(`\0${USER}\0${WRONG}`))), `guess ${i}`);
      let answered = false;
      const pending = guesser.command(saslStartCommand('PLAIN', Buffer.from(`\0${USER}\0${WRONG}`))).then((o) => {
        answered = true;
        return o;
      });
      let shown: Document | undefined;
      while (!answered && shown === undefined) {
        const reply = assertOk(await admin.command({
          aggregate: 1, pipeline: [{ $currentOp: { allUsers: true } }, { $match: { 'command.saslStart': { $exists: true } } }], cursor: {}, $db: 'admin',
        }), '$currentOp');
        shown = (reply.cursor.firstBatch as Document[])[0];
      }
      assertRefused(await pending, 'the slowed guess');
      // Without a sighting (the answer came first) there is nothing to check.
      if (shown !== undefined) assert.equal(secretIn(JSON.stringify(shown)), undefined, `$currentOp shows the password: ${JSON.stringify(shown.command)}`);
      await afterCase('$currentOp during a slowed attempt', [guesser]);
    } finally {
      admin.destroy();
      guesser.destroy();
      // A success resets the throttle the guesses raised, whatever happened above, for the cases that follow.
      const reset = await open();
      await authenticate(reset, 'SCRAM-SHA-256', 'throttle reset').finally(() => reset.destroy());
    }
  });

  test('seeded random sequences of conversation steps never authenticate without the right proof', async () => {
    const started = Date.now();
    let ran = 0;
    const first = ONLY_CASE ?? 0;
    const last = ONLY_CASE ?? RANDOM_CASES - 1;
    for (let i = first; i <= last; i++) {
      if (ONLY_CASE === undefined && Date.now() - started > RANDOM_BUDGET_MS) break;
      const where = `random case ${i}; replay: EDDYDB_FUZZ_SEED=${SEED} EDDYDB_FUZZ_CASE=${i}`;
      try {
        await randomSequence(caseSeed(SEED, i), where);
      } catch (err) {
        console.log(`auth fuzz failed at ${where}`);
        throw err;
      }
      ran++;
    }
    console.log(`auth fuzz: ${ran} random sequences in ${Date.now() - started} ms (seed ${SEED})`);
    assert.ok(ran > 0);
  });

  /** One random sequence of steps on one connection (sometimes two), with a model of what may authenticate. */
  async function randomSequence(seed: number, where: string): Promise<void> {
    const rand = prng(seed);
    const int = (n: number): number => Math.floor(rand() * n);
    const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
    const conns = [await open(), await open()];
    /** Per connection: the conversation the client believes is open, and whether a step reported success. */
    const state = conns.map(() => ({ client: undefined as ScramClient | undefined, serverFirst: '', succeeded: false }));
    const steps: string[] = [];
    try {
      const count = 2 + int(5);
      for (let s = 0; s < count; s++) {
        const c = int(conns.length);
        const conn = conns[c]!;
        const st = state[c]!;
        const here = `${where}, step ${s} on connection ${c} (${steps.join(' → ')})`;
        const kind = int(11);
        if (kind === 10) {
          // The first step inside the handshake: a conversation continued by saslContinue, as after saslStart.
          const mechanism = pick(MECHANISMS);
          const client = new ScramClient(mechanism, pick([USER, OLD_USER, 'nobody']), PASSWORD);
          const mutated = rand() < 0.4;
          const payload = mutated ? mutate(client.first, rand) : client.first;
          steps.push(`hello speculative ${mechanism} ${client.user}${mutated ? ' (mutated)' : ''}`);
          const outcome = await conn.command({ hello: 1, speculativeAuthenticate: { saslStart: 1, mechanism, payload: new Binary(payload), db: 'admin' }, $db: 'admin' });
          st.client = undefined;
          if ('reply' in outcome && outcome.reply.ok === 1) {
            const speculative = outcome.reply.speculativeAuthenticate as Document | undefined;
            if (speculative !== undefined) {
              assert.equal(speculative.done, false, `${here}: a speculative SCRAM start is never done`);
              st.client = client;
              st.serverFirst = payloadText(speculative) ?? '';
            }
          } else {
            assertRefused(outcome, here);
          }
        } else if (kind <= 2) {
          const mechanism = pick(MECHANISMS);
          const client = new ScramClient(mechanism, pick([USER, USER, OLD_USER, 'nobody']), PASSWORD);
          let payload: Buffer = client.first;
          const mutated = rand() < 0.4;
          if (mutated) payload = mutate(payload, rand);
          steps.push(`saslStart ${mechanism} ${client.user}${mutated ? ' (mutated)' : ''}`);
          const outcome = await conn.command(saslStartCommand(mechanism, payload));
          if ('reply' in outcome && outcome.reply.ok === 1) {
            assert.equal(outcome.reply.done, false, `${here}: a SCRAM saslStart is never done`);
            st.client = client;
            st.serverFirst = payloadText(outcome.reply) ?? '';
          } else {
            assertRefused(outcome, here);
            st.client = undefined;
          }
        } else if (kind <= 6) {
          const client = st.client ?? new ScramClient(pick(MECHANISMS), USER, PASSWORD);
          const serverFirst = st.client ? st.serverFirst : `r=${client.nonce}xyz,s=${Buffer.alloc(28).toString('base64')},i=4096`;
          const password = rand() < 0.2 ? WRONG : PASSWORD;
          const final = client.final(serverFirst, password);
          let payload: Buffer = Buffer.from(final.message);
          const mutated = rand() < 0.5;
          if (mutated) payload = mutate(payload, rand);
          const id = rand() < 0.1 ? pick([2, 0, 'x']) : 1;
          steps.push(`saslContinue${password === WRONG ? ' wrong password' : ''}${mutated ? ' (mutated)' : ''}${id !== 1 ? ` id ${String(id)}` : ''}`);
          const outcome = await conn.command(saslContinueCommand(payload, id));
          if ('reply' in outcome && outcome.reply.ok === 1) {
            // Success only for the open conversation's right proof, whatever the mutation changed around it.
            assert.ok(st.client && password === PASSWORD && id === 1 && client.user !== 'nobody', `${here}: succeeded without the right proof`);
            // The proof is what follows the last ',p=' and must be exactly the right one in padded base64.
            const text = payload.toString('utf8');
            const proofAt = text.lastIndexOf(',p=');
            assert.equal(scramAttributes(text.slice(0, proofAt)).get('r'), final.nonce, `${here}: succeeded with another nonce`);
            assert.equal(text.slice(proofAt + 3), final.proof.toString('base64'), `${here}: succeeded with another proof`);
            assert.equal(payloadText(outcome.reply), `v=${final.serverSignature}`, `${here}: the server's signature`);
            st.succeeded = true;
          } else {
            assertRefused(outcome, here);
          }
          // A final message ends the conversation, accepted or not (a wrong id leaves it, and the model with it).
          if (id === 1) st.client = undefined;
        } else if (kind === 7) {
          const payload = mutate(Buffer.from(`\0${USER}\0${rand() < 0.5 ? WRONG : PASSWORD}`), rand);
          steps.push('PLAIN (mutated)');
          const outcome = await conn.command(saslStartCommand('PLAIN', payload));
          if ('reply' in outcome && outcome.reply.ok === 1) {
            assert.equal(payload.toString('utf8'), `\0${USER}\0${PASSWORD}`, `${here}: PLAIN succeeded with another payload`);
            st.succeeded = true;
          } else {
            assertRefused(outcome, here);
          }
          st.client = undefined;
        } else if (kind === 8) {
          steps.push('logout');
          const outcome = await conn.command({ logout: 1, $db: 'admin' });
          if ('reply' in outcome) assert.equal(outcome.reply.ok, 1, `${here}: logout`);
          st.succeeded = false;
        } else {
          steps.push('connectionStatus');
        }
        const users = await authenticatedUsers(conn, here);
        if (users !== 'closed') {
          if (st.succeeded) assert.equal(users.length, 1, `${here}: a user after success: ${JSON.stringify(users)}`);
          else assert.deepEqual(users, [], `${here}: authenticated without a successful step`);
        }
      }
      await afterCase(`${where} (${steps.join(' → ')})`, conns.filter((_, i) => !state[i]!.succeeded));
    } finally {
      for (const conn of conns) conn.destroy();
    }
  }
});

/** The seed of case `i` of run `seed`, so each case replays alone. */
function caseSeed(seed: number, i: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(i + 1, 0xc2b2ae35)) >>> 0;
}

/** One to three random edits: bit flips, truncation, a byte inserted or removed, a swapped comma, garbage. */
function mutate(bytes: Buffer, rand: () => number): Buffer {
  let out: Buffer = Buffer.from(bytes);
  const int = (n: number): number => Math.floor(rand() * n);
  const edits = 1 + int(3);
  for (let e = 0; e < edits; e++) {
    if (out.length === 0) {
      out = Buffer.from([int(256)]);
      continue;
    }
    switch (int(6)) {
      case 0: {
        const at = int(out.length);
        out[at] = out[at]! ^ (1 << int(8));
        break;
      }
      case 1:
        out = out.subarray(0, int(out.length));
        break;
      case 2: {
        const at = int(out.length + 1);
        out = Buffer.concat([out.subarray(0, at), Buffer.from([pick([0x2c, 0x3d, 0x00, 0xff, 0x41])]), out.subarray(at)]);
        break;
      }
      case 3: {
        const at = int(out.length);
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
        break;
      }
      case 4: {
        const commas = [...out.keys()].filter((k) => out[k] === 0x2c);
        if (commas.length > 0) out[commas[int(commas.length)]!] = pick([0x3b, 0x3d, 0x20]);
        break;
      }
      default:
        out = Buffer.concat([out, Buffer.from(Array.from({ length: 1 + int(8) }, () => int(256)))]);
    }
  }
  return out;

  function pick<T>(items: readonly T[]): T {
    return items[int(items.length)]!;
  }
}
