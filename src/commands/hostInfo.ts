import os from 'node:os';
import { Long } from '../bson/index.js';
import type { CommandDefinition } from './support/context.js';

/** Node's architecture names as mongod prints them (uname -m). */
const CPU_ARCH: Readonly<Record<string, string>> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i686', arm: 'armv7l' };

/** hostInfo: the machine the server runs on, in mongod's shape (system, os, extra). */
export const hostInfo: CommandDefinition = {
  name: 'hostInfo',
  async run() {
    const cores = os.cpus().length;
    const memSizeMB = Math.floor(os.totalmem() / (1024 * 1024));
    return {
      system: {
        currentTime: new Date(),
        hostname: os.hostname(),
        cpuAddrSize: 64,
        memSizeMB: Long.fromNumber(memSizeMB),
        memLimitMB: Long.fromNumber(memSizeMB),
        numCores: cores,
        numCoresAvailableToProcess: os.availableParallelism?.() ?? cores,
        cpuArch: CPU_ARCH[os.arch()] ?? os.arch(),
        numaEnabled: false,
      },
      os: { type: os.type(), name: os.type(), version: os.release() },
      extra: { versionString: os.version(), kernelVersion: os.release(), pageSize: Long.fromNumber(4096) },
    };
  },
};
