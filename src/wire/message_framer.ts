import { HEADER_SIZE } from './constants.js';
import { ConnectionFatalError } from './wire_errors.js';

/** What one push produced. */
export interface FramerResult {
  messages: Buffer[];
  fatal?: ConnectionFatalError;
}

/**
 * Cuts a TCP byte stream into whole wire messages (header included). Handles many messages per chunk and
 * one message over many chunks; copies only when a message spans chunks.
 * After it reports a bad messageLength it stays failed: the stream cannot be resynchronised.
 */
export class MessageFramer {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private failed = false;

  constructor(private readonly maxMessageSizeBytes: number) {}

  /** Bytes received but not yet part of a whole message. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Adds a chunk and returns the messages it completed, in order. `fatal` is set when a messageLength is below
   * 16 or above maxMessageSizeBytes: the messages before it are still returned, nothing after it ever is.
   */
  push(chunk: Buffer): FramerResult {
    const messages: Buffer[] = [];
    if (this.failed) return { messages };
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    while (this.buffered >= 4) {
      const length = this.peekInt32();
      if (length < HEADER_SIZE || length > this.maxMessageSizeBytes) {
        this.failed = true;
        this.chunks.length = 0;
        this.buffered = 0;
        const fatal = new ConnectionFatalError(
          `recv(): message msgLen ${length} is invalid. Min ${HEADER_SIZE} Max: ${this.maxMessageSizeBytes}`,
        );
        return { messages, fatal };
      }
      if (this.buffered < length) break;
      messages.push(this.take(length));
    }
    return { messages };
  }

  private peekInt32(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readInt32LE(0);
    const head = Buffer.alloc(4);
    let filled = 0;
    for (const c of this.chunks) {
      filled += c.copy(head, filled, 0, Math.min(c.length, 4 - filled));
      if (filled === 4) break;
    }
    return head.readInt32LE(0);
  }

  private take(length: number): Buffer {
    const first = this.chunks[0]!;
    this.buffered -= length;
    if (first.length >= length) {
      if (first.length === length) this.chunks.shift();
      else this.chunks[0] = first.subarray(length);
      return first.subarray(0, length);
    }
    const message = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const c = this.chunks[0]!;
      const n = Math.min(c.length, length - filled);
      c.copy(message, filled, 0, n);
      filled += n;
      if (n === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(n);
    }
    return message;
  }
}
