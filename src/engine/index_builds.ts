import type { Operation } from './operation.js';

/** One index build in progress: the createIndexes operation running it, and what it builds. */
export interface ActiveIndexBuild {
  /** 32 hex digits; the `buildUUID` its specs carry in the catalog. */
  readonly buildUUID: string;
  /** The operation running the build: killing it (killOp, maxTimeMS, dropIndexes) aborts the build. */
  readonly op: Operation;
  /** Settles once the build has committed or has removed everything it added. */
  readonly done: Promise<void>;
}

/**
 * The index builds running in this process, by build UUID (mongod's IndexBuildsCoordinator). The catalog says which
 * indexes are building; this says who builds them, so dropIndexes can abort a build and wait for it, and a second
 * createIndexes of the same index can wait for the first. A building index in the catalog with no entry here was
 * left by a build that could not clean up (the storage closed under it); the next createIndexes removes it.
 */
export class IndexBuildRegistry {
  private readonly builds = new Map<string, ActiveIndexBuild & { finish: () => void }>();

  /** Registers a build before its first write, so it is known as soon as its specs are visible. */
  start(buildUUID: string, op: Operation): ActiveIndexBuild & { finish: () => void } {
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const build = {
      buildUUID, op, done,
      finish: () => {
        this.builds.delete(buildUUID);
        finish();
      },
    };
    this.builds.set(buildUUID, build);
    return build;
  }

  get(buildUUID: string): ActiveIndexBuild | undefined {
    return this.builds.get(buildUUID);
  }

  get size(): number {
    return this.builds.size;
  }
}
