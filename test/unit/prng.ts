/**
 * A small seeded PRNG (mulberry32) so random tests are reproducible: the same seed gives the same
 * sequence on every run and platform.
 */
export class Prng {
  #state: number;

  /** @param seed - any 32-bit integer */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** `n` uniform random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = this.int(0, 255);
    }
    return out;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length - 1)];
    if (item === undefined) {
      throw new RangeError('pick from an empty array');
    }
    return item;
  }
}

/**
 * Splits `data` into consecutive chunks of random sizes between 1 and `maxChunk`, each a view of
 * `data` (so chunks keep `data`'s buffer and byte offset).
 */
export function randomChunks(data: Uint8Array, rng: Prng, maxChunk: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let pos = 0;
  while (pos < data.length) {
    const size = Math.min(data.length - pos, rng.int(1, maxChunk));
    chunks.push(data.subarray(pos, pos + size));
    pos += size;
  }
  return chunks;
}
