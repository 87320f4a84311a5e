/**
 * The `Crypto` object: `subtle`, `getRandomValues` and `randomUUID`, as `globalThis.crypto` has
 * them, with device keys behind `subtle` and the device's slots in `keys`.
 *
 * @packageDocumentation
 */
import { Device, type DeviceOptions } from '../provider/device.js';
import { KeyStore } from './key_store.js';
import { DeviceEntropy } from './random.js';
import { SubtleCrypto } from './subtle.js';

/** Options of {@link createCrypto}. */
export interface CryptoOptions extends DeviceOptions {
  /** Use this connected device (the caller closes it) instead of connecting one. */
  device?: Device;
}

/**
 * A WebCrypto `Crypto` whose keys can live in the device.
 *
 * @example
 * ```ts
 * const crypto = await createCrypto();           // ZKBRIDGE_DEVICE or the embedded emulator
 * const { privateKey } = await crypto.subtle.generateKey(
 *   { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
 * await crypto.close();
 * ```
 */
export class Crypto {
  readonly subtle: SubtleCrypto;
  /** The device's key slots as CryptoKeys. */
  readonly keys: KeyStore;
  /** The device behind this object. */
  readonly device: Device;
  readonly #entropy: DeviceEntropy;
  readonly #ownsDevice: boolean;

  /** @internal use {@link createCrypto}. */
  constructor(device: Device, ownsDevice: boolean, entropy: DeviceEntropy) {
    this.device = device;
    this.keys = new KeyStore(device);
    this.subtle = new SubtleCrypto(this.keys);
    this.#entropy = entropy;
    this.#ownsDevice = ownsDevice;
  }

  get [Symbol.toStringTag](): string {
    return 'Crypto';
  }

  /** Fills an integer typed array with random bytes (device entropy mixed into Node's CSPRNG). */
  getRandomValues<T extends ArrayBufferView | null>(array: T): T {
    return this.#entropy.getRandomValues(array);
  }

  /** A random (version 4) UUID from {@link getRandomValues}. */
  randomUUID(): `${string}-${string}-${string}-${string}-${string}` {
    const b = this.getRandomValues(new Uint8Array(16));
    b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
    b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
    const h = Buffer.from(b).toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** Closes the device connection if this object opened it. */
  async close(): Promise<void> {
    if (this.#ownsDevice) await this.device.close();
  }
}

/** Connects to the device (or uses the given one) and returns a ready {@link Crypto}. */
export async function createCrypto(options: CryptoOptions = {}): Promise<Crypto> {
  const owns = options.device === undefined;
  const device = options.device ?? (await Device.connect(options));
  try {
    const entropy = new DeviceEntropy(device);
    await entropy.prime();
    return new Crypto(device, owns, entropy);
  } catch (error) {
    if (owns) await device.close();
    throw error;
  }
}
