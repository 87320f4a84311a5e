/**
 * `SubtleCrypto` for the whole application: device keys are served by zkbridge, everything else
 * (software keys, `extractable: true` key pairs, AES, HMAC, digests, imported private keys) goes
 * to Node's own WebCrypto unchanged.
 *
 * Each operation first validates in the Web Cryptography API's order (algorithm normalisation,
 * then the key's algorithm and usages), then runs; failures are DOMExceptions with the spec's
 * names and the device error as `cause`.
 *
 * @packageDocumentation
 */
import { KeyObject, webcrypto } from 'node:crypto';
import {
  algorithmName,
  checkUsages,
  ecdsaHash,
  hsmAlgorithmName,
  keyAlgorithm,
  USAGES,
  type HashName,
  type HsmAlgorithmName,
} from './algorithms.js';
import {
  isDeviceKey,
  isNativeKey,
  keyData,
  publicKeyObject,
  type CryptoKey,
  type CryptoKeyPair,
} from './crypto_key.js';
import { domError } from './errors.js';
import type { KeyStore } from './key_store.js';
import {
  bytesOf,
  devicePublicKey,
  deviceDerive,
  deviceSign,
  exportPublic,
  hostVerify,
  importK256Public,
} from './operations.js';

type AnyKey = webcrypto.CryptoKey | CryptoKey;

/** An algorithm: its name, or a dictionary with `name` and the algorithm's members. */
export type AlgorithmParams = string | { name: string; [member: string]: unknown };
type Usages = readonly webcrypto.KeyUsage[];

/** Node's own subtle, typed loosely: it validates its arguments itself. */
interface NodeSubtle {
  generateKey(
    a: unknown,
    e: boolean,
    u: Usages,
  ): Promise<webcrypto.CryptoKey | webcrypto.CryptoKeyPair>;
  importKey(f: string, d: unknown, a: unknown, e: boolean, u: Usages): Promise<webcrypto.CryptoKey>;
  exportKey(f: string, k: unknown): Promise<ArrayBuffer | webcrypto.JsonWebKey>;
  sign(a: unknown, k: unknown, d: unknown): Promise<ArrayBuffer>;
  verify(a: unknown, k: unknown, s: unknown, d: unknown): Promise<boolean>;
  deriveBits(a: unknown, k: unknown, l: number | null): Promise<ArrayBuffer>;
  deriveKey(
    a: unknown,
    k: unknown,
    t: unknown,
    e: boolean,
    u: Usages,
  ): Promise<webcrypto.CryptoKey>;
  digest(a: unknown, d: unknown): Promise<ArrayBuffer>;
  encrypt(a: unknown, k: unknown, d: unknown): Promise<ArrayBuffer>;
  decrypt(a: unknown, k: unknown, d: unknown): Promise<ArrayBuffer>;
  wrapKey(f: string, k: unknown, w: unknown, a: unknown): Promise<ArrayBuffer>;
  unwrapKey(
    f: string,
    w: unknown,
    k: unknown,
    a: unknown,
    t: unknown,
    e: boolean,
    u: Usages,
  ): Promise<webcrypto.CryptoKey>;
}
const native = webcrypto.subtle as unknown as NodeSubtle;

/** Rejections come as rejected promises, never as synchronous throws (as the spec says). */
async function run<T>(fn: () => T | Promise<T>): Promise<T> {
  return fn();
}

/** The operation's algorithm name matches the key's (InvalidAccessError otherwise). */
function checkKeyAlgorithm(
  name: HsmAlgorithmName,
  key: CryptoKey,
  usage: webcrypto.KeyUsage,
): void {
  if (key.algorithm.name !== name) {
    throw domError('InvalidAccessError', `the key is a ${key.algorithm.name} key, not ${name}`);
  }
  if (!key.usages.includes(usage)) {
    throw domError('InvalidAccessError', `the key's usages do not include '${usage}'`);
  }
}

function requireKey(value: unknown, position: string): void {
  if (!isNativeKey(value) && !isDeviceKey(value)) {
    throw new TypeError(`${position} argument is not of type CryptoKey`);
  }
}

/**
 * The drop-in `SubtleCrypto`.
 *
 * @example
 * ```ts
 * const { privateKey, publicKey } = await crypto.subtle.generateKey(
 *   { name: 'Ed25519' }, false, ['sign', 'verify']); // a new device slot
 * const signature = await crypto.subtle.sign('Ed25519', privateKey, data);
 * ```
 */
export class SubtleCrypto {
  readonly #keys: KeyStore;

  /** @internal made by {@link Crypto}. */
  constructor(keys: KeyStore) {
    this.#keys = keys;
  }

  get [Symbol.toStringTag](): string {
    return 'SubtleCrypto';
  }

