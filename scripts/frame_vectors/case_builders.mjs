// Shared tools for the case lists: seeded random bytes, stream pieces, shared frames, case list.
import { MAX_PAYLOAD, assert, encode, frame } from './reference_codec.mjs';

/**
 * Seeded random numbers (mulberry32), so the file is the same on every run. The case lists
 * draw from one generator in a fixed order: adding a draw changes every later case.
 */
export function createRandom(seed) {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const randInt = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
  const randBytes = (n) => Array.from({ length: n }, () => randInt(0, 255));
  /** Random bytes without 0xA5, so none of them can start a candidate. */
  const randNoMagic = (n) => randBytes(n).map((b) => (b === 0xa5 ? 0x00 : b));
  return { rand, randInt, randBytes, randNoMagic };
}

// ---------------------------------------------------------------------------------------------
// Pieces of a stream: the bytes and the frames they decode to, known by construction.

/** A piece of a stream that decodes to the frame `f`. */
export const good = (f) => ({ bytes: encode(f), frames: [f] });
/** A piece that decodes to the frame with `fields` (see `frame`). */
export const goodFrame = (fields) => good(frame(fields));
/** A piece of a stream that yields no frame. */
export const junk = (bytes) => ({ bytes, frames: [] });

/** Asserts that none of `bytes` (wire bytes after the magic's first byte) is 0xA5. */
export function assertNoMagic(name, bytes) {
  assert(!bytes.includes(0xa5), `${name}: bytes meant to be plain garbage contain 0xA5`);
}

// ---------------------------------------------------------------------------------------------
// Frames used by both the decode and the encode cases.

export const minimalRequest = frame({ kind: 0, request_id: 1, command: 0x0001 });

export const maxFields = frame({
  kind: 1,
  more: true,
  request_id: 0xffffffff,
  command: 0xffff,
  status: 0xffff,
  frag_index: 0xffff,
  payload: [0xff],
});

// ---------------------------------------------------------------------------------------------
// The case list. Cases only state their input and what is known by construction or by hand;
// the entry script runs the reference decoder over each and writes the result.

export function createCaseList() {
  const decodeCases = [];
  const encodeCases = [];
  return {
    decode: decodeCases,
    encode: encodeCases,
    /**
     * Adds a decode case built from `pieces`. `expect` may give counters (a subset) and `pending`
     * worked out by hand; they are checked against the reference decoder.
     */
    decodeCase(name, source, pieces, { maxPayload = MAX_PAYLOAD, expect = {} } = {}) {
      decodeCases.push({
        name,
        source,
        maxPayload,
        input: pieces.flatMap((piece) => piece.bytes),
        frames: pieces.flatMap((piece) => piece.frames),
        expect,
      });
    },
    /** Adds an encode case: `f` must encode to bytes that decode back to `f` alone. */
    encodeCase(name, source, f) {
      encodeCases.push({ name, source, frame: f });
    },
  };
}
