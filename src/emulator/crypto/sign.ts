/**
 * ECDSA over a 32-byte digest (SIGN_DIGEST, VERIFY_DIGEST*) and pure Ed25519 (SIGN_EDDSA,
 * VERIFY_EDDSA).
 *
 * ECDSA signatures are raw r||s, 32 bytes each, big-endian, as the device returns them. Signing
 * goes through the fast paths of `fast_sign.ts` (random nonces, so equal inputs give different,
 * equally valid signatures); verification uses `@noble/curves`.
 *
 * Routing left to the caller: the protocol signs and verifies the 32 bytes as an Ed25519
 * *message* on an Ed25519 slot (with recovery id 0). These ECDSA functions refuse Ed25519 keys
 * with ERR_KEY_TYPE_MISMATCH, so the emulator sends such slots to {@link signEd25519} and
 * {@link verifyEd25519} instead. X25519 keys are refused with ERR_SLOT_IS_X25519.
 *
 * @packageDocumentation
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { KeyType } from '../../protocol/constants.generated.js';
import { CryptoOpError } from './errors.js';
import { signEd25519Seed, signP256, signSecp256k1 } from './fast_sign.js';
import type { EcdsaCurve } from './keys.js';
import { bytesToBigInt } from './presign.js';
import {
  assertKeyType,
  assertPrivateKey,
  concat,
  validatePublicKey,
  weierstrassCurve,
} from './keys.js';

/** Length of the digest SIGN_DIGEST and VERIFY_DIGEST take, in bytes. */
export const DIGEST_LENGTH = 32;

/** Length of a raw ECDSA (r||s) or Ed25519 (R||S) signature, in bytes. */
export const SIGNATURE_LENGTH = 64;

/** Result of {@link signDigest}. */
export interface EcdsaSignature {
  /** r||s, 32 bytes each, big-endian. */
  readonly signature: Uint8Array;
  /**
   * y parity of the nonce point R for the signature actually returned (after any low-S
   * normalisation, which flips it): public-key recovery with this bit yields the signer's key.
   */
  readonly recoveryId: 0 | 1;
}

/** Options of {@link signDigest}. */
export interface SignDigestOptions {
  /**
   * Normalise s into the lower half of the group order (s <= n/2) and flip the recovery id to
   * match, as Bitcoin and Ethereum require. Default `true`.
   *
   * docs/protocol.md (SIGN_DIGEST) says the device returns s "as computed, not forced low";
   * pass `false` for that behaviour: s is then whichever of s and n-s the computation produced.
   */
  readonly lowS?: boolean;
}

/**
 * ECDSA-signs a 32-byte digest with a P-256 or secp256k1 private key. The digest is used as
 * given (no further hashing).
 *
 * The recovery id is the SEC 1 recovery value, which is always 0 or 1 here: nonces whose point
 * has R.x >= n (probability about 2^-128) are never used.
 *
 * @throws CryptoOpError ERR_INVALID_ARG (unknown type, digest not 32 bytes), ERR_SLOT_IS_X25519,
 *   ERR_KEY_TYPE_MISMATCH (Ed25519), ERR_INVALID_KEY (bad private key).
 */
export function signDigest(
  type: KeyType,
  privateKey: Uint8Array,
  digest: Uint8Array,
  options: SignDigestOptions = {},
): EcdsaSignature {
  const curve = ecdsaCurve(type);
  assertLength(digest, DIGEST_LENGTH, 'digest');
  assertPrivateKey(type, privateKey);
  const raw =
    type === KeyType.P256 ? signP256(privateKey, digest) : signSecp256k1(privateKey, digest);
  if (options.lowS === false) return raw;
  const n = curve.Point.Fn.ORDER;
  const s = bytesToBigInt(raw.signature.subarray(32));
  if (s <= n >> 1n) return raw;
  // s and n - s both verify; n - s belongs to the nonce point -R, whose y parity is flipped.
  const signature = raw.signature.slice();
  signature.set(curve.Point.Fn.toBytes(n - s), 32);
  return { signature, recoveryId: raw.recoveryId === 1 ? 0 : 1 };
}

/**
 * Verifies an ECDSA r||s signature over a 32-byte digest.
 *
 * High-S signatures are accepted: the device itself may return them (see
 * {@link SignDigestOptions.lowS}), and ECDSA as standardised (FIPS 186, SEC 1, OpenSSL) accepts
 * both s and n-s. An r or s of zero or not below the group order makes the result `false`, not
 * an error. The public key may be in any form {@link validatePublicKey} accepts.
 *
 * @returns true when the signature matches.
 * @throws CryptoOpError ERR_INVALID_ARG (unknown type, digest not 32 or signature not 64 bytes),
 *   ERR_SLOT_IS_X25519, ERR_KEY_TYPE_MISMATCH (Ed25519), ERR_INVALID_PUBKEY.
 */
export function verifyDigest(
  type: KeyType,
  publicKey: Uint8Array,
  digest: Uint8Array,
  signature: Uint8Array,
): boolean {
  const curve = ecdsaCurve(type);
  assertLength(digest, DIGEST_LENGTH, 'digest');
  assertLength(signature, SIGNATURE_LENGTH, 'signature');
  const key = concat(Uint8Array.of(0x04), validatePublicKey(type, publicKey));
  try {
    return curve.verify(signature, digest, key, { prehash: false, lowS: false });
  } catch {
    return false;
  }
}

/**
 * Signs `message` with pure Ed25519 (RFC 8032, no pre-hash, no context). Messages of any length,
 * including empty, are signed whole.
 *
 * @param privateKey - the 32-byte RFC 8032 seed.
 * @returns R||S, 64 bytes.
 * @throws CryptoOpError ERR_INVALID_KEY when the seed is not 32 bytes.
 */
export function signEd25519(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  assertPrivateKey(KeyType.ED25519, privateKey);
  return signEd25519Seed(privateKey, message);
}

/**
 * Verifies a pure Ed25519 signature with RFC 8032's strict rules (canonical encodings of A and
 * R, S < L; cofactorless equation), not the more lenient ZIP-215 rules.
 *
 * @returns true when the signature matches.
 * @throws CryptoOpError ERR_INVALID_ARG when the signature is not 64 bytes, ERR_INVALID_PUBKEY
 *   when the public key is not a valid Ed25519 key (see {@link validatePublicKey}).
 */
export function verifyEd25519(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  assertLength(signature, SIGNATURE_LENGTH, 'signature');
  const key = validatePublicKey(KeyType.ED25519, publicKey);
  try {
    return ed25519.verify(signature, message, key, { zip215: false });
  } catch {
    return false;
  }
}

/** The ECDSA curve of `type`, or the error the protocol gives for the 25519 types. */
function ecdsaCurve(type: KeyType): EcdsaCurve {
  assertKeyType(type);
  const curve = weierstrassCurve(type);
  if (curve !== undefined) return curve;
  if (type === KeyType.X25519) {
    throw new CryptoOpError('ERR_SLOT_IS_X25519', 'X25519 keys serve ECDH only');
  }
  throw new CryptoOpError('ERR_KEY_TYPE_MISMATCH', 'Ed25519 keys sign with signEd25519, not ECDSA');
}

function assertLength(bytes: Uint8Array, length: number, what: string): void {
  if (bytes.length !== length) {
    throw new CryptoOpError(
      'ERR_INVALID_ARG',
      `${what} must be ${String(length)} bytes, got ${String(bytes.length)}`,
    );
  }
}
