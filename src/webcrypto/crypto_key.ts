/**
 * The one `CryptoKey` class every key zkbridge returns is an instance of.
 *
 * Keys held by the device (a slot's private key, a slot's or a foreign slot's public key, an
 * imported secp256k1 public key) are instances of this class; keys of Node's own WebCrypto
 * (software keys) are Node's `CryptoKey`s, which `instanceof` this class also accepts, so
 * `key instanceof CryptoKey` holds for every key an application gets from zkbridge. Both report
 * `Symbol.toStringTag` "CryptoKey", which is what libraries such as jose check.
 *
 * @packageDocumentation
 */
import { createPublicKey, type JsonWebKey, type KeyObject, type webcrypto } from 'node:crypto';
import { KeyType } from '../protocol/constants.generated.js';
import type { Device } from '../provider/device.js';
import type { KeyAlgorithmShape } from './algorithms.js';

/** A key pair of device keys. */
export interface CryptoKeyPair {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

/** Where a key lives. */
export interface KeyData {
  readonly keyType: KeyType;
  /** The public key in device format (X||Y for EC curves, 32 bytes for the 25519 curves). */
  readonly publicKey: Uint8Array;
  /** The device slot holding the key; absent for a public key imported on the host. */
  readonly slot?: { readonly device: Device; readonly slot: number; readonly foreign: boolean };
}

/** Node's own CryptoKey class, taken before `install()` can replace the global. */
const NativeCryptoKey = (globalThis as unknown as { CryptoKey: abstract new () => object })
  .CryptoKey;
const constructing = Symbol('zkbridge.CryptoKey');
const data = new WeakMap<object, KeyData>();
const keyObjects = new WeakMap<object, KeyObject>();

/**
 * A key held by (or verified for) the device.
 *
 * @example
 * ```ts
 * const { privateKey } = await crypto.subtle.generateKey(
 *   { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
 * privateKey instanceof CryptoKey; // true
 * ```
 */
export class CryptoKey {
  readonly type: 'private' | 'public';
  readonly extractable: boolean;
  readonly algorithm: KeyAlgorithmShape;
  readonly usages: webcrypto.KeyUsage[];

  /** @internal Keys are made by the subtle API and the key store only. */
  constructor(
    token: symbol,
    type: 'private' | 'public',
    algorithm: KeyAlgorithmShape,
    extractable: boolean,
    usages: readonly webcrypto.KeyUsage[],
    source: KeyData,
  ) {
    if (token !== constructing) throw new TypeError('Illegal constructor');
    this.type = type;
    this.extractable = extractable;
    this.algorithm = { ...algorithm };
    this.usages = [...usages];
    data.set(this, source);
  }

  get [Symbol.toStringTag](): string {
    return 'CryptoKey';
  }

  /** True for zkbridge's keys and for Node's own WebCrypto keys. */
  static [Symbol.hasInstance](value: unknown): boolean {
    return isDeviceKey(value) || isNativeKey(value);
  }
}

/** Makes a key (for the modules of this package). */
export function makeKey(
  type: 'private' | 'public',
  algorithm: KeyAlgorithmShape,
  extractable: boolean,
  usages: readonly webcrypto.KeyUsage[],
  source: KeyData,
): CryptoKey {
  return new CryptoKey(constructing, type, algorithm, extractable, usages, source);
}

/** True when `value` is a key of Node's own WebCrypto. */
export function isNativeKey(value: unknown): value is webcrypto.CryptoKey {
  return value instanceof NativeCryptoKey;
}

/** True when `value` is one of zkbridge's own keys (not a Node WebCrypto key). */
export function isDeviceKey(value: unknown): value is CryptoKey {
  return typeof value === 'object' && value !== null && data.has(value);
}

/** Where a zkbridge key lives. */
export function keyData(key: CryptoKey): KeyData {
  const found = data.get(key);
  if (!found) throw new TypeError('not a zkbridge key');
  return found;
}

const b64u = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/** The public half of a key as a Node KeyObject (made once per key). */
export function publicKeyObject(key: CryptoKey): KeyObject {
  let object = keyObjects.get(key);
  if (!object) {
    const { keyType, publicKey } = keyData(key);
    object = createPublicKey({ key: publicJwk(keyType, publicKey), format: 'jwk' });
    keyObjects.set(key, object);
  }
  return object;
}

/** A JWK of a device-format public key (RFC 7518, RFC 8037, RFC 8812 curve names). */
export function publicJwk(keyType: KeyType, publicKey: Uint8Array): JsonWebKey {
  switch (keyType) {
    case KeyType.ED25519:
      return { kty: 'OKP', crv: 'Ed25519', x: b64u(publicKey) };
    case KeyType.X25519:
      return { kty: 'OKP', crv: 'X25519', x: b64u(publicKey) };
    default:
      return {
        kty: 'EC',
        crv: keyType === KeyType.SECP256K1 ? 'secp256k1' : 'P-256',
        x: b64u(publicKey.subarray(0, 32)),
        y: b64u(publicKey.subarray(32, 64)),
      };
  }
}
