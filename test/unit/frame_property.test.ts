// Property tests of the frame decoder: seeded random streams (valid frames of random sizes and
// fields, garbage, corrupted and truncated frames, headers that fail each check) fed in random
// chunks to every backend. A slow model decoder written here straight from docs/protocol.md
// section 4 gives the expected frames, counters and pending bytes; the TypeScript backend must
// match it, and every backend must match the TypeScript backend under any chunking and with
// resets at random points.
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { typescriptBackend } from '../../src/native/fallback/index.ts';
import type { FrameKind } from '../../src/native/types.ts';
import {
  backends,
  decodeChunks,
  plainFrame,
  plainStats,
  toHex,
  type DecodeResult,
  type PlainFrame,
  type PlainStats,
} from './backends.ts';
import { Prng, randomChunks } from './prng.ts';

const MAX_PAYLOADS = [256, 1024, 65536] as const;

// ---------------------------------------------------------------------------------------------
// Model: bit-by-bit CRC-32C and a whole-stream decoder following section 4 literally.

function modelCrc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) {
      c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    }
  }
  return (c ^ 0xffffffff) >>> 0;
}

function byteAt(bytes: Uint8Array, i: number): number {
  const b = bytes[i];
  if (b === undefined) throw new RangeError(`index ${i} outside ${bytes.length} bytes`);
  return b;
}

const rd16 = (a: Uint8Array, i: number): number => (byteAt(a, i) << 8) | byteAt(a, i + 1);
const rd32 = (a: Uint8Array, i: number): number => ((rd16(a, i) << 16) | rd16(a, i + 2)) >>> 0;

function emptyStats(): PlainStats {
  return {
    frames: 0,
    garbage_bytes: 0,
    header_errors: 0,
    version_errors: 0,
    oversize_errors: 0,
    crc_errors: 0,
  };
}

/** Decodes `stream` as one whole input; adds to `stats` and `frames`; returns the pending count. */
function modelDecode(
  stream: Uint8Array,
  maxPayload: number,
  stats: PlainStats,
  frames: PlainFrame[],
  starts: number[] = [],
): number {
  const n = stream.length;
  let p = 0;
  const dropOne = (): void => {
    stats.garbage_bytes += 1;
    p += 1;
  };
  while (p < n) {
    if (stream[p] !== 0xa5) {
      dropOne();
      continue;
    }
    if (p + 1 >= n) break;
    if (stream[p + 1] !== 0x5a) {
      dropOne();
      continue;
    }
    if (n - p < 20) break;
    if ((modelCrc32c(stream.subarray(p, p + 18)) & 0xffff) !== rd16(stream, p + 18)) {
      stats.header_errors += 1;
      dropOne();
      continue;
    }
    const version = byteAt(stream, p + 2);
    const flags = byteAt(stream, p + 3);
    if (version !== 1 || (flags & 3) === 3 || (flags & 0xf8) !== 0) {
      stats.version_errors += 1;
      dropOne();
      continue;
    }
    const length = rd32(stream, p + 12);
    if (length > maxPayload) {
      stats.oversize_errors += 1;
      dropOne();
      continue;
    }
    if (n - p < 24 + length) break;
    if (modelCrc32c(stream.subarray(p, p + 20 + length)) !== rd32(stream, p + 20 + length)) {
      stats.crc_errors += 1;
      dropOne();
      continue;
    }
    frames.push({
      kind: flags & 3,
      more: (flags & 4) !== 0,
      request_id: rd32(stream, p + 4),
      command: rd16(stream, p + 8),
      status: rd16(stream, p + 10),
      frag_index: rd16(stream, p + 16),
      payload: toHex(stream.subarray(p + 20, p + 20 + length)),
    });
    starts.push(p);
    stats.frames += 1;
    p += 24 + length;
  }
  return n - p;
}

/** The model over `segments` of one stream with a reset after each segment but the last. */
function modelWithResets(segments: Uint8Array[], maxPayload: number): DecodeResult {
  const stats = emptyStats();
  const frames: PlainFrame[] = [];
  let pending = 0;
  for (const [i, segment] of segments.entries()) {
    pending = modelDecode(segment, maxPayload, stats, frames);
    if (i < segments.length - 1) {
      stats.garbage_bytes += pending;
      pending = 0;
    }
  }
  return { frames, stats, pending };
}

// ---------------------------------------------------------------------------------------------
// Random streams.

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function payloadSize(rng: Prng, maxPayload: number): number {
  const r = rng.next();
  if (r < 0.7) return rng.int(0, 40);
  if (r < 0.9) return rng.int(41, 300);
  if (r < 0.98) return rng.int(0, Math.min(maxPayload, 4096));
  return maxPayload;
}

