/**
 * The resume token file of `eddydb watch --resume-file`: one resume token as canonical Extended JSON, replaced
 * atomically (a temporary file written and synced, then renamed over it), so a reader finds the old token or the
 * new one, never a torn one, whenever the watcher dies.
 *
 * Saving is split in two so that the slow part comes before the event is printed: `prepare` writes and syncs the
 * temporary file, `commit` only renames it. A watcher killed between printing an event and committing its token
 * prints that event again after a restart; splitting the save leaves the least time between the two.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { BSON, type Document } from 'mongodb';

const { EJSON } = BSON;

/** The file could not be read as a resume token, or written. */
export class ResumeFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResumeFileError';
  }
}

export class ResumeTokenFile {
  readonly path: string;
  private readonly temporary: string;
  private prepared: string | undefined;
  /** The text of the token the file holds, to skip saving the same token twice. */
  private saved: string | undefined;
  /** Whether the file's name has been made durable in its folder (once, when the file is first created). */
  private named = false;

  constructor(path: string) {
    this.path = path;
    this.temporary = `${path}.tmp`;
  }

  /** The token the file holds, or undefined when there is no file yet. */
  read(): Document | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new ResumeFileError(`cannot read the resume file ${this.path}: ${(err as Error).message}`);
    }
    let token: unknown;
    try {
      token = EJSON.parse(text.trim(), { relaxed: false });
    } catch (err) {
      throw new ResumeFileError(`the resume file ${this.path} does not hold a resume token: ${(err as Error).message}`);
    }
    if (typeof token !== 'object' || token === null || Object.getPrototypeOf(token) !== Object.prototype) {
      throw new ResumeFileError(`the resume file ${this.path} does not hold a resume token (a document such as {"_data": "..."})`);
    }
    this.saved = text;
    this.named = true;
    return token as Document;
  }

  /** Writes and syncs `token` to the temporary file; false when the file already holds it (nothing to commit). */
  prepare(token: Document): boolean {
    const text = `${EJSON.stringify(token, { relaxed: false })}\n`;
    if (text === this.saved) {
      this.prepared = undefined;
      return false;
    }
    const fd = openSync(this.temporary, 'w', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.prepared = text;
    return true;
  }

  /** Renames the prepared token into place. */
  commit(): void {
    if (this.prepared === undefined) return;
    renameSync(this.temporary, this.path);
    this.saved = this.prepared;
    this.prepared = undefined;
    if (!this.named) {
      // A new name lives in the folder: sync it once, so that a machine crash cannot lose the whole file.
      syncFolder(dirname(this.path));
      this.named = true;
    }
  }

  save(token: Document): void {
    if (this.prepare(token)) this.commit();
  }
}

function syncFolder(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
