/**
 * Streaming frame decoder of the TypeScript fallback. It follows docs/protocol.md section 4 rule
 * for rule, so that it gives the same frames and counters as the C decoder for any input and any
 * chunking.
 *
 * The decoder works directly on each pushed chunk. Only the partial frame candidate left at the
 * end of a chunk is copied into the internal buffer; when a chunk arrives while such a candidate
 * is pending, only the bytes that candidate still needs are appended to it.
 *
 * @packageDocumentation
 */

/* eslint-disable @typescript-eslint/no-non-null-assertion --
 * Byte reads at indices already checked against the available length. */

import type { DecoderStats, Frame, FrameDecoder, FrameKind } from '../types.js';
import { FRAME_HEADER_SIZE, FRAME_OVERHEAD } from '../types.js';
import { crc32cRange } from './crc32c.js';
import {
  FLAG_KIND_MASK,
  FLAG_MORE,
  FLAG_RESERVED,
  HCHECK_OFFSET,
  MAGIC0,
  MAGIC1,
  VERSION,
} from './frame_encoder.js';

/**
 * How far the pending candidate has been checked: `buf[head]` is 0xA5 and the second magic byte
 * is unchecked (0); the magic matched but the 20-byte header is unchecked (1); the header passed
 * and the decoder waits for the whole frame (2).
 */
type Stage = 0 | 1 | 2;
const STAGE_MAGIC = 0;
const STAGE_HEADER = 1;
const STAGE_BODY = 2;

const EMPTY = new Uint8Array(0);

/** Big-endian u16 at `b[i]` (in bounds). */
function be16(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}

/** Big-endian u32 at `b[i]` (in bounds), as an unsigned number. */
function be32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

/**
 * Section 4 decoder over chunks of a byte stream.
 *
 * @example
 * ```ts
 * const decoder = new TsFrameDecoder(65536);
 * for (const frame of decoder.push(chunk)) handle(frame);
 * decoder.stats.crcErrors; // counters so far
 * ```
 */
export class TsFrameDecoder implements FrameDecoder {
  readonly #maxPayload: number;
  /** Holds the pending candidate in `buf[head..tail)`; allocated on first use. */
  #buf: Uint8Array = EMPTY;
  #head = 0;
  #tail = 0;
  #stage: Stage = STAGE_MAGIC;
  /** Payload length of the candidate once its header passed. */
  #length = 0;
  /** CRC-32C over bytes 0-17 of the candidate once its header passed. */
  #headerCrc = 0;

  #frames = 0;
  #garbageBytes = 0;
  #headerErrors = 0;
  #versionErrors = 0;
  #oversizeErrors = 0;
  #crcErrors = 0;

  /**
   * @param maxPayload - largest payload accepted (256 ..= 65536, checked by the facade)
   */
  constructor(maxPayload: number) {
    this.#maxPayload = maxPayload;
  }

  /** Bytes held as a partial frame. */
  get pending(): number {
    return this.#tail - this.#head;
  }

  /** A snapshot of the error counters. */
  get stats(): DecoderStats {
    return {
      frames: this.#frames,
      garbageBytes: this.#garbageBytes,
      headerErrors: this.#headerErrors,
      versionErrors: this.#versionErrors,
      oversizeErrors: this.#oversizeErrors,
      crcErrors: this.#crcErrors,
    };
  }

  /** Drops the pending partial frame, counting its bytes as garbage; keeps the counters. */
  reset(): void {
    this.#garbageBytes += this.#tail - this.#head;
    this.#head = 0;
    this.#tail = 0;
    this.#stage = STAGE_MAGIC;
  }

