/**
 * Coalesces the frames a peer produces in one turn of the event loop into a single write.
 *
 * Pipelined traffic answers or sends many small frames per turn; one system call per frame
 * would cost more than encoding them. Frames pushed while the current synchronous code and
 * its promise jobs run are written together from a `process.nextTick` callback, so a lone
 * request or reply is not delayed past the current turn.
 *
 * @packageDocumentation
 */

/** Above this many queued bytes, frames are written one by one instead of copied together. */
const COPY_LIMIT = 256 * 1024;

/**
 * A per-turn write buffer in front of a byte sink (a socket).
 *
 * @example
 * ```ts
 * const batch = new WriteBatch((bytes) => socket.write(bytes));
 * batch.push(encodeFrame(frame)); // written once this turn's work is done
 * ```
 */
export class WriteBatch {
  readonly #write: (bytes: Uint8Array) => void;
  #frames: Uint8Array[] = [];
  #bytes = 0;
  #scheduled = false;

  constructor(write: (bytes: Uint8Array) => void) {
    this.#write = write;
  }

  /** Queues `frame`; it is written before the event loop goes on to other I/O. */
  push(frame: Uint8Array): void {
    this.#frames.push(frame);
    this.#bytes += frame.length;
    if (!this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(() => {
        this.flush();
      });
    }
  }

  /** Writes everything queued now (also called by the scheduled tick). */
  flush(): void {
    this.#scheduled = false;
    const frames = this.#frames;
    if (frames.length === 0) return;
    this.#frames = [];
    const total = this.#bytes;
    this.#bytes = 0;
    if (frames.length === 1 || total > COPY_LIMIT) {
      // One frame, or so many bytes that a copy costs more than the extra calls.
      for (const frame of frames) this.#write(frame);
      return;
    }
    const out = new Uint8Array(total);
    let offset = 0;
    for (const frame of frames) {
      out.set(frame, offset);
      offset += frame.length;
    }
    this.#write(out);
  }

  /** Drops anything queued (the connection is gone). */
  clear(): void {
    this.#frames = [];
    this.#bytes = 0;
  }
}
