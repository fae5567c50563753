/** Runs the `eddydb` executable as a child process and reads its JSON log lines, for tests of the CLI. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** dist/test/integration/server/ → dist/src/cli/main.js */
const MAIN = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

export interface Child {
  proc: ChildProcess;
  lines: Record<string, unknown>[];
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/**
 * Starts `eddydb <args>`, in `cwd` if given; with `openFileLimit`, under that `ulimit -n` (soft and hard, so Node
 * cannot raise it).
 */
export function run(args: string[], options: { openFileLimit?: number; cwd?: string } = {}): Child {
  const spawnOptions = { stdio: ['ignore', 'pipe', 'pipe'] as ('ignore' | 'pipe')[], ...(options.cwd !== undefined ? { cwd: options.cwd } : {}) };
  const proc = options.openFileLimit === undefined
    ? spawn(process.execPath, [MAIN, ...args], spawnOptions)
    : spawn('/bin/sh', ['-c', `ulimit -n ${options.openFileLimit} && exec "$0" "$@"`, process.execPath, MAIN, ...args], spawnOptions);
  let out = '';
  let err = '';
  const lines: Record<string, unknown>[] = [];
  let partial = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    // A line may be split across chunks: the unfinished tail waits for the next one.
    const pieces = (partial + chunk).split('\n');
    partial = pieces.pop()!;
    for (const line of pieces) {
      if (!line.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line; the full text stays in `out`
      }
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  // 'close' rather than 'exit': it comes after the last of stdout and stderr has been read.
  const exit = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  return { proc, lines, stdout: () => out, stderr: () => err, exit };
}

/** Waits for the "Waiting for connections" line and returns its port; fails if the process exits first. */
export async function listeningPort(child: Child): Promise<number> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const line = child.lines.find((l) => l.msg === 'Waiting for connections');
    if (line) return (line.attr as { port: number }).port;
    if (child.proc.exitCode !== null) assert.fail(`server exited with ${child.proc.exitCode}: ${child.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  child.proc.kill('SIGKILL');
  assert.fail(`server did not start: ${child.stdout()} ${child.stderr()}`);
}

export async function stop(child: Child): Promise<number | null> {
  if (child.proc.exitCode === null) child.proc.kill('SIGTERM');
  return child.exit;
}