  /** Key pairs with `extractable: false` on a device curve are made in a new device slot. */
  generateKey(
    algorithm: AlgorithmParams,
    extractable: boolean,
    keyUsages: readonly webcrypto.KeyUsage[],
  ): Promise<CryptoKeyPair | webcrypto.CryptoKeyPair | webcrypto.CryptoKey> {
    return run(() => {
      const name = hsmAlgorithmName(algorithm);
      const curve = (algorithm as { namedCurve?: unknown }).namedCurve;
      const onDevice = name !== undefined && (!extractable || curve === 'K-256');
      if (!onDevice) return native.generateKey(algorithm, extractable, keyUsages);
      const shape = keyAlgorithm(name, algorithm);
      if (extractable) {
        throw domError(
          'NotSupportedError',
          'K-256 keys are made on the device: extractable must be false',
        );
      }
      const allowed = USAGES[name];
      checkUsages(name, keyUsages, [...allowed.private, ...allowed.public]);
      const privateUsages = keyUsages.filter((u) => allowed.private.includes(u));
      if (privateUsages.length === 0) {
        throw domError('SyntaxError', 'the private key would have no usages');
      }
      const publicUsages = keyUsages.filter((u) => allowed.public.includes(u));
      return this.#keys.generate(shape, { private: privateUsages, public: publicUsages });
    });
  }

  importKey(
    format: webcrypto.KeyFormat,
    keyData: webcrypto.BufferSource | webcrypto.JsonWebKey,
    algorithm: AlgorithmParams,
    extractable: boolean,
    keyUsages: readonly webcrypto.KeyUsage[],
  ): Promise<AnyKey> {
    return run(() => {
      const name = hsmAlgorithmName(algorithm);
      if (name === 'ECDSA' && (algorithm as { namedCurve?: unknown }).namedCurve === 'K-256') {
        return importK256Public(format, keyData, extractable, keyUsages);
      }
      return native.importKey(format, keyData, algorithm, extractable, keyUsages);
    });
  }

  exportKey(format: webcrypto.KeyFormat, key: AnyKey): Promise<ArrayBuffer | webcrypto.JsonWebKey> {
    return run(() => {
      if (!isDeviceKey(key)) return native.exportKey(format, key);
      if (!key.extractable) throw domError('InvalidAccessError', 'the key is not extractable');
      return exportPublic(format, key);
    });
  }

  sign(
    algorithm: AlgorithmParams,
    key: AnyKey,
    data: webcrypto.BufferSource,
  ): Promise<ArrayBuffer> {
    return run(() => {
      if (!isDeviceKey(key)) return native.sign(algorithm, key, data);
      const { name, hash } = this.#signatureAlgorithm(algorithm);
      const bytes = bytesOf(data);
      checkKeyAlgorithm(name, key, 'sign');
      if (key.type !== 'private')
        throw domError('InvalidAccessError', 'signing needs a private key');
      return deviceSign(key, hash, bytes);
    });
  }

  verify(
    algorithm: AlgorithmParams,
    key: AnyKey,
    signature: webcrypto.BufferSource,
    data: webcrypto.BufferSource,
  ): Promise<boolean> {
    return run(() => {
      if (!isDeviceKey(key)) {
        return native.verify(algorithm, key, signature, data);
      }
      const { name, hash } = this.#signatureAlgorithm(algorithm);
      const [sig, bytes] = [bytesOf(signature), bytesOf(data)];
      checkKeyAlgorithm(name, key, 'verify');
      if (key.type !== 'public')
        throw domError('InvalidAccessError', 'verifying needs a public key');
      return hostVerify(key, hash, sig, bytes);
    });
  }

  deriveBits(
    algorithm: AlgorithmParams,
    baseKey: AnyKey,
    length?: number | null,
  ): Promise<ArrayBuffer> {
    return run(() => {
      if (!isDeviceKey(baseKey)) {
        return native.deriveBits(algorithm, baseKey, length ?? null);
      }
      return this.#derive(algorithm, baseKey, 'deriveBits', length ?? null);
    });
  }

  deriveKey(
    algorithm: AlgorithmParams,
    baseKey: AnyKey,
    derivedKeyType: AlgorithmParams,
    extractable: boolean,
    keyUsages: readonly webcrypto.KeyUsage[],
  ): Promise<webcrypto.CryptoKey> {
    return run(async () => {
      if (!isDeviceKey(baseKey)) {
        return native.deriveKey(algorithm, baseKey, derivedKeyType, extractable, keyUsages);
      }
      const length = derivedLength(derivedKeyType);
      const bits = await this.#derive(algorithm, baseKey, 'deriveKey', length);
      return native.importKey('raw', bits, derivedKeyType, extractable, keyUsages);
    });
  }

  digest(algorithm: AlgorithmParams, data: webcrypto.BufferSource): Promise<ArrayBuffer> {
    return native.digest(algorithm, data);
  }

  encrypt(
    algorithm: AlgorithmParams,
    key: AnyKey,
    data: webcrypto.BufferSource,
  ): Promise<ArrayBuffer> {
    return run(() => {
      if (isDeviceKey(key))
        throw domError('InvalidAccessError', `${key.algorithm.name} keys do not encrypt`);
      return native.encrypt(algorithm, key, data);
    });
  }

