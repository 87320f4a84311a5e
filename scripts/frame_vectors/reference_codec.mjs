// Reference frame codec, independent of src/: bit-by-bit CRC-32C, encoder, whole-stream decoder.
import { Buffer } from 'node:buffer';

export const MAX_PAYLOAD = 65536;

const MAGIC = [0xa5, 0x5a];
const HEADER_LEN = 20; // 18 bytes of fields, then the 2-byte hcheck
const TRAILER_LEN = 4;
const KIND_MASK = 0x03;
const FLAG_MORE = 0x04;
const RESERVED_FLAGS = 0xf8;

export function assert(cond, message) {
  if (!cond) {
    throw new Error(`gen_frame_vectors: ${message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// CRC-32C, one bit at a time (reflected polynomial 0x82F63B78, init and xorout 0xFFFFFFFF).

export function crc32c(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) {
      c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    }
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** Throws unless the CRC gives the documented check value for "123456789". */
export function checkCrc() {
  const check = crc32c([...'123456789'].map((c) => c.charCodeAt(0)));
  assert(check === 0xe3069283, 'CRC-32C check value');
}

/** hcheck: the low 16 bits of the CRC-32C of the first 18 header bytes. */
const hcheckOf = (header) => crc32c(header.slice(0, HEADER_LEN - 2)) & 0xffff;

// ---------------------------------------------------------------------------------------------
// Small helpers over arrays of byte values.

const be16 = (v) => [(v >>> 8) & 0xff, v & 0xff];
const be32 = (v) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
const rd16 = (a, i) => (a[i] << 8) | a[i + 1];
const rd32 = (a, i) => ((a[i] << 24) | (a[i + 1] << 16) | (a[i + 2] << 8) | a[i + 3]) >>> 0;
export const hex = (a) => Buffer.from(a).toString('hex');

// ---------------------------------------------------------------------------------------------
// Encoder. `frame` uses the JSON field names; `raw` overrides wire fields to build bad frames.

export function frame(fields) {
  return {
    kind: fields.kind ?? 0,
    more: fields.more ?? false,
    request_id: fields.request_id ?? 0,
    command: fields.command ?? 0,
    status: fields.status ?? 0,
    frag_index: fields.frag_index ?? 0,
    payload: fields.payload ?? [],
  };
}

/** A frame in the JSON form of the vectors: the payload as hex. */
export const jsonFrame = (f) => ({ ...f, payload: hex(f.payload) });

/**
 * Encodes `f`. `raw` may set `version`, `flags`, `length` (the header field only), `hcheckXor`
 * (applied after computing hcheck), `crcXor` (applied to the trailer) and `flipPayloadBit`
 * (a bit index flipped in the payload after the trailer was computed).
 */
export function encode(f, raw = {}) {
  const flags = raw.flags ?? f.kind | (f.more ? FLAG_MORE : 0);
  const length = raw.length ?? f.payload.length;
  const header = [
    ...MAGIC,
    raw.version ?? 1,
    flags,
    ...be32(f.request_id),
    ...be16(f.command),
    ...be16(f.status),
    ...be32(length),
    ...be16(f.frag_index),
  ];
  assert(header.length === HEADER_LEN - 2, 'header is 18 bytes before hcheck');
  const hcheck = hcheckOf(header) ^ (raw.hcheckXor ?? 0);
  const body = [...header, ...be16(hcheck), ...f.payload];
  const crc = (crc32c(body) ^ (raw.crcXor ?? 0)) >>> 0;
  const out = [...body, ...be32(crc)];
  if (raw.flipPayloadBit !== undefined) {
    out[HEADER_LEN + (raw.flipPayloadBit >>> 3)] ^= 1 << (raw.flipPayloadBit & 7);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reference decoder: docs/protocol.md section 4, literally, over the whole stream.

export function referenceDecode(stream, maxPayload) {
  const stats = {
    frames: 0,
    garbage_bytes: 0,
    header_errors: 0,
    version_errors: 0,
    oversize_errors: 0,
    crc_errors: 0,
  };
  const frames = [];
  const n = stream.length;
  let p = 0;
  const dropOne = () => {
    stats.garbage_bytes += 1;
    p += 1;
  };
  while (p < n) {
    // 1. Scan.
    if (stream[p] !== MAGIC[0]) {
      dropOne();
      continue;
    }
    if (p + 1 >= n) {
      break; // a lone 0xA5 at the end stays pending
    }
    if (stream[p + 1] !== MAGIC[1]) {
      dropOne();
      continue;
    }
    // 2. Header.
    if (n - p < HEADER_LEN) {
      break;
    }
    const header = stream.slice(p, p + HEADER_LEN);
    if (hcheckOf(header) !== rd16(header, 18)) {
      stats.header_errors += 1;
      dropOne();
      continue;
    }
    const version = header[2];
    const flags = header[3];
    if (version !== 1 || (flags & KIND_MASK) === 3 || (flags & RESERVED_FLAGS) !== 0) {
      stats.version_errors += 1;
      dropOne();
      continue;
    }
    const length = rd32(header, 12);
    if (length > maxPayload) {
      stats.oversize_errors += 1;
      dropOne();
      continue;
    }
    // 3. Body.
    const end = p + HEADER_LEN + length;
    if (n - p < HEADER_LEN + length + TRAILER_LEN) {
      break;
    }
    if (crc32c(stream.slice(p, end)) !== rd32(stream, end)) {
      stats.crc_errors += 1;
      dropOne();
      continue;
    }
    // 4. Frame.
    frames.push({
      kind: flags & KIND_MASK,
      more: (flags & FLAG_MORE) !== 0,
      request_id: rd32(header, 4),
      command: rd16(header, 8),
      status: rd16(header, 10),
      frag_index: rd16(header, 16),
      payload: hex(stream.slice(p + HEADER_LEN, end)),
    });
    stats.frames += 1;
    p = end + TRAILER_LEN;
  }
  return { frames, stats, pending: n - p };
}