function randomFrame(
  rng: Prng,
  maxPayload: number,
  size = payloadSize(rng, maxPayload),
): Uint8Array {
  const payload = rng.bytes(Math.min(size, maxPayload));
  const out = new Uint8Array(payload.length + 24);
  typescriptBackend.encodeFrameInto(
    {
      kind: rng.int(0, 2) as FrameKind,
      more: rng.chance(0.3),
      requestId: rng.chance(0.2) ? 0xffffffff : rng.int(0, 0xffffffff),
      command: rng.int(0, 0xffff),
      status: rng.chance(0.5) ? 0 : rng.int(0, 0xffff),
      fragIndex: rng.chance(0.5) ? 0 : rng.int(0, 0xffff),
      payload,
    },
    out,
    0,
  );
  return out;
}

/** Recomputes hcheck and the trailer of the frame at the start of `frame` after patching it. */
function reseal(frame: Uint8Array): Uint8Array {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  view.setUint16(18, modelCrc32c(frame.subarray(0, 18)) & 0xffff);
  if (frame.length >= 24) {
    view.setUint32(frame.length - 4, modelCrc32c(frame.subarray(0, frame.length - 4)));
  }
  return frame;
}

/** One piece of a random stream; pieces may or may not hold a decodable frame. */
function randomPiece(rng: Prng, maxPayload: number): Uint8Array {
  const r = rng.next();
  if (r < 0.4) {
    return randomFrame(rng, maxPayload);
  }
  if (r < 0.52) {
    const junk = rng.bytes(rng.int(1, 40));
    // Sprinkle magic bytes into some of the garbage.
    if (rng.chance(0.5)) junk[rng.int(0, junk.length - 1)] = 0xa5;
    if (rng.chance(0.3) && junk.length >= 2) {
      const at = rng.int(0, junk.length - 2);
      junk[at] = 0xa5;
      junk[at + 1] = 0x5a;
    }
    return junk;
  }
  if (r < 0.64) {
    // A frame with one to three corrupted bytes anywhere.
    const frame = randomFrame(rng, maxPayload);
    for (let k = rng.int(1, 3); k > 0; k--) {
      const at = rng.int(0, frame.length - 1);
      frame[at] = (byteAt(frame, at) ^ (1 << rng.int(0, 7))) & 0xff;
    }
    return frame;
  }
  if (r < 0.74) {
    // A truncated frame: the rest of the stream is read as its body.
    const frame = randomFrame(rng, maxPayload);
    return frame.subarray(0, rng.int(1, frame.length - 1));
  }
  if (r < 0.86) {
    // A header that passes hcheck but fails a later check, with a body matching its CRC.
    const frame = randomFrame(rng, maxPayload, rng.int(0, 40));
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    const what = rng.int(0, 4);
    if (what === 0) view.setUint8(2, rng.pick([0, 2, 0xff]));
    if (what === 1) view.setUint8(3, (view.getUint8(3) & ~3) | 3);
    if (what === 2) view.setUint8(3, view.getUint8(3) | (0x08 << rng.int(0, 4)));
    if (what === 3) view.setUint32(12, maxPayload + rng.int(1, 3));
    if (what === 4) view.setUint32(12, rng.chance(0.5) ? 0xffffffff : 0x80000000);
    return reseal(frame);
  }
  if (r < 0.93) {
    // A good header announcing a short body whose CRC is wrong, e.g. a lost byte.
    const frame = randomFrame(rng, maxPayload, rng.int(1, 60));
    return frame.subarray(0, frame.length - rng.int(1, 4));
  }
  return rng.pick([
    Uint8Array.of(0xa5),
    Uint8Array.of(0xa5, 0x5a),
    Uint8Array.of(0xa5, 0xa5, 0x5a),
    Uint8Array.of(0x5a, 0xa5),
  ]);
}

function randomStream(rng: Prng, maxPayload: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let k = rng.int(0, 30); k > 0; k--) {
    parts.push(randomPiece(rng, maxPayload));
  }
  return concat(parts);
}

// ---------------------------------------------------------------------------------------------

const all = await backends();
const STREAMS = 120;

/** The seeded streams every test uses (built once). */
const streams = Array.from({ length: STREAMS }, (_, i) => {
  const rng = new Prng(0x5eed0000 + i);
  const maxPayload = rng.pick(MAX_PAYLOADS);
  return { seed: i, maxPayload, data: randomStream(rng, maxPayload) };
});

/** The TypeScript backend fed each stream whole: the reference for every other run. */
const reference = streams.map((s) => decodeChunks(typescriptBackend, s.maxPayload, [s.data]));

void test('the TypeScript backend matches the section 4 model on random streams', () => {
  let frames = 0;
  let rejected = 0;
  for (const [i, s] of streams.entries()) {
    const expected = modelWithResets([s.data], s.maxPayload);
    assert.deepEqual(reference[i], expected, `stream ${s.seed}`);
    frames += expected.stats.frames;
    rejected += expected.stats.header_errors + expected.stats.version_errors;
    rejected += expected.stats.oversize_errors + expected.stats.crc_errors;
  }
  // The generator must exercise both outcomes to mean anything.
  assert.ok(frames > STREAMS, `only ${frames} frames`);
  assert.ok(rejected > STREAMS / 2, `only ${rejected} rejected candidates`);
});

