/**
 * Frame encoder of the TypeScript fallback (docs/protocol.md, section 2).
 *
 * @packageDocumentation
 */

import type { FrameInit } from '../types.js';
import { FRAME_HEADER_SIZE, FRAME_OVERHEAD } from '../types.js';
import { crc32cRange } from './crc32c.js';

/** Frame magic, first and second byte. */
export const MAGIC0 = 0xa5;
/** Second magic byte. */
export const MAGIC1 = 0x5a;
/** Protocol version written and accepted. */
export const VERSION = 1;
/** `flags` bit: more fragments of this message follow. */
export const FLAG_MORE = 0x04;
/** `flags` bits 0-1: the frame kind. */
export const FLAG_KIND_MASK = 0x03;
/** `flags` bits that must be zero. */
export const FLAG_RESERVED = 0xf8;
/** Offset of `hcheck`; the header CRC covers the bytes before it. */
export const HCHECK_OFFSET = 18;

/**
 * Writes one frame at `out[offset]`. The caller (the facade) has range-checked every field and
 * made sure `out` has `24 + payload.length` bytes from `offset`. Fields are stored big-endian one
 * byte at a time (a Uint8Array store keeps the low 8 bits of the value), like `zkb_bytes.h`.
 *
 * The CRC-32C state over bytes 0-17 gives `hcheck` (its low 16 bits) and is then continued over
 * `hcheck` and the payload for the trailer, as section 2 describes.
 *
 * @param frame - all frame fields
 * @param out - destination buffer
 * @param offset - where the frame starts in `out`
 * @returns the number of bytes written (`24 + payload.length`)
 *
 * @example
 * ```ts
 * const payload = new Uint8Array([1, 2, 3]);
 * const out = new Uint8Array(24 + payload.length);
 * encodeFrameInto(
 *   { kind: 0, requestId: 7, command: 0x0101, status: 0, fragIndex: 0, more: false, payload },
 *   out,
 *   0,
 * ); // 27
 * ```
 */
export function encodeFrameInto(
  frame: Required<FrameInit>,
  out: Uint8Array,
  offset: number,
): number {
  const payload = frame.payload;
  const length = payload.length;
  const o = offset;
  const requestId = frame.requestId;
  out[o] = MAGIC0;
  out[o + 1] = MAGIC1;
  out[o + 2] = VERSION;
  out[o + 3] = (frame.kind & FLAG_KIND_MASK) | (frame.more ? FLAG_MORE : 0);
  out[o + 4] = requestId >>> 24;
  out[o + 5] = requestId >>> 16;
  out[o + 6] = requestId >>> 8;
  out[o + 7] = requestId;
  out[o + 8] = frame.command >>> 8;
  out[o + 9] = frame.command;
  out[o + 10] = frame.status >>> 8;
  out[o + 11] = frame.status;
  out[o + 12] = length >>> 24;
  out[o + 13] = length >>> 16;
  out[o + 14] = length >>> 8;
  out[o + 15] = length;
  out[o + 16] = frame.fragIndex >>> 8;
  out[o + 17] = frame.fragIndex;
  const headerCrc = crc32cRange(out, o, o + HCHECK_OFFSET, 0);
  out[o + 18] = headerCrc >>> 8;
  out[o + 19] = headerCrc;
  out.set(payload, o + FRAME_HEADER_SIZE);
  const end = o + FRAME_HEADER_SIZE + length;
  const crc = crc32cRange(out, o + HCHECK_OFFSET, end, headerCrc);
  out[end] = crc >>> 24;
  out[end + 1] = crc >>> 16;
  out[end + 2] = crc >>> 8;
  out[end + 3] = crc;
  return FRAME_OVERHEAD + length;
}
