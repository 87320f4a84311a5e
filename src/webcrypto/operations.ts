/**
 * What zkbridge does with its own keys: sign on the device (ECDSA over a host-computed digest,
 * Ed25519 over the whole message), verify and export public keys on the host, derive ECDH bits
 * on the device, import secp256k1 public keys (which Node's WebCrypto does not know).
 *
 * @packageDocumentation
 */
import {
  createHash,
  createPublicKey,
  verify,
  type JsonWebKey,
  type KeyObject,
  type webcrypto,
} from 'node:crypto';
import { KeyType } from '../protocol/constants.generated.js';
import type { HashName, KeyAlgorithmShape } from './algorithms.js';
import type { Device } from '../provider/device.js';
import { keyData, makeKey, publicJwk, publicKeyObject, type CryptoKey } from './crypto_key.js';
import { domError } from './errors.js';
import { deviceFailure } from './key_store.js';

const NODE_HASH: Readonly<Record<HashName, string>> = {
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

/**
 * The 32-byte value a 256-bit-curve ECDSA signs for `data` hashed with `hash`: FIPS 186-5
 * keeps the leftmost 256 bits of a longer digest; a shorter one (SHA-1) is the same integer
 * padded on the left.
 */
export function ecdsaDigest(hash: HashName, data: Uint8Array): Uint8Array {
  const full = createHash(NODE_HASH[hash]).update(data).digest();
  const out = new Uint8Array(32);
  if (full.length >= 32) out.set(full.subarray(0, 32));
  else out.set(full, 32 - full.length);
  return out;
}

function slotOf(key: CryptoKey): { device: Device; slot: number } {
  const { slot } = keyData(key);
  if (!slot || slot.foreign) throw domError('InvalidAccessError', 'the key has no private half');
  return slot;
}

/** Signs on the device. ECDSA returns IEEE P1363 r||s, Ed25519 R||S. */
export async function deviceSign(
  key: CryptoKey,
  hash: HashName | undefined,
  data: Uint8Array,
): Promise<ArrayBuffer> {
  const { device, slot } = slotOf(key);
  try {
    const signature =
      key.algorithm.name === 'Ed25519'
        ? await device.signEdDSA(data, slot)
        : (await device.genECDSASigFromDigest(ecdsaDigest(hash ?? 'SHA-256', data), slot))
            .signature;
    return toArrayBuffer(signature);
  } catch (error) {
    throw deviceFailure(error, 'sign');
  }
}

/** Verifies with the public key on the host (OpenSSL); a malformed signature is `false`. */
export function hostVerify(
  key: CryptoKey,
  hash: HashName | undefined,
  signature: Uint8Array,
  data: Uint8Array,
): boolean {
  const object = publicKeyObject(key);
  if (key.algorithm.name === 'Ed25519') {
    return signature.length === 64 && verify(null, data, object, signature);
  }
  if (signature.length !== 64) return false;
  const digest = NODE_HASH[hash ?? 'SHA-256'];
  return verify(digest, data, { key: object, dsaEncoding: 'ieee-p1363' }, signature);
}

/**
 * ECDH on the device with the private key of `key` and the peer's public key in device format;
 * `length` bits of the shared secret (all of it when null).
 */
export async function deviceDerive(
  key: CryptoKey,
  peer: Uint8Array,
  length: number | null,
): Promise<ArrayBuffer> {
  const { device, slot } = slotOf(key);
  let secret: Uint8Array;
  try {
    secret = await device.doRawECDH(slot, peer);
  } catch (error) {
    throw deviceFailure(error, 'deriveBits');
  }
  if (length === null) return toArrayBuffer(secret);
  if (length > secret.length * 8) {
    throw domError('OperationError', `at most ${secret.length * 8} bits can be derived`);
  }
  const out = secret.slice(0, Math.ceil(length / 8));
  const spare = out.length * 8 - length;
  if (spare > 0) out[out.length - 1] = (out[out.length - 1] ?? 0) & (0xff << spare);
  return toArrayBuffer(out);
}

/** Exports the public half of one of our keys. Private keys never leave the device. */
export function exportPublic(format: string, key: CryptoKey): ArrayBuffer | webcrypto.JsonWebKey {
  if (key.type !== 'public') {
    throw domError('InvalidAccessError', 'the private key is held by the device: not extractable');
  }
  const { keyType, publicKey } = keyData(key);
  const object = publicKeyObject(key);
  switch (format) {
    case 'spki':
      return toArrayBuffer(object.export({ type: 'spki', format: 'der' }));
    case 'jwk':
      return { ...object.export({ format: 'jwk' }), key_ops: [...key.usages], ext: true };
    case 'raw':
      return toArrayBuffer(
        keyType === KeyType.ED25519 || keyType === KeyType.X25519
          ? publicKey
          : Uint8Array.of(0x04, ...publicKey),
      );
    case 'pkcs8':
      throw domError('InvalidAccessError', 'a public key has no pkcs8 form');
    default:
      throw new TypeError(`unknown key format ${format}`);
  }
}

/** The public key of a peer CryptoKey in device format (X||Y or 32 bytes). */
export function devicePublicKey(object: KeyObject, keyType: KeyType): Uint8Array {
  const jwk = object.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x ?? '', 'base64url');
  if (keyType === KeyType.ED25519 || keyType === KeyType.X25519) return new Uint8Array(x);
  const y = Buffer.from(jwk.y ?? '', 'base64url');
  return new Uint8Array(Buffer.concat([x, y]));
}

