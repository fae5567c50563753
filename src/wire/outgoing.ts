/** Turning the pieces of a reply message into socket writes. */

/**
 * Pieces smaller than this are copied together into one buffer; larger ones are written as they are. Copying a few
 * hundred bytes costs less than a separate write (and writev entry) each, while copying a large shared event into
 * every stream's message is what the pieces are there to avoid.
 */
const COPY_BELOW = 16 * 1024;

/** The pieces joined into one buffer (compression needs the message whole). */
export function joinChunks(chunks: readonly Uint8Array[], size: number): Buffer {
  if (chunks.length === 1) {
    const only = chunks[0]!;
    return Buffer.isBuffer(only) ? only : Buffer.from(only.buffer, only.byteOffset, only.byteLength);
  }
  return Buffer.concat(chunks, size);
}

/** The buffers to write for a message, in order: runs of small pieces copied together, large pieces untouched. */
export function writeBuffers(chunks: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let runStart = 0;
  let runBytes = 0;
  const flush = (end: number): void => {
    if (end - runStart === 1) out.push(chunks[runStart]!);
    else if (end > runStart) out.push(Buffer.concat(chunks.slice(runStart, end), runBytes));
  };
  for (let i = 0; i < chunks.length; i++) {
    const length = chunks[i]!.byteLength;
    if (length < COPY_BELOW) {
      runBytes += length;
      continue;
    }
    flush(i);
    out.push(chunks[i]!);
    runStart = i + 1;
    runBytes = 0;
  }
  flush(chunks.length);
  return out;
}
