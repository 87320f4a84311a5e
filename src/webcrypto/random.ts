/**
 * `getRandomValues` with the device's entropy. The Web API is synchronous and the device is
 * asynchronous, so random bytes are fetched from the device ahead of time into a pool; each call
 * returns Node's CSPRNG output XORed with pool bytes. The XOR of independent sources is at least
 * as unpredictable as the better one, so the result is never weaker than Node's own, carries the
 * device's entropy whenever the pool has it, and never blocks. The pool is refilled in the
 * background as it drains.
 *
 * @packageDocumentation
 */
import { randomFillSync } from 'node:crypto';
import type { Device } from '../provider/device.js';
import { domError } from './errors.js';

/** Largest request the Web API allows, in bytes. */
export const MAX_RANDOM_BYTES = 65536;

/** A pool of device random bytes. */
export class DeviceEntropy {
  readonly #device: Device;
  readonly #size: number;
  #pool = new Uint8Array(0);
  #offset = 0;
  #refilling: Promise<void> | undefined;
  /** Bytes served with device entropy mixed in, and without (pool empty). */
  readonly stats = { mixed: 0, hostOnly: 0 };

  constructor(device: Device, size = 4096) {
    this.#device = device;
    this.#size = size;
  }

  /** Fills the pool now (awaited once at start, so the first calls already have it). */
  async prime(): Promise<void> {
    await this.#refill();
  }

  /** Fills `array` in place, as `crypto.getRandomValues` does. */
  getRandomValues<T extends ArrayBufferView | null>(array: T): T {
    if (
      !ArrayBuffer.isView(array) ||
      array instanceof Float32Array ||
      array instanceof Float64Array ||
      array instanceof DataView
    ) {
      throw domError('TypeMismatchError', 'getRandomValues takes an integer typed array');
    }
    if (array.byteLength > MAX_RANDOM_BYTES) {
      throw domError('QuotaExceededError', `at most ${MAX_RANDOM_BYTES} bytes per call`);
    }
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    randomFillSync(bytes);
    const available = Math.min(bytes.length, this.#pool.length - this.#offset);
    for (let i = 0; i < available; i++)
      bytes[i] = (bytes[i] ?? 0) ^ (this.#pool[this.#offset + i] ?? 0);
    this.#pool.fill(0, this.#offset, this.#offset + available); // used once, then forgotten
    this.#offset += available;
    this.stats.mixed += available;
    this.stats.hostOnly += bytes.length - available;
    if (this.#pool.length - this.#offset < this.#size / 2)
      void this.#refill().catch(() => undefined);
    return array;
  }

  #refill(): Promise<void> {
    this.#refilling ??= (async () => {
      try {
        const fresh = await this.#device.getRandBytes(this.#size);
        const rest = this.#pool.subarray(this.#offset);
        const next = new Uint8Array(rest.length + fresh.length);
        next.set(rest);
        next.set(fresh, rest.length);
        this.#pool = next;
        this.#offset = 0;
      } finally {
        this.#refilling = undefined;
      }
    })();
    return this.#refilling;
  }
}