/** Imports a secp256k1 (K-256) public key for ECDSA verification. */
export function importK256Public(
  format: string,
  keyData: unknown,
  extractable: boolean,
  usages: readonly webcrypto.KeyUsage[],
): CryptoKey {
  let object: KeyObject;
  try {
    if (format === 'jwk') {
      const jwk = keyData as webcrypto.JsonWebKey;
      if (jwk.d !== undefined) throw new Error('private');
      if (jwk.kty !== 'EC' || jwk.crv !== 'secp256k1') throw new Error('not a secp256k1 JWK');
      object = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } else if (format === 'spki') {
      object = createPublicKey({ key: Buffer.from(bytesOf(keyData)), format: 'der', type: 'spki' });
    } else if (format === 'raw') {
      const raw = bytesOf(keyData);
      if (raw.length !== 65 || raw[0] !== 0x04) throw new Error('raw K-256 keys are 04||X||Y');
      const jwk = publicJwk(KeyType.SECP256K1, raw.subarray(1));
      object = createPublicKey({ key: jwk, format: 'jwk' });
    } else if (format === 'pkcs8') {
      throw domError(
        'NotSupportedError',
        'K-256 private keys are generated on the device, not imported',
      );
    } else {
      throw new TypeError(`unknown key format ${format}`);
    }
  } catch (error) {
    if (error instanceof DOMException || error instanceof TypeError) throw error;
    if (error instanceof Error && error.message === 'private') {
      throw domError(
        'NotSupportedError',
        'K-256 private keys are generated on the device, not imported',
      );
    }
    throw domError('DataError', `not a K-256 public key: ${String(error)}`, error);
  }
  if (
    object.asymmetricKeyType !== 'ec' ||
    object.asymmetricKeyDetails?.namedCurve !== 'secp256k1'
  ) {
    throw domError('DataError', 'the key is not on K-256');
  }
  for (const usage of usages) {
    if (usage !== 'verify') throw domError('SyntaxError', `a K-256 public key cannot ${usage}`);
  }
  const algorithm: KeyAlgorithmShape = { name: 'ECDSA', namedCurve: 'K-256' };
  return makeKey('public', algorithm, extractable, usages, {
    keyType: KeyType.SECP256K1,
    publicKey: devicePublicKey(object, KeyType.SECP256K1),
  });
}

/** The bytes of a webcrypto.BufferSource. */
export function bytesOf(source: unknown): Uint8Array {
  if (source instanceof ArrayBuffer) return new Uint8Array(source.slice(0));
  if (ArrayBuffer.isView(source)) {
    return new Uint8Array(
      source.buffer.slice(source.byteOffset, source.byteOffset + source.byteLength),
    );
  }
  throw new TypeError('expected an ArrayBuffer or a view of one');
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.length);
  new Uint8Array(out).set(bytes);
  return out;
}
