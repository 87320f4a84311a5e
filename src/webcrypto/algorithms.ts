/**
 * The algorithms zkbridge serves from the device, normalised the way the Web Cryptography API
 * normalises an `webcrypto.AlgorithmIdentifier`: names match case-insensitively and come back in their
 * registered spelling; missing or wrongly typed members are `TypeError`s; unknown names and
 * curves are `NotSupportedError`s.
 *
 * @packageDocumentation
 */
import type { webcrypto } from 'node:crypto';
import { KeyType } from '../protocol/constants.generated.js';
import { domError } from './errors.js';

/** Algorithm names as registered (and as keys report them). */
export type HsmAlgorithmName = 'ECDSA' | 'ECDH' | 'Ed25519' | 'X25519';

/** Curve names of `namedCurve`; `K-256` is secp256k1, as `@peculiar/webcrypto` spells it. */
export type HsmCurveName = 'P-256' | 'K-256';

/** Hash names ECDSA accepts. */
export type HashName = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

/** What a key's `algorithm` says. */
export type KeyAlgorithmShape =
  { name: 'ECDSA' | 'ECDH'; namedCurve: HsmCurveName } | { name: 'Ed25519' | 'X25519' };

const NAMES: ReadonlyMap<string, HsmAlgorithmName> = new Map(
  (['ECDSA', 'ECDH', 'Ed25519', 'X25519'] as const).map((n) => [n.toLowerCase(), n]),
);
const HASHES: ReadonlyMap<string, HashName> = new Map(
  (['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'] as const).map((n) => [n.toLowerCase(), n]),
);

/** Usages a key pair of each algorithm may have. */
export const USAGES: Readonly<
  Record<
    HsmAlgorithmName,
    { private: readonly webcrypto.KeyUsage[]; public: readonly webcrypto.KeyUsage[] }
  >
> = {
  ECDSA: { private: ['sign'], public: ['verify'] },
  Ed25519: { private: ['sign'], public: ['verify'] },
  ECDH: { private: ['deriveKey', 'deriveBits'], public: [] },
  X25519: { private: ['deriveKey', 'deriveBits'], public: [] },
};

/** The algorithm's name, as given (string or dictionary), or a TypeError. */
export function algorithmName(algorithm: unknown): string {
  if (typeof algorithm === 'string') return algorithm;
  if (typeof algorithm === 'object' && algorithm !== null) {
    const name = (algorithm as { name?: unknown }).name;
    if (typeof name === 'string') return name;
  }
  throw new TypeError("Algorithm: the 'name' member is required and must be a string");
}

/** The registered spelling of an algorithm name we serve, or undefined. */
export function hsmAlgorithmName(algorithm: unknown): HsmAlgorithmName | undefined {
  return NAMES.get(algorithmName(algorithm).toLowerCase());
}

function member(algorithm: unknown, key: string): unknown {
  return typeof algorithm === 'object' && algorithm !== null
    ? (algorithm as Record<string, unknown>)[key]
    : undefined;
}

/** The `namedCurve` member: TypeError when missing, NotSupportedError when not ours. */
export function namedCurve(algorithm: unknown): string {
  const curve = member(algorithm, 'namedCurve');
  if (typeof curve !== 'string') {
    throw new TypeError("EcKeyGenParams: the 'namedCurve' member is required");
  }
  return curve;
}

/** The `hash` member of ECDSA parameters, normalised. */
export function ecdsaHash(algorithm: unknown): HashName {
  const hash = member(algorithm, 'hash');
  if (hash === undefined) throw new TypeError("EcdsaParams: the 'hash' member is required");
  const name = HASHES.get(algorithmName(hash).toLowerCase());
  if (!name) throw domError('NotSupportedError', `unrecognised hash ${algorithmName(hash)}`);
  return name;
}

/** The normalised key algorithm of a generate/import request for one of our algorithms. */
export function keyAlgorithm(name: HsmAlgorithmName, algorithm: unknown): KeyAlgorithmShape {
  if (name === 'Ed25519' || name === 'X25519') return { name };
  const curve = namedCurve(algorithm);
  if (curve !== 'P-256' && curve !== 'K-256') {
    throw domError('NotSupportedError', `${name} on ${curve} is not served by the device`);
  }
  if (name === 'ECDH' && curve === 'K-256') {
    throw domError('NotSupportedError', 'ECDH on K-256 is not served by the device');
  }
  return { name, namedCurve: curve };
}

/** The device key type behind a key algorithm. */
export function keyTypeOfAlgorithm(algorithm: KeyAlgorithmShape): KeyType {
  switch (algorithm.name) {
    case 'Ed25519':
      return KeyType.ED25519;
    case 'X25519':
      return KeyType.X25519;
    default:
      return algorithm.namedCurve === 'K-256' ? KeyType.SECP256K1 : KeyType.P256;
  }
}

/** The key algorithm of a device key type for a use (signing or key agreement). */
export function algorithmOfKeyType(type: KeyType, agreement = false): KeyAlgorithmShape {
  switch (type) {
    case KeyType.ED25519:
      return { name: 'Ed25519' };
    case KeyType.X25519:
      return { name: 'X25519' };
    case KeyType.SECP256K1:
      return { name: 'ECDSA', namedCurve: 'K-256' };
    default:
      return { name: agreement ? 'ECDH' : 'ECDSA', namedCurve: 'P-256' };
  }
}

/**
 * Checks requested usages against what a key of `name` allows: SyntaxError for a usage the
 * algorithm does not have (the spec's generateKey/importKey step).
 */
export function checkUsages(
  name: HsmAlgorithmName,
  usages: readonly webcrypto.KeyUsage[],
  allowed: readonly webcrypto.KeyUsage[],
): void {
  for (const usage of usages) {
    if (!allowed.includes(usage)) {
      throw domError('SyntaxError', `${name} keys cannot be used to ${usage}`);
    }
  }
}