  decrypt(
    algorithm: AlgorithmParams,
    key: AnyKey,
    data: webcrypto.BufferSource,
  ): Promise<ArrayBuffer> {
    return run(() => {
      if (isDeviceKey(key))
        throw domError('InvalidAccessError', `${key.algorithm.name} keys do not decrypt`);
      return native.decrypt(algorithm, key, data);
    });
  }

  wrapKey(
    format: webcrypto.KeyFormat,
    key: AnyKey,
    wrappingKey: AnyKey,
    wrapAlgorithm: AlgorithmParams,
  ): Promise<ArrayBuffer> {
    return run(() => {
      if (isDeviceKey(key) && key.type === 'private') {
        throw domError('InvalidAccessError', 'the key is held by the device: not extractable');
      }
      if (isDeviceKey(wrappingKey)) throw domError('InvalidAccessError', 'device keys do not wrap');
      if (isDeviceKey(key)) {
        // A public device key is wrapped like any exported key.
        return (async () => {
          const exported = exportPublic(format, key);
          const bytes =
            exported instanceof ArrayBuffer
              ? exported
              : new TextEncoder().encode(JSON.stringify(exported)).buffer;
          return native.encrypt(wrapAlgorithm, wrappingKey, bytes);
        })();
      }
      return native.wrapKey(format, key, wrappingKey, wrapAlgorithm);
    });
  }

  unwrapKey(
    format: webcrypto.KeyFormat,
    wrappedKey: webcrypto.BufferSource,
    unwrappingKey: AnyKey,
    unwrapAlgorithm: AlgorithmParams,
    unwrappedKeyAlgorithm: AlgorithmParams,
    extractable: boolean,
    keyUsages: readonly webcrypto.KeyUsage[],
  ): Promise<webcrypto.CryptoKey> {
    return run(() => {
      if (isDeviceKey(unwrappingKey))
        throw domError('InvalidAccessError', 'device keys do not unwrap');
      return native.unwrapKey(
        format,
        wrappedKey,
        unwrappingKey,
        unwrapAlgorithm,
        unwrappedKeyAlgorithm,
        extractable,
        keyUsages,
      );
    });
  }

  #signatureAlgorithm(algorithm: AlgorithmParams): {
    name: HsmAlgorithmName;
    hash?: HashName;
  } {
    const name = hsmAlgorithmName(algorithm);
    if (name === 'ECDSA') return { name, hash: ecdsaHash(algorithm) };
    if (name === 'Ed25519') return { name };
    throw domError('NotSupportedError', `${algorithmName(algorithm)} does not sign device keys`);
  }

  async #derive(
    algorithm: AlgorithmParams,
    baseKey: CryptoKey,
    usage: 'deriveBits' | 'deriveKey',
    length: number | null,
  ): Promise<ArrayBuffer> {
    const name = hsmAlgorithmName(algorithm);
    if (name !== 'ECDH' && name !== 'X25519') {
      throw domError('NotSupportedError', 'device keys derive with ECDH or X25519 only');
    }
    const peer = (algorithm as { public?: unknown }).public;
    requireKey(peer, "the algorithm's 'public'");
    const peerKey = peer as AnyKey;
    if (peerKey.type !== 'public')
      throw domError('InvalidAccessError', "'public' must be a public key");
    if (peerKey.algorithm.name !== name) {
      throw domError(
        'InvalidAccessError',
        `'public' is a ${peerKey.algorithm.name} key, not ${name}`,
      );
    }
    checkKeyAlgorithm(name, baseKey, usage);
    if (baseKey.type !== 'private')
      throw domError('InvalidAccessError', 'deriving needs a private key');
    const keyType = keyData(baseKey).keyType;
    const peerCurve = (peerKey.algorithm as { namedCurve?: string }).namedCurve;
    if (name === 'ECDH' && peerCurve !== 'P-256') {
      throw domError('InvalidAccessError', "'public' is not on the base key's curve");
    }
    const peerObject = isDeviceKey(peerKey) ? publicKeyObject(peerKey) : KeyObject.from(peerKey);
    return deviceDerive(baseKey, devicePublicKey(peerObject, keyType), length);
  }
}

/** Bits a derived key of `algorithm` needs (AES: its length; HMAC: its length or the hash's). */
function derivedLength(algorithm: AlgorithmParams): number | null {
  if (typeof algorithm !== 'object') return null;
  const a = algorithm as { name?: string; length?: number; hash?: AlgorithmParams };
  if (typeof a.length === 'number') return a.length;
  const name = (a.name ?? '').toUpperCase();
  if (name === 'HMAC') {
    const hash = (
      typeof a.hash === 'string' ? a.hash : ((a.hash as { name?: string } | undefined)?.name ?? '')
    ).toUpperCase();
    return hash === 'SHA-1' || hash === 'SHA-256' ? 512 : 1024;
  }
  return null;
}
