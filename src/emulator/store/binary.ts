/**
 * Little-endian binary writer and bounds-checked reader used by the store's file formats.
 *
 * @packageDocumentation
 */

/** `n` uninitialised bytes (from Node's buffer pool when small), as a plain Uint8Array. */
function pooled(n: number): Uint8Array {
  const b = Buffer.allocUnsafe(n);
  return new Uint8Array(b.buffer, b.byteOffset, n);
}

/** A little-endian writer over a growing buffer (plain byte stores: no DataView to allocate). */
export class Writer {
  #buf: Uint8Array;
  /** Bytes written so far. */
  pos = 0;

  /** Starts with `capacity` bytes from Node's buffer pool (every byte is written before use). */
  constructor(capacity = 256) {
    this.#buf = pooled(capacity);
  }

  #room(n: number): Uint8Array {
    if (this.pos + n > this.#buf.length) {
      const next = pooled(Math.max(this.#buf.length * 2, this.pos + n));
      next.set(this.#buf.subarray(0, this.pos));
      this.#buf.fill(0, 0, this.pos); // the outgrown copy may hold key bytes: leave none behind
      this.#buf = next;
    }
    return this.#buf;
  }

  u8(v: number): void {
    this.#room(1)[this.pos++] = v;
  }
  u16(v: number): void {
    const b = this.#room(2);
    b[this.pos] = v;
    b[this.pos + 1] = v >>> 8;
    this.pos += 2;
  }
  u32(v: number): void {
    this.#room(4);
    this.patchU32(this.pos, v);
    this.pos += 4;
  }
  i32(v: number): void {
    this.u32(v >>> 0);
  }
  /** An unsigned integer below 2^53, as 8 bytes. */
  u64(v: number): void {
    this.u32(v % 0x100000000);
    this.u32(Math.floor(v / 0x100000000));
  }
  bytes(b: Uint8Array): void {
    this.#room(b.length).set(b, this.pos);
    this.pos += b.length;
  }
  /** Writes 4 bytes at `at` (inside the buffer) with `v`. */
  patchU32(at: number, v: number): void {
    const b = this.#buf;
    b[at] = v;
    b[at + 1] = v >>> 8;
    b[at + 2] = v >>> 16;
    b[at + 3] = v >>> 24;
  }
  /** Current buffer size. */
  get capacity(): number {
    return this.#buf.length;
  }
  /** The bytes written (a view, valid until the next write). */
  result(): Uint8Array {
    return this.#buf.subarray(0, this.pos);
  }
}

/** Raised by {@link Reader} when the bytes do not parse; `offset` is absolute in the file. */
export class DecodeError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** A bounds-checked little-endian reader over `buf[pos, end)`; offsets are those of `buf`. */
export class Reader {
  readonly #view: DataView;
  /** Next byte to read. */
  pos: number;
  /** End of the current body: reads past it fail (movable, so one reader serves a whole file). */
  end: number;

  constructor(
    readonly buf: Uint8Array,
    pos: number,
    end: number,
  ) {
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = pos;
    this.end = end;
  }

  #need(n: number): number {
    const at = this.pos;
    if (at + n > this.end) throw new DecodeError('record body too short', at);
    this.pos = at + n;
    return at;
  }
  u8(): number {
    return this.#view.getUint8(this.#need(1));
  }
  u16(): number {
    return this.#view.getUint16(this.#need(2), true);
  }
  u32(): number {
    return this.#view.getUint32(this.#need(4), true);
  }
  i32(): number {
    return this.#view.getInt32(this.#need(4), true);
  }
  u64(): number {
    const at = this.#need(8);
    return this.#view.getUint32(at, true) + this.#view.getUint32(at + 4, true) * 0x100000000;
  }
  /** `n` bytes as a view into the buffer (no copy). */
  bytes(n: number): Uint8Array {
    const at = this.#need(n);
    return this.buf.subarray(at, at + n);
  }
  /** Asserts the body was consumed exactly. */
  done(): void {
    if (this.pos !== this.end) {
      throw new DecodeError('unexpected bytes after record body', this.pos);
    }
  }
}
