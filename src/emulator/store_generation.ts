/**
 * The store generation of docs/protocol.md (STORE_CHANGED, TOKEN_GET_INFO, TOKEN_LIST): a u64
 * that grows by one with every change of the key store, the foreign store or the token, so that
 * a client (the PKCS#11 library) can tell whether its cached view of the device is current.
 *
 * Each run starts from a base no earlier run used: the larger of (seconds since the epoch) << 20
 * and the previous run's base + 2^32, kept as a durable setting written before the device
 * serves. A run would need 2^32 changes to reach the next run's base.
 *
 * @packageDocumentation
 */
import type { DeviceStore } from './store/index.js';

const SETTING = 'store.generation_base';
const RUN_SPAN = 1n << 32n;
const U64_MAX = (1n << 64n) - 1n;

function readU64(bytes: Uint8Array | undefined): bigint | undefined {
  if (bytes?.length !== 8) return undefined;
  return Buffer.from(bytes).readBigUInt64BE(0);
}

/**
 * The generation counter of one device run.
 *
 * @example
 * ```ts
 * const generation = await StoreGeneration.start(store);
 * generation.bump(); // after a change: the new value, for the event and the response
 * ```
 */
export class StoreGeneration {
  #value: bigint;

  private constructor(base: bigint) {
    this.#value = base;
  }

  /** Picks this run's base, stores it durably and starts counting from it. */
  static async start(store: DeviceStore, nowMs = Date.now()): Promise<StoreGeneration> {
    const fromClock = BigInt(Math.floor(nowMs / 1000)) << 20n;
    const previous = readU64(store.getSetting(SETTING));
    let base = previous === undefined ? fromClock : previous + RUN_SPAN;
    if (fromClock > base) base = fromClock;
    if (base > U64_MAX - RUN_SPAN) base = U64_MAX - RUN_SPAN; // 2^32 runs away; never wraps
    const bytes = Buffer.alloc(8);
    bytes.writeBigUInt64BE(base);
    await store.putSetting(SETTING, new Uint8Array(bytes));
    return new StoreGeneration(base);
  }

  /** The current generation. */
  get value(): bigint {
    return this.#value;
  }

  /** Counts one change; returns the new generation. */
  bump(): bigint {
    this.#value += 1n;
    return this.#value;
  }
}
