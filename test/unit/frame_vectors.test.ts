// Runs every case of test/vectors/frames.json (scripts/gen_frame_vectors.mjs) on every codec
// backend. Decode cases are fed whole, byte by byte, in seeded random chunks (views at odd byte
// offsets of a larger buffer) and split in two at every position, each run on a fresh decoder;
// frames, counters and pending bytes must match exactly.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { FrameInit, FrameKind } from '../../src/native/types.ts';
import {
  backends,
  decodeChunks,
  fromHex,
  toHex,
  type PlainFrame,
  type PlainStats,
} from './backends.ts';
import { Prng, randomChunks } from './prng.ts';

interface DecodeCase {
  name: string;
  source: string;
  max_payload: number;
  input: string;
  frames: PlainFrame[];
  stats: PlainStats;
  pending: number;
}

interface EncodeCase {
  name: string;
  source: string;
  frame: PlainFrame;
  encoded: string;
}

interface VectorFile {
  description: string;
  format: string;
  decode: DecodeCase[];
  encode: EncodeCase[];
}

const vectors = JSON.parse(
  readFileSync(new URL('../vectors/frames.json', import.meta.url), 'utf8'),
) as VectorFile;

/** Inputs up to this size are also split in two at every position. */
const SPLIT_EVERY_LIMIT = 1024;

/** `input` copied to an odd offset of a larger buffer, so chunk views have byteOffset != 0. */
function offsetCopy(input: Uint8Array): Uint8Array {
  const backing = new Uint8Array(input.length + 7);
  backing.fill(0xa5);
  backing.set(input, 3);
  return backing.subarray(3, 3 + input.length);
}

function frameInit(frame: PlainFrame): Required<FrameInit> {
  return {
    kind: frame.kind as FrameKind,
    more: frame.more,
    requestId: frame.request_id,
    command: frame.command,
    status: frame.status,
    fragIndex: frame.frag_index,
    payload: fromHex(frame.payload),
  };
}

const all = await backends();

void test('frames.json has cases', () => {
  assert.ok(vectors.decode.length >= 20);
  assert.ok(vectors.encode.length >= 6);
});

for (const backend of all) {
  void describe(`frame vectors [${backend.name}]`, () => {
    for (const [index, c] of vectors.decode.entries()) {
      const input = fromHex(c.input);
      const expected = { frames: c.frames, stats: c.stats, pending: c.pending };

      void test(`decode whole: ${c.name} [${backend.name}]`, () => {
        assert.deepEqual(decodeChunks(backend, c.max_payload, [input]), expected);
      });

      void test(`decode byte by byte: ${c.name} [${backend.name}]`, () => {
        const bytes = Array.from({ length: input.length }, (_, i) => input.subarray(i, i + 1));
        assert.deepEqual(decodeChunks(backend, c.max_payload, bytes), expected);
      });

      void test(`decode random chunks: ${c.name} [${backend.name}]`, () => {
        const rng = new Prng(0xc0de + index);
        const shifted = offsetCopy(input);
        for (const maxChunk of [3, 17, 64, 700, 5000]) {
          const chunks = randomChunks(shifted, rng, maxChunk);
          assert.deepEqual(
            decodeChunks(backend, c.max_payload, chunks),
            expected,
            `chunks of 1..${maxChunk} bytes`,
          );
        }
      });

      if (input.length <= SPLIT_EVERY_LIMIT) {
        void test(`decode split at every position: ${c.name} [${backend.name}]`, () => {
          for (let at = 0; at <= input.length; at++) {
            const chunks = [input.subarray(0, at), input.subarray(at)];
            assert.deepEqual(
              decodeChunks(backend, c.max_payload, chunks),
              expected,
              `split at ${at}`,
            );
          }
        });
      }

      void test(`reset after: ${c.name} [${backend.name}]`, () => {
        const decoder = backend.createDecoder(c.max_payload);
        decoder.push(input);
        assert.equal(decoder.pending, c.pending);
        decoder.reset();
        assert.equal(decoder.pending, 0);
        assert.equal(decoder.stats.garbageBytes, c.stats.garbage_bytes + c.pending);
        assert.equal(decoder.stats.frames, c.stats.frames);
        // The decoder starts over cleanly: the same input again gives the same frames.
        assert.equal(decoder.push(input).length, c.frames.length);
        assert.equal(decoder.pending, c.pending);
      });
    }

    void test(`payloads of frames inside one chunk are views of it [${backend.name}]`, () => {
      for (const c of vectors.decode) {
        const input = fromHex(c.input);
        for (const frame of backend.createDecoder(c.max_payload).push(input)) {
          if (frame.payload.length === 0) continue;
          assert.equal(frame.payload.buffer, input.buffer, c.name);
        }
      }
    });

    for (const c of vectors.encode) {
      void test(`encode: ${c.name} [${backend.name}]`, () => {
        const init = frameInit(c.frame);
        const size = init.payload.length + 24;
        const out = new Uint8Array(size + 10).fill(0xee);
        const written = backend.encodeFrameInto(init, out, 5);
        assert.equal(written, size);
        assert.equal(toHex(out.subarray(5, 5 + size)), c.encoded);
        assert.equal(toHex(out.subarray(0, 5)), 'ee'.repeat(5), 'bytes before the frame');
        assert.equal(toHex(out.subarray(5 + size)), 'ee'.repeat(5), 'bytes after the frame');
      });

      void test(`encode then decode: ${c.name} [${backend.name}]`, () => {
        const out = new Uint8Array(fromHex(c.frame.payload).length + 24);
        backend.encodeFrameInto(frameInit(c.frame), out, 0);
        assert.deepEqual(decodeChunks(backend, 65536, [out]), {
          frames: [c.frame],
          stats: {
            frames: 1,
            garbage_bytes: 0,
            header_errors: 0,
            version_errors: 0,
            oversize_errors: 0,
            crc_errors: 0,
          },
          pending: 0,
        });
      });
    }
  });
}
