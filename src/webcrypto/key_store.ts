/**
 * The device's slots as WebCrypto keys: generate a key pair in a new slot, get the keys of an
 * existing slot (factory, generated, and later wallet slots) or of a foreign public key, list
 * what is there, and remove a generated key.
 *
 * @packageDocumentation
 */
import type { webcrypto } from 'node:crypto';
import { KeyType } from '../protocol/constants.generated.js';
import type { Device } from '../provider/device.js';
import { DeviceError } from '../provider/errors.js';
import {
  algorithmOfKeyType,
  keyTypeOfAlgorithm,
  USAGES,
  type KeyAlgorithmShape,
} from './algorithms.js';
import { makeKey, type CryptoKey, type CryptoKeyPair } from './crypto_key.js';
import { domError } from './errors.js';

/** A slot as {@link KeyStore.list} describes it. */
export interface SlotInfo {
  slot: number;
  /** True for the foreign public-key store. */
  foreign: boolean;
  /** The key's algorithm for signing (ECDSA / Ed25519) or agreement (X25519). */
  algorithm: KeyAlgorithmShape;
}

/** Which algorithm to present a P-256 slot as (the same key signs and agrees). */
export interface GetKeyOptions {
  /** `ECDSA` (default) or `ECDH` for a P-256 slot; ignored for the other curves. */
  use?: 'ECDSA' | 'ECDH';
}

/** Maps a device failure to the DOMException WebCrypto callers expect, keeping it as cause. */
export function deviceFailure(error: unknown, what: string): unknown {
  if (!(error instanceof DeviceError)) return error;
  const name =
    error.code === 'ERR_UNSUPPORTED_CURVE' || error.code === 'ERR_UNSUPPORTED_MODEL'
      ? 'NotSupportedError'
      : 'OperationError';
  return domError(name, `${what}: ${error.message}`, error);
}

/**
 * The key slots of one device.
 *
 * @example
 * ```ts
 * const { privateKey, publicKey } = await crypto.keys.get(0); // factory slot 0
 * const slots = await crypto.keys.list();
 * ```
 */
export class KeyStore {
  readonly #device: Device;

  constructor(device: Device) {
    this.#device = device;
  }

  /** Generates a key pair in a new device slot. */
  async generate(
    algorithm: KeyAlgorithmShape,
    usages: { private: readonly webcrypto.KeyUsage[]; public: readonly webcrypto.KeyUsage[] },
  ): Promise<CryptoKeyPair & { slot: number }> {
    const keyType = keyTypeOfAlgorithm(algorithm);
    try {
      const slot = await this.#device.genKeyPair(keyType);
      const publicKey = await this.#device.exportPubKey(slot);
      return { ...this.#pair(slot, keyType, publicKey, algorithm, usages), slot };
    } catch (error) {
      throw deviceFailure(error, 'generateKey');
    }
  }

  /** The private and public key of a device slot. */
  async get(slot: number, options: GetKeyOptions = {}): Promise<CryptoKeyPair> {
    try {
      const { type, publicKey } = await this.#device.exportPubKeyWithType(slot);
      const algorithm = algorithmOfKeyType(type as KeyType, options.use === 'ECDH');
      return this.#pair(slot, type as KeyType, publicKey, algorithm, USAGES[algorithm.name]);
    } catch (error) {
      throw deviceFailure(error, `slot ${slot}`);
    }
  }

  /** The public key in a foreign-key slot. */
  async getForeign(slot: number, options: GetKeyOptions = {}): Promise<CryptoKey> {
    try {
      const { type, publicKey } = await this.#device.exportPubKeyWithType(slot, true);
      const algorithm = algorithmOfKeyType(type as KeyType, options.use === 'ECDH');
      return makeKey('public', algorithm, true, USAGES[algorithm.name].public, {
        keyType: type as KeyType,
        publicKey,
        slot: { device: this.#device, slot, foreign: true },
      });
    } catch (error) {
      throw deviceFailure(error, `foreign slot ${slot}`);
    }
  }

  /** Every allocated slot (key pairs first, then foreign public keys). */
  async list(): Promise<SlotInfo[]> {
    const out: SlotInfo[] = [];
    for (const foreign of [false, true]) {
      const { slots } = await this.#device.getAllocSlotsList(foreign);
      for (const slot of slots) {
        const { type } = await this.#device.exportPubKeyWithType(slot, foreign);
        out.push({ slot, foreign, algorithm: algorithmOfKeyType(type as KeyType) });
      }
    }
    return out;
  }

  /** Removes a generated key pair (or a foreign public key) from the device. */
  async remove(slot: number, foreign = false): Promise<void> {
    try {
      await this.#device.removeKey(slot, foreign);
    } catch (error) {
      throw deviceFailure(error, `remove slot ${slot}`);
    }
  }

  #pair(
    slot: number,
    keyType: KeyType,
    publicKey: Uint8Array,
    algorithm: KeyAlgorithmShape,
    usages: { private: readonly webcrypto.KeyUsage[]; public: readonly webcrypto.KeyUsage[] },
  ): CryptoKeyPair {
    const source = { keyType, publicKey, slot: { device: this.#device, slot, foreign: false } };
    return {
      privateKey: makeKey('private', algorithm, false, usages.private, source),
      publicKey: makeKey('public', algorithm, true, usages.public, source),
    };
  }
}
