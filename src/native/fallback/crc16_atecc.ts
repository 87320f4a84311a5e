/**
 * The CRC-16 of ATECC508A/608 secure elements: polynomial 0x8005, initial value 0, each data byte
 * fed least significant bit first into a non-reflected register, no output reflection and no
 * final XOR (check value 0xBCDD for ASCII "123456789"). Sent little-endian on the wire; this
 * module only computes the value.
 *
 * @packageDocumentation
 */

/* eslint-disable @typescript-eslint/no-non-null-assertion --
 * Table lookups use indices masked to 8 bits and data indices below data.length. */

const POLY = 0x8005;

/** Reverses the bit order of every byte value. */
const REVERSED: Uint8Array = buildReversed();

/** MSB-first CRC-16/0x8005 table for one (already bit-reversed) byte. */
const TABLE: Uint16Array = buildTable();

function buildReversed(): Uint8Array {
  const r = new Uint8Array(256);
  for (let b = 0; b < 256; b++) {
    let v = 0;
    for (let bit = 0; bit < 8; bit++) {
      v |= ((b >>> bit) & 1) << (7 - bit);
    }
    r[b] = v;
  }
  return r;
}

function buildTable(): Uint16Array {
  const t = new Uint16Array(256);
  for (let b = 0; b < 256; b++) {
    let c = b << 8;
    for (let bit = 0; bit < 8; bit++) {
      c = c & 0x8000 ? ((c << 1) ^ POLY) & 0xffff : (c << 1) & 0xffff;
    }
    t[b] = c;
  }
  return t;
}

/**
 * ATECC CRC-16 of `data`, chained from a previous result `crc` (0 to start).
 *
 * Feeding a byte LSB first into an MSB-first register is the same as feeding the byte with its
 * bits reversed, so the usual table-driven MSB-first update applies to `REVERSED[byte]`.
 *
 * @param data - bytes to checksum
 * @param crc - previous result; 0 (the default) starts a new computation
 * @returns the CRC as an unsigned 16-bit number
 *
 * @example
 * ```ts
 * crc16Atecc(new TextEncoder().encode('123456789')); // 0xbcdd
 * ```
 */
export function crc16Atecc(data: Uint8Array, crc = 0): number {
  let c = crc & 0xffff;
  const n = data.length;
  for (let i = 0; i < n; i++) {
    c = ((c << 8) & 0xffff) ^ TABLE[(c >>> 8) ^ REVERSED[data[i]!]!]!;
  }
  return c;
}
