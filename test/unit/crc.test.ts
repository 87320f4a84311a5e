// Runs every case of test/vectors/crc.json on every codec backend: whole input, chained over two
// parts at many split points, chained over three parts, byte by byte, and at odd byte offsets of
// a larger buffer. Random inputs are also checked against a bit-by-bit model of each algorithm.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { CodecBackend } from '../../src/native/types.ts';
import { backends, fromHex, toHex } from './backends.ts';
import { Prng } from './prng.ts';

interface CrcCase {
  name: string;
  source: string;
  algorithm: 'crc32c' | 'crc16_atecc';
  input_hex: string;
  /** The numeric CRC in hex. */
  expected: string;
  /** The CRC as sent on the wire, when the case gives it. */
  wire_hex?: string;
}

interface CrcFile {
  description: string;
  cases: CrcCase[];
}

const vectors = JSON.parse(
  readFileSync(new URL('../vectors/crc.json', import.meta.url), 'utf8'),
) as CrcFile;

type CrcFn = (data: Uint8Array, crc: number) => number;

function algorithm(backend: CodecBackend, name: CrcCase['algorithm']): CrcFn {
  return name === 'crc32c'
    ? (data, crc) => backend.crc32c(data, crc)
    : (data, crc) => backend.crc16Atecc(data, crc);
}

/** Split points worth checking for an input of `n` bytes: all of them when short. */
function splitPoints(n: number, rng: Prng): number[] {
  if (n <= 80) {
    return Array.from({ length: n + 1 }, (_, i) => i);
  }
  const points = new Set([0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 255, 256, 257, n >> 1, n - 1, n]);
  for (let k = 0; k < 16; k++) points.add(rng.int(0, n));
  return [...points].filter((p) => p >= 0 && p <= n).sort((a, b) => a - b);
}

/** Bit-by-bit CRC-32C, the model for random inputs. */
function modelCrc32c(data: Uint8Array, prev: number): number {
  let c = ~prev >>> 0;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

/** Bit-by-bit ATECC CRC-16 (data bits LSB first into an MSB-first register). */
function modelCrc16Atecc(data: Uint8Array, prev: number): number {
  let c = prev & 0xffff;
  for (const b of data) {
    for (let bit = 0; bit < 8; bit++) {
      const dataBit = (b >>> bit) & 1;
      const crcBit = c >>> 15;
      c = (c << 1) & 0xffff;
      if (dataBit !== crcBit) c ^= 0x8005;
    }
  }
  return c;
}

const all = await backends();

void test('crc.json has cases of both algorithms', () => {
  assert.ok(vectors.cases.some((c) => c.algorithm === 'crc32c'));
  assert.ok(vectors.cases.some((c) => c.algorithm === 'crc16_atecc'));
});

for (const backend of all) {
  void describe(`CRC vectors [${backend.name}]`, () => {
    for (const [index, c] of vectors.cases.entries()) {
      const crc = algorithm(backend, c.algorithm);
      const input = fromHex(c.input_hex);
      const expected = Number.parseInt(c.expected, 16);
      const label = `${c.algorithm}: ${c.name} [${backend.name}]`;

      void test(`whole ${label}`, () => {
        assert.equal(crc(input, 0), expected);
        if (c.wire_hex !== undefined) {
          // CRC-16 goes little-endian after the bytes it covers; CRC-32C big-endian in frames.
          const wire =
            c.algorithm === 'crc16_atecc'
              ? [expected & 0xff, expected >>> 8]
              : [
                  expected >>> 24,
                  (expected >>> 16) & 0xff,
                  (expected >>> 8) & 0xff,
                  expected & 0xff,
                ];
          assert.equal(toHex(Uint8Array.from(wire)), c.wire_hex, 'wire bytes');
        }
      });

      void test(`chained ${label}`, () => {
        const rng = new Prng(0xc7c + index);
        const n = input.length;
        for (const at of splitPoints(n, rng)) {
          const first = crc(input.subarray(0, at), 0);
          assert.equal(crc(input.subarray(at), first), expected, `split at ${at}`);
        }
        for (let k = 0; k < 8 && n > 0; k++) {
          const a = rng.int(0, n);
          const b = rng.int(a, n);
          let state = crc(input.subarray(0, a), 0);
          state = crc(input.subarray(a, b), state);
          assert.equal(crc(input.subarray(b), state), expected, `three parts at ${a}, ${b}`);
        }
        if (n <= 4096) {
          let state = 0;
          for (let i = 0; i < n; i++) state = crc(input.subarray(i, i + 1), state);
          assert.equal(state, expected, 'byte by byte');
        }
      });

      void test(`at odd offsets ${label}`, () => {
        for (const offset of [1, 2, 3, 5, 7]) {
          const backing = new Uint8Array(input.length + 16).fill(0xa5);
          backing.set(input, offset);
          assert.equal(
            crc(backing.subarray(offset, offset + input.length), 0),
            expected,
            `+${offset}`,
          );
        }
      });
    }

    void test(`random inputs match a bit-by-bit model [${backend.name}]`, () => {
      const rng = new Prng(0x51ce);
      for (let k = 0; k < 300; k++) {
        const size = k < 200 ? k : rng.int(200, 5000);
        const data = rng.bytes(size);
        const prev32 = rng.chance(0.5) ? 0 : rng.int(0, 0xffffffff);
        const prev16 = rng.chance(0.5) ? 0 : rng.int(0, 0xffff);
        assert.equal(
          backend.crc32c(data, prev32),
          modelCrc32c(data, prev32),
          `crc32c ${size} bytes`,
        );
        assert.equal(
          backend.crc16Atecc(data, prev16),
          modelCrc16Atecc(data, prev16),
          `crc16Atecc ${size} bytes`,
        );
      }
    });
  });
}
