/**
 * Key pairs in the device's formats: generation, public-key derivation, validation of keys given
 * by value (foreign keys, ECDH peers) and SubjectPublicKeyInfo PEM export.
 *
 * Key types are the protocol's `key_type` values: 0 P-256, 1 secp256k1, 2 Ed25519, 3 X25519.
 * Private keys are 32 bytes for every type: a big-endian scalar in [1, n-1] for P-256 and
 * secp256k1, the RFC 8032 seed for Ed25519 and the RFC 7748 scalar (clamped when used, stored
 * unclamped) for X25519. Public keys are raw as the device exports them: 64 bytes X||Y (no 0x04
 * prefix) for the two Weierstrass curves, 32 bytes for Ed25519 and X25519.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { KeyType } from '../../protocol/constants.generated.js';
import { CryptoOpError } from './errors.js';
import { nativePublicKey } from './fast_public.js';

/** Source of random bytes: returns exactly `n` fresh bytes. Injectable for reproducible tests. */
export type RandomSource = (n: number) => Uint8Array;

/** A key pair in device format. */
export interface KeyPair {
  readonly type: KeyType;
  /** 32 bytes (see the module notes for what they mean per type). */
  readonly privateKey: Uint8Array;
  /** Raw public key: 64 bytes X||Y for P-256/secp256k1, 32 bytes for Ed25519/X25519. */
  readonly publicKey: Uint8Array;
}

/** Length of every private key, in bytes. */
export const PRIVATE_KEY_LENGTH = 32;

/** Length of the raw public key of each key type, in bytes. */
export const PUBLIC_KEY_LENGTH: Readonly<Record<KeyType, number>> = {
  [KeyType.P256]: 64,
  [KeyType.SECP256K1]: 64,
  [KeyType.ED25519]: 32,
  [KeyType.X25519]: 32,
};

/** The default {@link RandomSource}: node's CSPRNG, returned as a plain Uint8Array. */
export const systemRandom: RandomSource = (n) => new Uint8Array(randomBytes(n));

/** Weierstrass curve implementation behind an ECDSA key type. */
export type EcdsaCurve = typeof p256;

/** Throws ERR_INVALID_ARG unless `type` is one of the four `key_type` values. */
export function assertKeyType(type: number): asserts type is KeyType {
  if (
    type !== KeyType.P256 &&
    type !== KeyType.SECP256K1 &&
    type !== KeyType.ED25519 &&
    type !== KeyType.X25519
  ) {
    throw new CryptoOpError('ERR_INVALID_ARG', `unknown key type ${String(type)}`);
  }
}

/** The curve of a P-256 or secp256k1 key type, or undefined for the 25519 types. */
export function weierstrassCurve(type: KeyType): EcdsaCurve | undefined {
  if (type === KeyType.P256) return p256;
  if (type === KeyType.SECP256K1) return secp256k1;
  return undefined;
}

/** Throws ERR_INVALID_KEY unless `privateKey` is a valid private key of `type`. */
export function assertPrivateKey(type: KeyType, privateKey: Uint8Array): void {
  if (privateKey.length !== PRIVATE_KEY_LENGTH) {
    throw new CryptoOpError('ERR_INVALID_KEY', `private key must be 32 bytes`);
  }
  const curve = weierstrassCurve(type);
  if (curve !== undefined && !curve.utils.isValidSecretKey(privateKey)) {
    throw new CryptoOpError('ERR_INVALID_KEY', 'private key is not a scalar in [1, n-1]');
  }
}

/**
 * Generates a key pair of `type`. P-256 and secp256k1 scalars are drawn by rejection sampling
 * (32 random bytes until 1 <= d < n), so a deterministic `random` gives a deterministic key.
 *
 * @param random - byte source; node's CSPRNG by default.
 * @throws CryptoOpError ERR_INVALID_ARG for an unknown type, or when `random` returns the wrong
 *   number of bytes or 64 invalid scalars in a row (a broken source, e.g. all zeros).
 */
export function generateKeyPair(type: KeyType, random: RandomSource = systemRandom): KeyPair {
  assertKeyType(type);
  const curve = weierstrassCurve(type);
  for (let attempt = 0; attempt < 64; attempt++) {
    const candidate = random(PRIVATE_KEY_LENGTH);
    if (candidate.length !== PRIVATE_KEY_LENGTH) {
      throw new CryptoOpError('ERR_INVALID_ARG', 'random source returned the wrong length');
    }
    const privateKey = Uint8Array.from(candidate);
    if (curve === undefined || curve.utils.isValidSecretKey(privateKey)) {
      return { type, privateKey, publicKey: publicKeyFromPrivate(type, privateKey) };
    }
  }
  throw new CryptoOpError('ERR_INVALID_ARG', 'random source keeps returning invalid scalars');
}

/**
 * Derives the raw public key of a private key.
 *
 * @throws CryptoOpError ERR_INVALID_ARG (unknown type), ERR_INVALID_KEY (bad private key).
 */
export function publicKeyFromPrivate(type: KeyType, privateKey: Uint8Array): Uint8Array {
  assertKeyType(type);
  assertPrivateKey(type, privateKey);
  const native = nativePublicKey(type, privateKey);
  if (native !== undefined) return native;
  const curve = weierstrassCurve(type);
  if (curve !== undefined) return curve.getPublicKey(privateKey, false).slice(1);
  if (type === KeyType.ED25519) return ed25519.getPublicKey(privateKey);
  return x25519.getPublicKey(privateKey);
}

