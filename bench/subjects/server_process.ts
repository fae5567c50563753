/**
 * `eddydb serve` as a separate process on 127.0.0.1, so the wire figures include a real socket and the server's
 * own event loop, as a user's deployment would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sleep } from '../util/time.js';

/** The server's entry point in the same build output as this file. */
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface ServerProcess {
  port: number;
  /** Peak resident memory in KiB (Linux VmHWM), or null where /proc is not available. */
  peakRssKiB(): number | null;
  stop(): Promise<void>;
}

/** A port nobody listens on now: the OS picks one for a throwaway listener. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function readPeakRss(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** Starts a file-backed server on `dbpath`, with `extraArgs` (such as `--auth`), and resolves once it accepts connections. */
export async function startServer(dbpath: string, extraArgs: readonly string[] = []): Promise<ServerProcess> {
  const port = await freePort();
  // For profiling the server: BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof" (Node refuses --cpu-prof in NODE_OPTIONS).
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a.length > 0);
  const child = spawn(process.execPath, [...nodeArgs, MAIN, 'serve', '--port', String(port), '--bind_ip', '127.0.0.1', '--dbpath', dbpath, '--quiet', ...extraArgs], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // A child that exits early (an error, a timeout) must not leave its server behind.
  const killOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const deadline = performance.now() + 60_000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null) throw new Error(`eddydb serve exited with ${child.exitCode}: ${stderr}`);
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`eddydb serve did not accept connections on ${port} within 60 s: ${stderr}`);
    }
    await sleep(50);
  }
  let peak: number | null = null;
  return {
    port,
    peakRssKiB: () => peak ?? readPeakRss(child.pid),
    async stop() {
      peak = readPeakRss(child.pid);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited(child);
      clearTimeout(timer);
      process.off('exit', killOnExit);
    },
  };
}
