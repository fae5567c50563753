import { randomBytes } from 'node:crypto';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serializeAnySize, type Document } from '../bson/index.js';
import { CHUNK_DOCS, type Chunks, type RunSpiller, type SpilledRun } from '../query/pipeline/index.js';
import { decodeStoredDocument } from './documents.js';

/** How much of a spilled run is read back at once. */
const READ_BLOCK_BYTES = 1024 * 1024;

/** Where spill files go when the engine was given no folder: the system's temporary folder. */
export function defaultTempDir(): string {
  return join(tmpdir(), 'eddydb-spill');
}

/**
 * One temporary file holding the sorted runs of one blocking stage (`allowDiskUse`), as mongod's files under
 * `<dbpath>/_tmp`. Runs are appended as BSON documents back to back and read back in blocks, so a run of any length
 * costs one block of memory to read. The file is removed when the stage ends, fails or is abandoned; a crash leaves
 * it for the next start to remove with the folder.
 */
export class SpillFile implements RunSpiller {
  private handle: FileHandle | undefined;
  private size = 0;
  private readonly path: string;
  private closed = false;

  constructor(private readonly dir: string) {
    this.path = join(dir, `sort-${process.pid}-${randomBytes(6).toString('hex')}.bson`);
  }

  async spill(docs: readonly Document[]): Promise<SpilledRun> {
    if (this.closed) throw new Error('spill file closed');
    if (!this.handle) {
      await mkdir(this.dir, { recursive: true });
      this.handle = await open(this.path, 'w+');
    }
    const start = this.size;
    let parts: Uint8Array[] = [];
    let partBytes = 0;
    for (const doc of docs) {
      const bytes = serializeAnySize(doc);
      parts.push(bytes);
      partBytes += bytes.byteLength;
      if (partBytes >= READ_BLOCK_BYTES) {
        await this.append(parts, partBytes);
        parts = [];
        partBytes = 0;
      }
    }
    if (partBytes > 0) await this.append(parts, partBytes);
    const end = this.size;
    return { read: () => this.readRun(start, end) };
  }

  private async append(parts: Uint8Array[], bytes: number): Promise<void> {
    const buffer = Buffer.concat(parts, bytes);
    let written = 0;
    while (written < buffer.byteLength) {
      const { bytesWritten } = await this.handle!.write(buffer, written, buffer.byteLength - written, this.size + written);
      written += bytesWritten;
    }
    this.size += buffer.byteLength;
  }

  private async *readRun(start: number, end: number): Chunks {
    let position = start;
    let carry: Buffer = Buffer.alloc(0);
    let docs: Document[] = [];
    while (position < end || carry.byteLength > 0) {
      if (position < end) {
        const want = Math.min(READ_BLOCK_BYTES, end - position);
        const block = Buffer.allocUnsafe(want);
        const { bytesRead } = await this.handle!.read(block, 0, want, position);
        if (bytesRead === 0) throw new Error(`spill file ${this.path} ended early`);
        position += bytesRead;
        carry = carry.byteLength > 0 ? Buffer.concat([carry, block.subarray(0, bytesRead)]) : block.subarray(0, bytesRead);
      }
      let offset = 0;
      while (carry.byteLength - offset >= 4) {
        const length = carry.readInt32LE(offset);
        if (carry.byteLength - offset < length) break;
        docs.push(decodeStoredDocument(carry.subarray(offset, offset + length)));
        offset += length;
        if (docs.length >= CHUNK_DOCS) {
          yield docs;
          docs = [];
        }
      }
      carry = carry.subarray(offset);
      if (position >= end && carry.byteLength > 0 && carry.byteLength < 4) throw new Error(`spill file ${this.path} is truncated`);
      if (position >= end && carry.byteLength >= 4 && carry.readInt32LE(0) > carry.byteLength) throw new Error(`spill file ${this.path} is truncated`);
    }
    if (docs.length > 0) yield docs;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const handle = this.handle;
    this.handle = undefined;
    if (handle) {
      await handle.close().catch(() => undefined);
      await rm(this.path, { force: true });
    }
  }
}
