/**
 * CRC-32C (Castagnoli) in portable TypeScript: reflected polynomial 0x82F63B78, initial value and
 * final XOR 0xFFFFFFFF (docs/protocol.md, section 2). Slice-by-16 over a table computed once at
 * module load. Input words are read either byte by byte or through a little-endian
 * `DataView`, never through a typed array aliasing the input, so the result does not depend on the
 * host's byte order.
 *
 * @packageDocumentation
 */

/* eslint-disable @typescript-eslint/no-non-null-assertion --
 * Hot loops index typed arrays only at positions checked against their lengths (every table index
 * is a slice offset plus an 8-bit value); `!` keeps them free of runtime `undefined` tests. */

/** Reflected CRC-32C polynomial. */
const POLY = 0x82f63b78;

/** Slices of the table: bytes consumed per step of the main loop. */
const SLICES = 16;

/**
 * Inputs at least this long are read as 32-bit little-endian words through a `DataView`; shorter
 * ones byte by byte, where creating the view would cost more than it saves.
 */
const WORD_READ_MIN = 256;

/**
 * Sixteen 256-entry tables in one array: entry `k * 256 + b` is the CRC register after feeding
 * byte `b` followed by `k` zero bytes into a zero register. One flat Int32Array (entries stay
 * small integers for V8) measured faster than sixteen separate ones.
 */
const T: Int32Array = buildTable();

function buildTable(): Int32Array {
  const t = new Int32Array(SLICES * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let bit = 0; bit < 8; bit++) {
      c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    }
    t[b] = c;
  }
  for (let i = 256; i < SLICES * 256; i++) {
    const prev = t[i - 256]!;
    t[i] = (prev >>> 8) ^ t[prev & 0xff]!;
  }
  return t;
}

/** Slice-by-16 with every input byte read on its own (short inputs). */
function slice16Bytes(data: Uint8Array, start: number, end: number, c: number): number {
  const t = T;
  let r = c;
  let i = start;
  for (const last = end - SLICES; i <= last; i += SLICES) {
    r =
      t[0xf00 | ((r ^ data[i]!) & 0xff)]! ^
      t[0xe00 | (((r >>> 8) ^ data[i + 1]!) & 0xff)]! ^
      t[0xd00 | (((r >>> 16) ^ data[i + 2]!) & 0xff)]! ^
      t[0xc00 | ((r >>> 24) ^ data[i + 3]!)]! ^
      t[0xb00 | data[i + 4]!]! ^
      t[0xa00 | data[i + 5]!]! ^
      t[0x900 | data[i + 6]!]! ^
      t[0x800 | data[i + 7]!]! ^
      t[0x700 | data[i + 8]!]! ^
      t[0x600 | data[i + 9]!]! ^
      t[0x500 | data[i + 10]!]! ^
      t[0x400 | data[i + 11]!]! ^
      t[0x300 | data[i + 12]!]! ^
      t[0x200 | data[i + 13]!]! ^
      t[0x100 | data[i + 14]!]! ^
      t[data[i + 15]!]!;
  }
  for (; i < end; i++) {
    r = (r >>> 8) ^ t[(r ^ data[i]!) & 0xff]!;
  }
  return r;
}

/** Slice-by-16 reading four little-endian 32-bit words per step (long inputs). */
function slice16Words(data: Uint8Array, start: number, end: number, c: number): number {
  const t = T;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let r = c;
  let i = start;
  for (const last = end - SLICES; i <= last; i += SLICES) {
    const a = r ^ view.getInt32(i, true);
    const b = view.getInt32(i + 4, true);
    const d = view.getInt32(i + 8, true);
    const e = view.getInt32(i + 12, true);
    r =
      t[0xf00 | (a & 0xff)]! ^
      t[0xe00 | ((a >>> 8) & 0xff)]! ^
      t[0xd00 | ((a >>> 16) & 0xff)]! ^
      t[0xc00 | (a >>> 24)]! ^
      t[0xb00 | (b & 0xff)]! ^
      t[0xa00 | ((b >>> 8) & 0xff)]! ^
      t[0x900 | ((b >>> 16) & 0xff)]! ^
      t[0x800 | (b >>> 24)]! ^
      t[0x700 | (d & 0xff)]! ^
      t[0x600 | ((d >>> 8) & 0xff)]! ^
      t[0x500 | ((d >>> 16) & 0xff)]! ^
      t[0x400 | (d >>> 24)]! ^
      t[0x300 | (e & 0xff)]! ^
      t[0x200 | ((e >>> 8) & 0xff)]! ^
      t[0x100 | ((e >>> 16) & 0xff)]! ^
      t[e >>> 24]!;
  }
  for (; i < end; i++) {
    r = (r >>> 8) ^ t[(r ^ data[i]!) & 0xff]!;
  }
  return r;
}

/**
 * CRC-32C of `data[start..end)`, chained from a previous result `crc` (0 to start). The caller
 * guarantees `0 <= start <= end <= data.length`. Used by the frame codec to continue the header
 * CRC over the payload without making subarrays.
 *
 * @param data - bytes to checksum
 * @param start - first index (inclusive)
 * @param end - last index (exclusive)
 * @param crc - previous CRC-32C result, or 0
 * @returns the CRC-32C as an unsigned 32-bit number
 *
 * @example
 * ```ts
 * const bytes = new TextEncoder().encode('xx123456789');
 * crc32cRange(bytes, 2, bytes.length, 0); // 0xe3069283
 * ```
 */
export function crc32cRange(data: Uint8Array, start: number, end: number, crc: number): number {
  const c = ~crc;
  const r =
    end - start >= WORD_READ_MIN
      ? slice16Words(data, start, end, c)
      : slice16Bytes(data, start, end, c);
  return ~r >>> 0;
}

/**
 * CRC-32C of `data`, chained like zlib's `crc32`: pass the previous result to continue a
 * computation over split input, or 0 to start.
 *
 * @param data - bytes to checksum
 * @param crc - previous CRC-32C result; 0 (the default) starts a new computation
 * @returns the CRC-32C as an unsigned 32-bit number
 *
 * @example
 * ```ts
 * const check = crc32c(new TextEncoder().encode('123456789')); // 0xe3069283
 * const head = crc32c(new TextEncoder().encode('1234'));
 * crc32c(new TextEncoder().encode('56789'), head) === check; // true
 * ```
 */
export function crc32c(data: Uint8Array, crc = 0): number {
  return crc32cRange(data, 0, data.length, crc);
}