for (const backend of all) {
  void describe(`frame decoder properties [${backend.name}]`, () => {
    void test(`random chunking gives the reference result [${backend.name}]`, () => {
      for (const [i, s] of streams.entries()) {
        const rng = new Prng(0xc4a2 + i);
        for (const maxChunk of [1, 7, 64, 1500]) {
          if (maxChunk === 1 && s.data.length > 20000) continue;
          const result = decodeChunks(backend, s.maxPayload, randomChunks(s.data, rng, maxChunk));
          assert.deepEqual(result, reference[i], `stream ${s.seed}, chunks of 1..${maxChunk}`);
        }
      }
    });

    void test(`every input byte is in a frame, garbage or pending [${backend.name}]`, () => {
      for (const s of streams) {
        const r = decodeChunks(backend, s.maxPayload, [s.data]);
        const frameBytes = r.frames.reduce((sum, f) => sum + 24 + f.payload.length / 2, 0);
        assert.equal(
          frameBytes + r.stats.garbage_bytes + r.pending,
          s.data.length,
          `stream ${s.seed}`,
        );
      }
    });

    void test(`whole input gives the reference result [${backend.name}]`, () => {
      for (const [i, s] of streams.entries()) {
        assert.deepEqual(
          decodeChunks(backend, s.maxPayload, [s.data]),
          reference[i],
          `stream ${s.seed}`,
        );
      }
    });

    void test(`reset at random points matches the model [${backend.name}]`, () => {
      for (const s of streams.slice(0, 60)) {
        const rng = new Prng(0x7e5e7 + s.seed);
        const cuts = Array.from({ length: rng.int(1, 4) }, () => rng.int(0, s.data.length)).sort(
          (a, b) => a - b,
        );
        const segments: Uint8Array[] = [];
        let from = 0;
        for (const cut of [...cuts, s.data.length]) {
          segments.push(s.data.subarray(from, cut));
          from = cut;
        }
        const decoder = backend.createDecoder(s.maxPayload);
        const frames: PlainFrame[] = [];
        for (const [k, segment] of segments.entries()) {
          for (const chunk of randomChunks(segment, rng, 50)) {
            frames.push(...decoder.push(chunk).map(plainFrame));
          }
          if (k < segments.length - 1) decoder.reset();
        }
        assert.deepEqual(
          { frames, stats: plainStats(decoder.stats), pending: decoder.pending },
          modelWithResets(segments, s.maxPayload),
          `stream ${s.seed}, resets at ${cuts.join(', ')}`,
        );
      }
    });

    void test(`payloads are views of the chunk exactly when the frame lies inside it [${backend.name}]`, () => {
      for (const s of streams.slice(0, 60)) {
        const starts: number[] = [];
        const expected: PlainFrame[] = [];
        modelDecode(s.data, s.maxPayload, emptyStats(), expected, starts);
        const rng = new Prng(0x71e3 + s.seed);
        // Every chunk in a buffer of its own, at a non-zero byte offset.
        const chunks = randomChunks(s.data, rng, 300).map((c) => {
          const copy = new Uint8Array(c.length + 2);
          copy.set(c, 1);
          return copy.subarray(1, 1 + c.length);
        });
        const decoder = backend.createDecoder(s.maxPayload);
        let chunkStart = 0;
        let index = 0;
        for (const chunk of chunks) {
          for (const frame of decoder.push(chunk)) {
            const start = starts[index];
            const want = expected[index];
            assert.ok(start !== undefined && want !== undefined, `stream ${s.seed}: extra frame`);
            const end = start + 24 + frame.payload.length;
            const inside = start >= chunkStart && end <= chunkStart + chunk.length;
            const where = `stream ${s.seed}, frame ${index} at ${start}..${end}`;
            if (frame.payload.length > 0) {
              assert.equal(
                frame.payload.buffer === chunk.buffer,
                inside,
                `${where}: ${inside ? 'inside the chunk but not a view of it' : 'spans chunks but is a view'}`,
              );
              if (inside) {
                assert.equal(
                  frame.payload.byteOffset,
                  chunk.byteOffset + start + 20 - chunkStart,
                  where,
                );
              } else {
                assert.ok(
                  chunks.every((c) => c.buffer !== frame.payload.buffer),
                  where,
                );
              }
            }
            assert.deepEqual(plainFrame(frame), want, where);
            index += 1;
          }
          chunkStart += chunk.length;
        }
        assert.equal(index, expected.length, `stream ${s.seed}: frame count`);
      }
    });

    void test(`adversarial headers in front of bad bodies [${backend.name}]`, () => {
      // Valid headers every few bytes whose bodies never check out (section 4 cost bound).
      const rng = new Prng(0xbad);
      const parts: Uint8Array[] = [];
      for (let k = 0; k < 200; k++) {
        const frame = randomFrame(rng, 256, rng.int(0, 200));
        parts.push(frame.subarray(0, rng.int(20, 30)));
      }
      parts.push(randomFrame(rng, 256, 10));
      const data = concat(parts);
      const expected = modelWithResets([data], 256);
      assert.deepEqual(decodeChunks(backend, 256, [data]), expected);
      assert.deepEqual(decodeChunks(backend, 256, randomChunks(data, rng, 33)), expected);
    });
  });
}
