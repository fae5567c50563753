import assert from 'node:assert/strict';
import { MongoServerError, type Client, type Document } from '../../src/index.js';

/**
 * Asserts that `fn` rejects with a MongoServerError carrying `code` (and, when given, `codeName` and a message that
 * equals the string or matches the RegExp, and the error labels). Returns the error for further checks.
 */
export async function rejectsWith(
  fn: () => Promise<unknown>,
  code: number,
  expected: { codeName?: string; message?: string | RegExp; labels?: string[] } = {},
): Promise<MongoServerError & Record<string, unknown>> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  if (caught === undefined) assert.fail(`expected an error with code ${code}, but the call succeeded`);
  assert.ok(caught instanceof MongoServerError, `expected a MongoServerError, got ${String((caught as Error)?.stack ?? caught)}`);
  assert.equal(caught.code, code, `code of: ${caught.message}`);
  if (expected.codeName !== undefined) assert.equal(caught.codeName, expected.codeName);
  if (typeof expected.message === 'string') assert.equal(caught.message, expected.message);
  else if (expected.message) assert.match(caught.message, expected.message);
  for (const label of expected.labels ?? []) assert.ok(caught.hasErrorLabel(label), `missing label ${label}: ${caught.errorLabels}`);
  return caught as MongoServerError & Record<string, unknown>;
}

/** Records every command the client sends (and its reply) until `restore()`; for checking cursor batching. */
export function spyCommands(client: Client): { commands: Document[]; replies: Document[]; restore(): void } {
  const commands: Document[] = [];
  const replies: Document[] = [];
  const original = client.runCommand.bind(client);
  client.runCommand = async (db, command, session) => {
    commands.push(command);
    const reply = await original(db, command, session);
    replies.push(reply);
    return reply;
  };
  return {
    commands,
    replies,
    restore() {
      delete (client as unknown as { runCommand?: unknown }).runCommand;
    },
  };
}
