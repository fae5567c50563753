import type { Document } from '../bson/index.js';
import { SERVER_VERSION, type CommandDefinition } from './support/context.js';
import { MAX_BSON_OBJECT_SIZE } from '../bson/index.js';

/** The storage engine name eddydb reports wherever mongod names its own (buildInfo, serverStatus). */
export const STORAGE_ENGINE_NAME = 'eddydb';

/** [major, minor, patch, 0] of SERVER_VERSION; drivers' test runners pick tests from it. */
export function versionArray(version: string = SERVER_VERSION): number[] {
  const parts = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
  while (parts.length < 4) parts.push(0);
  return parts.slice(0, 4);
}

/**
 * buildInfo: the version a MongoDB server would report. `versionArray` is required (the Node driver's unified
 * runner slices it); `openssl` is left out because no TLS is built in; there is no `dataLake` key (runners treat
 * its presence as Atlas Data Lake).
 */
export const buildInfo: CommandDefinition = {
  name: 'buildInfo',
  async run(): Promise<Document> {
    return {
      version: SERVER_VERSION,
      gitVersion: 'eddydb',
      modules: [],
      allocator: 'system',
      javascriptEngine: 'none',
      sysInfo: 'deprecated',
      versionArray: versionArray(),
      bits: 64,
      debug: false,
      maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
      storageEngines: [STORAGE_ENGINE_NAME],
    };
  },
};