  /**
   * Decodes a chunk and returns the frames it completes, in stream order.
   *
   * @param chunk - the next bytes of the stream (not retained; payloads of frames that lie wholly
   *   inside it are views of it)
   */
  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    let pos = 0;
    if (this.#tail > this.#head) {
      pos = this.#pushPending(chunk, frames);
      if (this.#tail > this.#head) {
        return frames;
      }
    }
    this.#scanChunk(chunk, pos, frames);
    return frames;
  }

  /**
   * Advances the pending candidate with bytes from `chunk`. Returns the chunk position where
   * direct scanning continues; when the candidate is still pending, the whole chunk is used.
   */
  #pushPending(chunk: Uint8Array, frames: Frame[]): number {
    const n = chunk.length;
    let pos = 0;
    /** Bytes at the end of `buf[head..tail)` that were taken from `chunk[pos - fromChunk, pos)`. */
    let fromChunk = 0;
    while (this.#tail > this.#head) {
      const stage = this.#stage;
      const need =
        stage === STAGE_MAGIC
          ? 2
          : stage === STAGE_HEADER
            ? FRAME_HEADER_SIZE
            : FRAME_OVERHEAD + this.#length;
      const have = this.#tail - this.#head;
      if (have < need) {
        const take = Math.min(need - have, n - pos);
        if (take > 0) {
          this.#append(chunk, pos, take);
          pos += take;
          fromChunk += take;
        }
        if (this.#tail - this.#head < need) {
          return n;
        }
      }
      const buf = this.#buf;
      const head = this.#head;
      let ok: boolean;
      if (stage === STAGE_MAGIC) {
        ok = buf[head + 1] === MAGIC1;
        if (ok) this.#stage = STAGE_HEADER;
      } else if (stage === STAGE_HEADER) {
        ok = this.#checkHeader(buf, head);
        if (ok) this.#stage = STAGE_BODY;
      } else {
        ok = this.#checkBody(buf, head, this.#length, this.#headerCrc);
        if (ok) {
          frames.push(
            this.#frame(
              buf,
              head,
              buf.slice(head + FRAME_HEADER_SIZE, head + FRAME_HEADER_SIZE + this.#length),
            ),
          );
          // Any bytes left after the frame were pending before this push (bytes from the chunk
          // are only appended up to the end of the candidate).
          this.#head = head + need;
          fromChunk = 0;
          this.#rescanBuffer();
        }
      }
      if (!ok) {
        // Give back the bytes taken from this chunk: after the dropped byte, the buffer is
        // rescanned only over bytes that were pending before this push, then the chunk follows.
        this.#tail -= fromChunk;
        pos -= fromChunk;
        fromChunk = 0;
        this.#garbageBytes += 1;
        this.#head = head + 1;
        this.#rescanBuffer();
      }
    }
    return pos;
  }

  /** Moves `head` to the next 0xA5 in the buffer (bytes skipped are garbage) or empties it. */
  #rescanBuffer(): void {
    this.#stage = STAGE_MAGIC;
    const head = this.#head;
    const tail = this.#tail;
    const k = head < tail ? this.#buf.subarray(head, tail).indexOf(MAGIC0) : -1;
    if (k < 0) {
      this.#garbageBytes += tail - head;
      this.#head = 0;
      this.#tail = 0;
    } else {
      this.#garbageBytes += k;
      this.#head = head + k;
    }
  }

  /** Appends `chunk[pos, pos + count)` to the pending candidate. */
  #append(chunk: Uint8Array, pos: number, count: number): void {
    if (this.#buf.length === 0) {
      this.#buf = new Uint8Array(FRAME_OVERHEAD + this.#maxPayload);
    }
    if (this.#tail + count > this.#buf.length) {
      this.#buf.copyWithin(0, this.#head, this.#tail);
      this.#tail -= this.#head;
      this.#head = 0;
    }
    this.#buf.set(chunk.subarray(pos, pos + count), this.#tail);
    this.#tail += count;
  }

  /** Keeps `chunk[p..)` as the pending candidate, already checked up to `stage`. */
  #keep(chunk: Uint8Array, p: number, stage: Stage): void {
    this.#head = 0;
    this.#tail = 0;
    this.#stage = stage;
    this.#append(chunk, p, chunk.length - p);
  }

  /** Scans `chunk[pos..)` with nothing pending, returning frames that lie wholly inside it. */
  #scanChunk(chunk: Uint8Array, pos: number, frames: Frame[]): void {
    const n = chunk.length;
    while (pos < n) {
      const p = chunk.indexOf(MAGIC0, pos);
      if (p < 0) {
        this.#garbageBytes += n - pos;
        return;
      }
      this.#garbageBytes += p - pos;
      if (p + 1 >= n) {
        this.#keep(chunk, p, STAGE_MAGIC);
        return;
      }
      if (chunk[p + 1] !== MAGIC1) {
        this.#garbageBytes += 1;
        pos = p + 1;
        continue;
      }
      if (n - p < FRAME_HEADER_SIZE) {
        this.#keep(chunk, p, STAGE_HEADER);
        return;
      }
      if (!this.#checkHeader(chunk, p)) {
        this.#garbageBytes += 1;
        pos = p + 1;
        continue;
      }
      const length = this.#length;
      const end = p + FRAME_OVERHEAD + length;
      if (end > n) {
        this.#keep(chunk, p, STAGE_BODY);
        return;
      }
      if (!this.#checkBody(chunk, p, length, this.#headerCrc)) {
        this.#garbageBytes += 1;
        pos = p + 1;
        continue;
      }
      const payloadStart = p + FRAME_HEADER_SIZE;
      frames.push(this.#frame(chunk, p, chunk.subarray(payloadStart, payloadStart + length)));
      pos = end;
    }
  }

  /**
   * Section 4 step 2 on the 20 header bytes at `bytes[p..)`. On success stores the payload
   * length and header CRC of the candidate; on failure counts the first check that failed.
   */
  #checkHeader(bytes: Uint8Array, p: number): boolean {
    const headerCrc = crc32cRange(bytes, p, p + HCHECK_OFFSET, 0);
    if ((headerCrc & 0xffff) !== be16(bytes, p + HCHECK_OFFSET)) {
      this.#headerErrors += 1;
      return false;
    }
    const flags = bytes[p + 3]!;
    if (
      bytes[p + 2] !== VERSION ||
      (flags & FLAG_KIND_MASK) === FLAG_KIND_MASK ||
      (flags & FLAG_RESERVED) !== 0
    ) {
      this.#versionErrors += 1;
      return false;
    }
    const length = be32(bytes, p + 12);
    if (length > this.#maxPayload) {
      this.#oversizeErrors += 1;
      return false;
    }
    this.#length = length;
    this.#headerCrc = headerCrc;
    return true;
  }

  /** Section 4 step 3: checks the trailer of the complete candidate at `bytes[p..)`. */
  #checkBody(bytes: Uint8Array, p: number, length: number, headerCrc: number): boolean {
    const crcAt = p + FRAME_HEADER_SIZE + length;
    if (crc32cRange(bytes, p + HCHECK_OFFSET, crcAt, headerCrc) !== be32(bytes, crcAt)) {
      this.#crcErrors += 1;
      return false;
    }
    return true;
  }

  /** Builds the frame whose checked header is at `bytes[p..)` and counts it. */
  #frame(bytes: Uint8Array, p: number, payload: Uint8Array): Frame {
    const flags = bytes[p + 3]!;
    this.#frames += 1;
    return {
      kind: (flags & FLAG_KIND_MASK) as FrameKind,
      more: (flags & FLAG_MORE) !== 0,
      requestId: be32(bytes, p + 4),
      command: be16(bytes, p + 8),
      status: be16(bytes, p + 10),
      fragIndex: be16(bytes, p + 16),
      payload,
    };
  }
}