/** A fixed scalar used to probe X25519 public keys for small order (any scalar would do). */
const X25519_PROBE = new Uint8Array(32).fill(0x5a);

/**
 * Checks a public key given by value and returns it in the device's raw form.
 *
 * Accepted inputs:
 * - P-256 and secp256k1: 64 bytes X||Y, 65 bytes 0x04||X||Y (SEC 1 uncompressed, as the pre-HSM6
 *   library took foreign keys) or 33 bytes 0x02/0x03||X (SEC 1 compressed). The point must be on
 *   the curve and not the identity; the result is always the 64-byte X||Y form.
 * - Ed25519: 32 bytes that decode strictly per RFC 8032 (y < p) to a point that is not of small
 *   order (the identity and the other torsion points cannot be real keys). Returned as given.
 * - X25519: 32 bytes whose u-coordinate is not one of the small-order values that make every
 *   shared secret all-zero (RFC 7748 section 6.1). As RFC 7748 requires, non-canonical values
 *   and a set top bit are accepted; the key is returned as given.
 *
 * @throws CryptoOpError ERR_INVALID_ARG (unknown type), ERR_INVALID_PUBKEY (anything else).
 */
export function validatePublicKey(type: KeyType, raw: Uint8Array): Uint8Array {
  assertKeyType(type);
  const curve = weierstrassCurve(type);
  if (curve !== undefined) {
    let encoded: Uint8Array;
    if (raw.length === 64) encoded = concat(Uint8Array.of(0x04), raw);
    else if (raw.length === 65 && raw[0] === 0x04) encoded = raw;
    else if (raw.length === 33 && (raw[0] === 0x02 || raw[0] === 0x03)) encoded = raw;
    else throw invalidPubkey(`a ${String(raw.length)}-byte key is not a supported EC encoding`);
    try {
      const point = curve.Point.fromBytes(encoded);
      point.assertValidity();
      return point.toBytes(false).slice(1);
    } catch {
      throw invalidPubkey('the point is not on the curve');
    }
  }
  if (raw.length !== 32) throw invalidPubkey('25519 public keys are 32 bytes');
  if (type === KeyType.ED25519) {
    let smallOrder: boolean;
    try {
      smallOrder = ed25519.Point.fromBytes(raw, false).isSmallOrder();
    } catch {
      throw invalidPubkey('not a valid Ed25519 point encoding');
    }
    if (smallOrder) throw invalidPubkey('Ed25519 point of small order');
    return Uint8Array.from(raw);
  }
  try {
    x25519.scalarMult(X25519_PROBE, raw);
  } catch {
    throw invalidPubkey('X25519 point of small order (all-zero shared secret)');
  }
  return Uint8Array.from(raw);
}

/**
 * Encodes a public key as PEM SubjectPublicKeyInfo ("PUBLIC KEY"), ending in a newline, as
 * EXPORT_PUBKEY_PEM returns it. Algorithm identifiers: id-ecPublicKey (1.2.840.10045.2.1) with
 * the named curve prime256v1 (1.2.840.10045.3.1.7) or secp256k1 (1.3.132.0.10) and an
 * uncompressed point; id-Ed25519 (1.3.101.112) and id-X25519 (1.3.101.110) without parameters,
 * as RFC 8410 specifies. The key is validated first, so any input form
 * {@link validatePublicKey} accepts is allowed.
 *
 * @throws CryptoOpError ERR_INVALID_ARG (unknown type), ERR_INVALID_PUBKEY (invalid key).
 */
export function publicKeyPem(type: KeyType, raw: Uint8Array): string {
  const key = validatePublicKey(type, raw);
  let algorithm: Uint8Array;
  let subjectKey: Uint8Array;
  if (type === KeyType.P256 || type === KeyType.SECP256K1) {
    const named = type === KeyType.P256 ? '1.2.840.10045.3.1.7' : '1.3.132.0.10';
    algorithm = derSequence(derOid('1.2.840.10045.2.1'), derOid(named));
    subjectKey = concat(Uint8Array.of(0x04), key);
  } else {
    algorithm = derSequence(derOid(type === KeyType.ED25519 ? '1.3.101.112' : '1.3.101.110'));
    subjectKey = key;
  }
  const spki = derSequence(algorithm, derTlv(0x03, concat(Uint8Array.of(0), subjectKey)));
  const base64 = Buffer.from(spki).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
}

function invalidPubkey(message: string): CryptoOpError {
  return new CryptoOpError('ERR_INVALID_PUBKEY', message);
}

/** Concatenates byte arrays into a new Uint8Array. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** DER tag-length-value with a definite length (short or long form). */
function derTlv(tag: number, value: Uint8Array): Uint8Array {
  const n = value.length;
  if (n < 0x80) return concat(Uint8Array.of(tag, n), value);
  const lengthBytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) lengthBytes.unshift(rest % 256);
  return concat(Uint8Array.of(tag, 0x80 | lengthBytes.length, ...lengthBytes), value);
}

function derSequence(...items: Uint8Array[]): Uint8Array {
  return derTlv(0x30, concat(...items));
}

/** DER OBJECT IDENTIFIER from dotted notation (first two arcs folded, base-128 arcs after). */
function derOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const body: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const groups = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) {
      groups.unshift((v & 0x7f) | 0x80);
    }
    body.push(...groups);
  }
  return derTlv(0x06, Uint8Array.from(body));
}
