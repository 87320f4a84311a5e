/**
 * Keys for the X.509 layer: device slots (through zkbridge's {@link Crypto}), software keys of
 * Node's WebCrypto, the signature algorithm each key signs certificates with, and software
 * private keys loaded from PEM files.
 *
 * @packageDocumentation
 */
import { createPrivateKey, webcrypto, type KeyObject } from 'node:crypto';
import { Crypto } from '../webcrypto/crypto.js';
import type { CryptoKey } from '../webcrypto/crypto_key.js';
import { X509Error, messageOf } from './errors.js';

/** zkbridge's `Crypto` (device keys and everything else), or Node's own WebCrypto. */
export type CryptoLike = Crypto | webcrypto.Crypto;

/** A device key (zkbridge `CryptoKey`) or a software key (Node's `CryptoKey`). */
export type AnyKey = CryptoKey | webcrypto.CryptoKey;

/** A private and public key that belong together. */
export interface KeyPair {
  readonly privateKey: AnyKey;
  readonly publicKey: AnyKey;
}

/** A device slot number (its key pair is read through zkbridge's Crypto), or a key pair. */
export type KeyInput = number | KeyPair;

/** The WebCrypto parameters a key signs certificates with. */
export type SigningAlgorithm =
  | { name: 'ECDSA'; hash: 'SHA-256' | 'SHA-384' | 'SHA-512' }
  | { name: 'Ed25519' }
  | { name: 'RSASSA-PKCS1-v1_5'; hash: string };

/**
 * True for zkbridge's Crypto (which knows device keys and K-256).
 *
 * @example
 * ```ts
 * isDeviceCrypto(await createCrypto()); // true; isDeviceCrypto(webcrypto) is false
 * ```
 */
export function isDeviceCrypto(crypto: CryptoLike): crypto is Crypto {
  return crypto instanceof Crypto;
}

/**
 * The key pair of a slot (read through `crypto`, which must then be zkbridge's), or the pair as
 * given.
 *
 * @example
 * ```ts
 * const { privateKey, publicKey } = await resolveKeyPair(crypto, 3);
 * ```
 */
export async function resolveKeyPair(crypto: CryptoLike, key: KeyInput): Promise<KeyPair> {
  if (typeof key !== 'number') return key;
  if (!isDeviceCrypto(crypto)) {
    throw new TypeError("a slot number needs zkbridge's Crypto (createCrypto()), not Node's");
  }
  return crypto.keys.get(key);
}

/**
 * The signature algorithm for a private key: ECDSA with the hash matching its curve (SHA-256 for
 * P-256 and K-256), Ed25519, or RSASSA-PKCS1-v1_5 with the key's hash.
 *
 * @example
 * ```ts
 * signingAlgorithm(privateKey); // { name: 'ECDSA', hash: 'SHA-256' }
 * ```
 */
export function signingAlgorithm(key: AnyKey): SigningAlgorithm {
  if (key.type !== 'private' || !key.usages.includes('sign')) {
    throw new TypeError('the signing key must be a private key with the sign usage');
  }
  const algorithm = key.algorithm as { name: string; namedCurve?: string; hash?: { name: string } };
  switch (algorithm.name) {
    case 'ECDSA': {
      const curve = algorithm.namedCurve;
      return {
        name: 'ECDSA',
        hash: curve === 'P-384' ? 'SHA-384' : curve === 'P-521' ? 'SHA-512' : 'SHA-256',
      };
    }
    case 'Ed25519':
      return { name: 'Ed25519' };
    case 'RSASSA-PKCS1-v1_5':
      return { name: 'RSASSA-PKCS1-v1_5', hash: algorithm.hash?.name ?? 'SHA-256' };
    default:
      throw new X509Error(
        'ERR_UNSUPPORTED_KEY',
        `${algorithm.name} keys do not sign certificates here (use ECDSA, Ed25519 or RSASSA-PKCS1-v1_5)`,
      );
  }
}

function readPrivateKey(input: string | Uint8Array): KeyObject {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input);
  if (bytes.subarray(0, 64).toString('latin1').includes('-----BEGIN')) {
    if (bytes.includes('ENCRYPTED')) {
      throw new X509Error(
        'ERR_UNSUPPORTED_KEY',
        'the private key is encrypted: give an unencrypted PKCS#8 key',
      );
    }
    return createPrivateKey({ key: bytes.toString('utf8'), format: 'pem' });
  }
  try {
    return createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' });
  } catch {
    return createPrivateKey({ key: bytes, format: 'der', type: 'sec1' });
  }
}

/**
 * Loads a software private key (PKCS#8 or SEC1, PEM or DER, unencrypted) into Node's WebCrypto
 * as a non-extractable signing key: P-256, P-384, P-521, Ed25519 or RSA. K-256 software keys
 * are refused: Node's WebCrypto has no secp256k1 (keep such a CA key in a device slot).
 *
 * @example
 * ```ts
 * const caKey = await importPrivateKey(await readFile('ca-key.pem'));
 * ```
 */
export async function importPrivateKey(input: string | Uint8Array): Promise<webcrypto.CryptoKey> {
  let object: KeyObject;
  try {
    object = readPrivateKey(input);
  } catch (error) {
    if (error instanceof X509Error) throw error;
    throw new X509Error(
      'ERR_X509_PARSE',
      `not a private key (PKCS#8 or SEC1, PEM or DER): ${messageOf(error)}`,
      {
        cause: error,
      },
    );
  }
  const curves: Readonly<Record<string, string>> = {
    prime256v1: 'P-256',
    secp384r1: 'P-384',
    secp521r1: 'P-521',
  };
  let algorithm:
    webcrypto.AlgorithmIdentifier | webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams;
  const type = object.asymmetricKeyType;
  const curve = object.asymmetricKeyDetails?.namedCurve ?? '';
  if (type === 'ec' && curves[curve] !== undefined) {
    algorithm = { name: 'ECDSA', namedCurve: curves[curve] };
  } else if (type === 'ec' && curve === 'secp256k1') {
    throw new X509Error(
      'ERR_UNSUPPORTED_KEY',
      "K-256 software keys are not supported (Node's WebCrypto has no secp256k1): keep the key in a device slot",
    );
  } else if (type === 'ed25519') {
    algorithm = { name: 'Ed25519' };
  } else if (type === 'rsa') {
    algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  } else {
    throw new X509Error(
      'ERR_UNSUPPORTED_KEY',
      `unsupported private key type ${type ?? 'unknown'} ${curve}`.trim(),
    );
  }
  const der = object.export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
}

/**
 * A short name for a public key algorithm as `@peculiar/x509` reports it: the curve for ECDSA
 * (`P-256`, `K-256`), else the algorithm's name (`Ed25519`, `RSASSA-PKCS1-v1_5`).
 *
 * @example
 * ```ts
 * keyName(csr.publicKey.algorithm); // 'K-256'
 * ```
 */
export function keyName(algorithm: unknown): string {
  const { name, namedCurve } = (algorithm ?? {}) as { name?: unknown; namedCurve?: unknown };
  if (typeof namedCurve === 'string') return namedCurve;
  return typeof name === 'string' ? name : 'unknown';
}
